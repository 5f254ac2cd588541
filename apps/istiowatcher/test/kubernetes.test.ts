// The Kubernetes router, the leader election and the built watcher against a real kube-apiserver and
// etcd (tools/control-plane), its watch cache off so an etcd compaction expires a watch (410).
// The watcher authenticates as the generated ServiceAccount, holding only the generated Role and
// RoleBinding, in a fresh namespace per test; the audit log tells who called what and the answer.
import { createServer, type Server } from 'node:http';
import { copyFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Registry } from 'prom-client';
import { parseAllDocuments, stringify } from 'yaml';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  CoordinationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  KubernetesObjectApi,
  Watch,
  type V1Lease,
} from '@kubernetes/client-node';
import { ALL_BURST, DEFAULT_POLICY, NATURAL, type PolicySettings, type Weights } from '@string-hashr/policy';
import {
  BURST_ANNOTATIONS,
  DEFAULT_SUBSETS,
  LEADER_LEASE_NAME,
  ROUTE_KINDS,
  WORKER_ROUTE_NAMES,
  routeApiVersion,
  routeCrdName,
  type RouteKind,
} from '@string-hashr/contract';
import { routeFlavour, withRouteWeights, type RouteObject } from '@string-hashr/kube-objects';
import { createLogger } from '@string-hashr/runtime';
import {
  BURSTING_RPS,
  describeResult,
  freePort,
  http,
  repoRoot,
  sleep,
  startControlPlane,
  startIstioExporter,
  startNodeApp,
  waitFor,
  type AuditEvent,
  type RunningProcess,
  type TestControlPlane,
} from '@string-hashr/testing';
import type { RouteRef } from '../src/config.js';
import { API_ASSUMPTIONS } from '../src/kubernetes/api-assumptions.js';
import { kubernetesLeaseApi, leaseLeadership } from '../src/kubernetes/lease.js';
import { alwaysLeader, type Leadership } from '../src/leadership.js';
import { watcherMetrics } from '../src/metrics.js';
import type { Router } from '../src/routers/router.js';
import { kubernetesRouter, type KubernetesRouterOptions } from '../src/kubernetes/route-router.js';
import { createWatcher } from '../src/watcher.js';
import { MAIN_JS, workerHttpRoute, workerVirtualService, watcherMetrics as scrapeWatcherMetrics } from './support.js';

const T0 = Date.parse('2025-03-01T12:00:00.000Z');
const WATCHER_SA = 'istiowatcher';
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Doc = Record<string, any>;
type Vs = RouteObject;

/** One route kind: its generated watcher manifest, its resource, and its object as the manifests have it. */
function routeKind(kind: RouteKind, manifest: string, object: (weights: Weights) => Vs, kindFree: boolean) {
  const { group, version, plural } = ROUTE_KINDS[kind];
  return {
    kind,
    manifest,
    resource: plural,
    group,
    version,
    name: WORKER_ROUTE_NAMES[kind],
    flavour: routeFlavour(kind),
    object,
    /** Whether the cases the route kind changes nothing in run here too: only one kind runs them. */
    kindFree,
  };
}
// Each route kind runs what it changes: reading and writing its object, its Role, its watch. The
// rest (the API's semantics, fencing, orders, the Lease, the built watcher's two-replica stories)
// runs for the VirtualService only; the Istio exporter stands in for VirtualService traffic.
const KINDS = [
  routeKind('VirtualService', 'k8s/routing/virtualservice/primary/istiowatcher.yaml', workerVirtualService, true),
  routeKind('HTTPRoute', 'k8s/routing/gateway-api/primary/istiowatcher.yaml', workerHttpRoute, false),
];

/** The user a ServiceAccount's token authenticates as. */
const saUser = (namespace: string, name: string) => `system:serviceaccount:${namespace}:${name}`;
const completed = (e: AuditEvent) => e.stage === 'ResponseComplete';

let cp: TestControlPlane;
let admin: KubeConfig;
beforeAll(async () => {
  // Only the route kinds' CRDs: each costs the API server CPU to install.
  cp = await startControlPlane({ watchCache: false, crds: KINDS.map(({ kind }) => routeCrdName(kind)) });
  admin = new KubeConfig();
  admin.loadFromFile(cp.kubeconfig);
});
afterAll(async () => {
  await cp?.stop();
});

// Whatever a test did, the watcher's ServiceAccount (the generated Role only) was never refused.
afterEach(() => {
  const refused = cp
    .auditEvents()
    .filter((e) => /^system:serviceaccount:[^:]+:istiowatcher$/.test(e.user.username))
    .filter((e) => e.responseStatus?.code === 403);
  expect(refused).toEqual([]);
});

describe.each(KINDS)('$kind against a real API server', (route) => {
  const generated = parseAllDocuments(readFileSync(path.join(repoRoot, route.manifest), 'utf8')).map(
    (d) => d.toJS() as Doc,
  );
  const rbac = generated.filter((d) => ['ServiceAccount', 'Role', 'RoleBinding'].includes(d.kind));
  let namespaces = 0;
  let tokens = 0;

  const lines: string[] = [];
  const log = createLogger('test', (line) => lines.push(line));
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    lines.length = 0;
  });

  const mustKubectl = async (args: string[], input?: string) => {
    const result = await cp.kubectl(args, { input });
    if (result.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${describeResult(result)}`);
    return result.stdout;
  };

  /** A fresh namespace with the generated ServiceAccount, Role and RoleBinding in it (never deleted: no controller finishes that). */
  async function namespace(): Promise<string> {
    const ns = `${route.kind.toLowerCase()}-${++namespaces}`;
    await cp.ensureNamespace(ns);
    for (const d of rbac) {
      const doc = structuredClone(d);
      doc.metadata.namespace = ns;
      for (const subject of doc.subjects ?? []) subject.namespace = ns;
      await KubernetesObjectApi.makeApiClient(admin).create(doc);
    }
    return ns;
  }

  /** The generated Role with only the verbs `keep` keeps, as `name`, bound to the ServiceAccount `account`. */
  async function bindNarrowerRole(
    ns: string,
    name: string,
    account: string,
    keep: (verb: string, rule: Doc) => boolean,
  ) {
    const role = structuredClone(rbac.find((d) => d.kind === 'Role')!);
    role.metadata = { name, namespace: ns };
    for (const rule of role.rules) rule.verbs = rule.verbs.filter((v: string) => keep(v, rule));
    await mustKubectl(['apply', '-f', '-'], stringify(role));
    await mustKubectl([
      'create',
      'rolebinding',
      account,
      `--role=${name}`,
      `--serviceaccount=${ns}:${account}`,
      '-n',
      ns,
    ]);
  }

  /** A kubeconfig of its own token for the ServiceAccount: the audit log tells two of them apart. */
  async function credentials(ns: string, sa = WATCHER_SA) {
    // serviceAccountKubeconfig writes one file per account: each token gets a copy of its own.
    const shared = await cp.serviceAccountKubeconfig(ns, sa);
    const file = `${shared}.${++tokens}`;
    copyFileSync(shared, file);
    const kc = new KubeConfig();
    kc.loadFromFile(file);
    const token = kc.getCurrentUser()?.token ?? '';
    const jti = (JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as { jti: string }).jti;
    return { file, kc, credential: `JTI=${jti}`, user: saUser(ns, sa) };
  }

  const ref = (ns: string): RouteRef => ({
    kind: route.kind,
    name: route.name,
    namespace: ns,
    apiVersion: routeApiVersion(route.kind),
    subsets: DEFAULT_SUBSETS,
  });
  const target = (ns: string) => ({
    group: route.group,
    version: route.version,
    plural: route.resource,
    namespace: ns,
  });
  const objects = () => admin.makeApiClient(CustomObjectsApi);

  async function put(ns: string, weights: Weights, annotations: Record<string, string> = {}): Promise<void> {
    const object = route.object(weights);
    object.metadata = { ...object.metadata, namespace: ns };
    Object.assign(object.metadata.annotations as object, annotations);
    await objects().createNamespacedCustomObject({ ...target(ns), body: object });
  }
  const objectNow = async (ns: string) =>
    (await objects().getNamespacedCustomObject({ ...target(ns), name: route.name })) as Vs;
  const weightsNow = async (ns: string) => route.flavour.read(await objectNow(ns));
  const annotationsNow = async (ns: string) =>
    ((await objectNow(ns)).metadata?.annotations ?? {}) as Record<string, string>;

  /** Someone else's edit with kubectl: the weights (and annotations, null removes one). */
  async function kubectlEdit(ns: string, weights: Weights, annotations: Record<string, string | null> = {}) {
    const edited = withRouteWeights(await objectNow(ns), weights, route.flavour);
    const patch = { metadata: { annotations }, spec: edited.spec };
    await mustKubectl(['patch', route.resource, route.name, '-n', ns, '--type=merge', '-p', JSON.stringify(patch)]);
  }

  const events = async (ns: string) =>
    (await admin.makeApiClient(CoreV1Api).listNamespacedEvent({ namespace: ns })).items.sort((a, b) =>
      String(a.metadata?.creationTimestamp).localeCompare(String(b.metadata?.creationTimestamp)),
    );
  const eventReasons = async (ns: string) => (await events(ns)).map((e) => e.reason);

  /** What the API server answered `user` (and, given, only that token) on the route object, in order. */
  const calls = (ns: string, user: string, credential?: string) =>
    cp
      .auditEvents()
      .filter(completed)
      .filter((e) => e.user.username === user && e.objectRef?.namespace === ns)
      .filter(
        (e) =>
          credential === undefined ||
          (
            (e.user as { extra?: Record<string, string[]> }).extra?.['authentication.kubernetes.io/credential-id'] ?? []
          ).includes(credential),
      )
      .map((e) => ({ verb: e.verb, resource: e.objectRef?.resource, status: e.responseStatus?.code }));
  const routeWrites = (ns: string, user: string, credential?: string) =>
    calls(ns, user, credential).filter(
      (c) => c.resource === route.resource && ['patch', 'update', 'create'].includes(c.verb),
    );

  /** A kubeconfig for a stand-in API server listening on 127.0.0.1. */
  function standInConfig(server: Server): KubeConfig {
    const kc = new KubeConfig();
    const { port } = server.address() as { port: number };
    kc.loadFromOptions({
      clusters: [{ name: 'c', server: `http://127.0.0.1:${port}`, skipTLSVerify: true }],
      users: [{ name: 'u' }],
      contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
      currentContext: 'x',
    });
    return kc;
  }

  function router(kc: KubeConfig, ns: string, options: Partial<KubernetesRouterOptions> = {}) {
    const r = kubernetesRouter(kc, ref(ns), log, { identity: 'watcher-a', ...options });
    cleanups.push(() => r.close());
    return r;
  }

  /** A leadership the test drives (a replica whose own clock says it leads). */
  const fixedLeadership = (token: string, confirms = () => true): Leadership => ({
    isLeader: () => true,
    token: () => token,
    remainingMs: () => 5000,
    confirm: async () => confirms(),
    stop: async () => {},
  });

  function watcher(options: {
    router: Router;
    rps: () => number;
    leadership?: Leadership;
    resyncMs?: number;
    policy?: Partial<PolicySettings>;
    now?: () => number;
  }) {
    const registry = new Registry();
    const metrics = watcherMetrics(registry, { mode: 'switch', source: 'test', router: 'kubernetes', dryRun: false });
    const w = createWatcher({
      source: { description: 'test', read: async () => ({ kind: 'value', rps: options.rps() }) },
      router: options.router,
      policy: {
        ...DEFAULT_POLICY,
        samplesUp: 1,
        samplesDown: 1,
        minDwellUpMs: 0,
        minDwellDownMs: 0,
        ...options.policy,
      },
      leadership: options.leadership ?? alwaysLeader('watcher-a'),
      intervalMs: 100,
      resyncMs: options.resyncMs,
      log,
      metrics,
      now: options.now,
      // These tests count what each tick decided in the log.
      logTicks: true,
    });
    cleanups.push(() => w.stop());
    return { ...w, registry };
  }

  if (route.kindFree) {
    describe('the API assumptions (the table the unit tier holds its fakes to)', () => {
      // The table's Lease cases act on the Lease alone.
      const assumptions = API_ASSUMPTIONS.filter((c) => route.kindFree || !c.name.startsWith('Lease:'));
      it.each(assumptions.map((c) => [c.name, c] as const))('%s', async (_name, assumption) => {
        const ns = await namespace();
        await put(ns, NATURAL, assumption.start?.annotations);
        const { kc, user } = await credentials(ns);
        const subject = {
          router: router(kc, ns, { watch: false }),
          edit: async ({
            weights,
            annotations,
          }: {
            weights?: Weights;
            annotations?: Record<string, string | undefined>;
          }) =>
            kubectlEdit(
              ns,
              weights ?? (await weightsNow(ns)),
              Object.fromEntries(Object.entries(annotations ?? {}).map(([k, v]) => [k, v ?? null])),
            ),
          stored: async () => {
            const object = await objectNow(ns);
            return {
              weights: route.flavour.read(object),
              annotations: (object.metadata?.annotations ?? {}) as Record<string, string>,
              version: object.metadata?.resourceVersion,
            };
          },
          events: async () =>
            (await events(ns)).map((e) => ({
              type: e.type as 'Normal' | 'Warning',
              reason: e.reason ?? '',
              message: e.message ?? '',
            })),
          lease: kubernetesLeaseApi(kc, { namespace: ns, name: LEADER_LEASE_NAME }, 10_000),
        };
        expect(await assumption.act(subject)).toEqual(assumption.expected);
        if (assumption.status !== undefined)
          expect(routeWrites(ns, user).at(-1)).toMatchObject({ verb: 'patch', status: assumption.status });
      });
    });
  }

  describe('the router', () => {
    it('reads the state on the object: weights, record, owner, orders, version', async () => {
      const ns = await namespace();
      await put(ns, ALL_BURST, {
        [BURST_ANNOTATIONS.phase]: 'burst',
        [BURST_ANNOTATIONS.changedAt]: '2025-03-01T12:00:00Z',
        [BURST_ANNOTATIONS.owner]: 'istiowatcher-0/2',
        [BURST_ANNOTATIONS.pin]: 'burst',
      });
      const { kc } = await credentials(ns);
      expect(await router(kc, ns).read({ fresh: true })).toMatchObject({
        weights: ALL_BURST,
        record: { phase: 'burst', changedAt: T0 },
        owner: 'istiowatcher-0/2',
        control: { suspend: false, pin: 'burst' },
        version: (await objectNow(ns)).metadata?.resourceVersion,
      });
    });

    it('one JSON Patch changes the two weights and the four annotations, nothing else', async () => {
      const ns = await namespace();
      await put(ns, NATURAL);
      const before = await objectNow(ns);
      const { kc, user } = await credentials(ns);
      const r = router(kc, ns);
      const read = await r.read({ fresh: true });
      await r.write({
        owner: 'watcher-a/0',
        change: { weights: ALL_BURST, record: { phase: 'burst', changedAt: T0, reason: 'test: 30 req/s' } },
        expect: { version: read.version },
      });
      expect(routeWrites(ns, user)).toEqual([{ verb: 'patch', resource: route.resource, status: 200 }]);
      const expected = withRouteWeights(before, ALL_BURST, route.flavour);
      Object.assign(expected.metadata?.annotations as object, {
        [BURST_ANNOTATIONS.phase]: 'burst',
        [BURST_ANNOTATIONS.changedAt]: '2025-03-01T12:00:00.000Z',
        [BURST_ANNOTATIONS.reason]: 'test: 30 req/s',
        [BURST_ANNOTATIONS.owner]: 'watcher-a/0',
      });
      // Only the weights, the annotations, and what the API server itself maintains, differ.
      const ignoreServerFields = (o: Vs) => ({
        ...o,
        metadata: { ...o.metadata, resourceVersion: 'x', generation: 0, managedFields: [] },
      });
      expect(ignoreServerFields(await objectNow(ns))).toEqual(ignoreServerFields(expected));
    });

    if (route.kindFree) {
      it('a deadline aborts the HTTP request itself, not just the wait for it', async () => {
        // The one fault a real API server cannot be made to produce on cue: a request that never
        // gets an answer. A server that answers the read and holds the patch stands in for it.
        const object = {
          ...route.object(NATURAL),
          metadata: { ...route.object(NATURAL).metadata, resourceVersion: '7' },
        };
        let aborted!: () => void;
        const patchAborted = new Promise<void>((resolve) => (aborted = resolve));
        const server: Server = createServer((req, res) => {
          if (req.method === 'PATCH') req.socket.once('close', aborted);
          else res.setHeader('content-type', 'application/json').end(JSON.stringify(object));
        });
        await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
        cleanups.push(() => new Promise((resolve) => server.close(() => resolve())));
        const r = router(standInConfig(server), 'default', { watch: false });
        const read = await r.read({ fresh: true });
        await expect(
          r.write(
            {
              owner: 'a',
              change: { weights: ALL_BURST, record: { phase: 'burst', changedAt: T0, reason: 'test' } },
              expect: { version: read.version },
            },
            { deadlineMs: 300 },
          ),
        ).rejects.toMatchObject({ kind: 'timeout', message: /within 300 ms .*the request was aborted/ });
        // The server saw the client close the connection: the request is not left in flight.
        await patchAborted;
      });
    }

    it('403: says which RBAC verb and resource are missing, keeps running, and acts once allowed', async () => {
      const ns = await namespace();
      await put(ns, NATURAL);
      // Another ServiceAccount, bound to the generated Role without its patch verb.
      await bindNarrowerRole(
        ns,
        'no-patch',
        'limited',
        (verb, rule) => !(verb === 'patch' && rule.resources.includes(route.resource)),
      );
      const { kc, user } = await credentials(ns, 'limited');
      const w = watcher({ router: router(kc, ns), rps: () => 30 });
      w.start();
      await waitFor('the forbidden message', () =>
        lines.some((l) =>
          l.includes(`needs RBAC verb "patch" on ${route.resource}.${route.group} "${route.name}" in namespace ${ns}`),
        ),
      );
      await waitFor('several attempts', () => routeWrites(ns, user).filter((c) => c.status === 403).length >= 3);
      expect(await weightsNow(ns)).toEqual(NATURAL);
      expect(await w.registry.getSingleMetricAsString('istiowatcher_errors_total')).toMatch(
        /kind="router_forbidden"} [1-9]/,
      );
      await mustKubectl([
        'create',
        'rolebinding',
        'limited-full',
        `--role=${WATCHER_SA}`,
        `--serviceaccount=${ns}:limited`,
        '-n',
        ns,
      ]);
      await waitFor('burst once allowed', async () => (await weightsNow(ns)).burst === 100);
      expect(routeWrites(ns, user).at(-1)?.status).toBe(200);
    });

    it('404: says the object is missing, keeps running, and picks it up once it exists', async () => {
      const ns = await namespace();
      const { kc } = await credentials(ns);
      const w = watcher({ router: router(kc, ns), rps: () => 30 });
      w.start();
      await waitFor('the not-found message', () =>
        lines.some((l) =>
          l.includes(`not found: ${route.resource}.${route.group} "${route.name}" in namespace ${ns} does not exist`),
        ),
      );
      await put(ns, NATURAL);
      await waitFor('burst once it exists', async () => (await weightsNow(ns)).burst === 100);
    });
  });

  if (route.kindFree) {
    describe('the state on the object', () => {
      it('a restart during a burst stays in burst: the watcher takes the object as its state and claims it, spec untouched', async () => {
        const ns = await namespace();
        await put(ns, ALL_BURST);
        const generation = (await objectNow(ns)).metadata?.generation;
        const { kc } = await credentials(ns);
        const w = watcher({ router: router(kc, ns), rps: () => 20 });
        await w.tick();
        await w.tick();
        expect(w.weights()).toEqual(ALL_BURST);
        expect(await weightsNow(ns)).toEqual(ALL_BURST);
        // The claim wrote annotations only: the spec's generation did not move.
        expect((await objectNow(ns)).metadata?.generation).toBe(generation);
        expect((await annotationsNow(ns))[BURST_ANNOTATIONS.owner]).toBe('watcher-a');
      });

      it('the dwell holds across a restart and a leader change (changed-at read back from the object)', async () => {
        const ns = await namespace();
        await put(ns, NATURAL);
        const { kc } = await credentials(ns);
        let now = T0;
        let rps = 30;
        const policy = { samplesDown: 1, minDwellDownMs: 20_000 };
        const run = async (w: ReturnType<typeof watcher>, until: number) => {
          while (now < until) {
            await w.tick();
            now += 1000;
          }
        };
        const replica = (token: string) =>
          watcher({
            router: router(kc, ns, { watch: false }),
            rps: () => rps,
            leadership: fixedLeadership(token),
            now: () => now,
            policy,
          });
        const a = replica('watcher-a/1');
        await run(a, T0 + 2000);
        expect(await weightsNow(ns)).toEqual(ALL_BURST);
        const burstAt = Date.parse((await annotationsNow(ns))[BURST_ANNOTATIONS.changedAt] ?? '');
        expect(burstAt).toBe(T0);
        await a.stop();

        // The load goes, and the watcher restarts (a new process: a new router, a new term).
        rps = 0;
        const a2 = replica('watcher-a/2');
        await run(a2, T0 + 8000);
        expect(await weightsNow(ns)).toEqual(ALL_BURST);
        await a2.stop();

        // A leader change: B takes the object over and still waits for changed-at + dwell.
        const b = replica('watcher-b/3');
        await run(b, burstAt + 20_000);
        expect(await weightsNow(ns)).toEqual(ALL_BURST);
        await run(b, burstAt + 22_000);
        expect(await weightsNow(ns)).toEqual(NATURAL);
        expect(Date.parse((await annotationsNow(ns))[BURST_ANNOTATIONS.changedAt] ?? '')).toBeGreaterThanOrEqual(
          burstAt + 20_000,
        );
        expect((await annotationsNow(ns))[BURST_ANNOTATIONS.owner]).toBe('watcher-b/3');
      });
    });
  }

  if (route.kindFree) {
    describe('fencing and conflicts', () => {
      /** The router, with `beforeNextWrite` run just before its next write goes out (as if it were slow to send). */
      function interleaved(r: Router) {
        let beforeNextWrite: (() => Promise<void>) | undefined;
        const wrapped: Router = {
          ...r,
          description: r.description,
          read: (o) => r.read(o),
          record: (e) => r.record(e),
          close: () => r.close(),
          onOutsideChange: r.onOutsideChange?.bind(r),
          async write(write, options) {
            const hook = beforeNextWrite;
            beforeNextWrite = undefined;
            await hook?.();
            return r.write(write, options);
          },
        };
        return { router: wrapped, before: (hook: () => Promise<void>) => (beforeNextWrite = hook) };
      }

      it('another writer sets 50/50 between its read and its patch: the watcher never writes its stale decision over it', async () => {
        const ns = await namespace();
        await put(ns, NATURAL);
        const { kc, user } = await credentials(ns);
        const r = interleaved(router(kc, ns, { watch: false }));
        const w = watcher({ router: r.router, rps: () => 30, policy: { samplesUp: 2 } });
        await w.tick(); // reads and claims; 1 of 2 samples
        r.before(() => kubectlEdit(ns, { primary: 50, burst: 50 }));
        expect((await w.tick()).outcome).toBe('conflict');
        expect(await weightsNow(ns)).toEqual({ primary: 50, burst: 50 });
        expect(routeWrites(ns, user).at(-1)?.status).toBe(422);

        // The next tick reads 50/50 as the state and counts samples again: nothing is written.
        const writes = routeWrites(ns, user).length;
        expect((await w.tick()).outcome).toBe('held');
        expect(routeWrites(ns, user)).toHaveLength(writes);
        expect(lines.some((l) => l.includes('the decision is dropped'))).toBe(true);
        // A new decision, made on what the object says now, lands.
        expect((await w.tick()).outcome).toBe('changed');
        expect(routeWrites(ns, user).at(-1)?.status).toBe(200);
        expect(await weightsNow(ns)).toEqual(ALL_BURST);
      });

      it("a deposed leader's write is refused by the API server though its own clock says it still leads", async () => {
        const ns = await namespace();
        await put(ns, NATURAL);
        const a = await credentials(ns);
        const b = await credentials(ns);
        let rps = 30;
        let leaseSaysA = true;
        const ra = interleaved(router(a.kc, ns, { watch: false }));
        const wa = watcher({
          router: ra.router,
          rps: () => rps,
          leadership: fixedLeadership('watcher-a/1', () => leaseSaysA),
        });
        await wa.tick(); // claims
        await wa.tick(); // bursts
        expect(await weightsNow(ns)).toEqual(ALL_BURST);

        // A decides to go back; before its patch leaves, B wins the next term and claims the object.
        rps = 0;
        ra.before(async () => {
          leaseSaysA = false;
          const wb = watcher({
            router: router(b.kc, ns, { watch: false }),
            rps: () => 30,
            leadership: fixedLeadership('watcher-b/2'),
          });
          await wb.tick();
          await wb.stop();
        });
        expect((await wa.tick()).outcome).toBe('conflict');
        expect((await annotationsNow(ns))[BURST_ANNOTATIONS.owner]).toBe('watcher-b/2');
        // The API server refused A's late patch: its tests (version and owner watcher-a/1) no longer hold.
        expect(routeWrites(ns, a.user, a.credential).map((c) => c.status)).toEqual([200, 200, 422]);
        expect(await weightsNow(ns)).toEqual(ALL_BURST);

        // A reads again, finds another term's token, asks the Lease, and writes nothing more.
        for (let i = 0; i < 3; i++) expect((await wa.tick()).outcome).toBe('lost-leadership');
        expect(routeWrites(ns, a.user, a.credential)).toHaveLength(3);
      });
    });
  }

  describe('watch', () => {
    it('an outside kubectl edit is seen through the watch (no GET), logged, recorded as an Event, and taken as the state', async () => {
      const ns = await namespace();
      await put(ns, NATURAL);
      const { kc, user } = await credentials(ns);
      // Ticked by the test, not by a timer: until its watch is answered the router reads by GET, and
      // a tick of its own could land between the count below and the edit on a busy machine.
      const w = watcher({ router: router(kc, ns), rps: () => 12, resyncMs: 300_000 });
      const gets = () => calls(ns, user).filter((c) => c.verb === 'get').length;
      await w.tick();
      expect((await annotationsNow(ns))[BURST_ANNOTATIONS.owner]).toBe('watcher-a');
      // A tick that makes no GET read from the watch.
      await waitFor('a tick read from the watch', async () => {
        const before = gets();
        await w.tick();
        return gets() === before;
      });
      const getsBefore = gets();
      await kubectlEdit(ns, { primary: 50, burst: 50 });
      await waitFor('the edit noticed', async () => {
        await w.tick();
        return lines.some(
          (l) => l.includes('the weights were changed outside the watcher') && l.includes('weights=50/50'),
        );
      });
      expect(gets()).toBe(getsBefore);
      await waitFor('the Event', async () =>
        (await events(ns)).some((e) => e.reason === 'OutsideEdit' && e.type === 'Warning'),
      );
      // 12 req/s is between the thresholds: the new weights are the state and stay.
      expect(w.weights()).toEqual({ primary: 50, burst: 50 });
    });

    if (route.kindFree) {
      it('a watch whose resourceVersion was compacted away (410 Gone) lists again and keeps watching', async () => {
        const ns = await namespace();
        await put(ns, NATURAL);
        const { kc, user } = await credentials(ns);
        // The server ends each watch after a second, so the next one starts from the version seen.
        const w = watcher({ router: router(kc, ns, { watchTimeoutSeconds: 1 }), rps: () => 12, resyncMs: 300_000 });
        w.start();
        const lists = () => calls(ns, user).filter((c) => c.resource === route.resource && c.verb === 'list').length;
        await waitFor('watching', () => lists() === 1 && w.weights() !== undefined);
        // Two writes elsewhere, then a compaction: the revision after the one the watch holds is gone.
        await mustKubectl(['create', 'configmap', 'elsewhere', '-n', ns, '--from-literal=n=1']);
        await mustKubectl(['patch', 'configmap', 'elsewhere', '-n', ns, '-p', '{"data":{"n":"2"}}']);
        await cp.compactEtcd();
        await waitFor('expired', () => lines.some((l) => l.includes('expired (410 Gone): listing it again')));
        await waitFor('listed again', () => lists() === 2);
        await kubectlEdit(ns, { primary: 50, burst: 50 });
        await waitFor('the edit noticed', () =>
          lines.some((l) => l.includes('weights=50/50') && l.includes('outside')),
        );
      });

      it('an error event other than 410 (a 500 after a compaction) backs off and lists again, not resuming from its version', async () => {
        // A real API server does not send such an event on cue: a stand-in answers the list and the
        // GET, and ends the first watch with an ERROR event, as kube-apiserver does when etcd fails.
        const requests: string[] = [];
        let lists = 0;
        const server: Server = createServer((req, res) => {
          const url = new URL(req.url ?? '/', 'http://x');
          res.setHeader('content-type', 'application/json');
          const at = (rv: string) => ({
            ...route.object(NATURAL),
            metadata: { ...route.object(NATURAL).metadata, resourceVersion: rv },
          });
          if (url.searchParams.get('watch') === 'true') {
            requests.push(`watch from ${url.searchParams.get('resourceVersion')}`);
            // Later watches: established and quiet, as a watch with nothing to tell is.
            if (requests.filter((q) => q.startsWith('watch')).length > 1) return void res.flushHeaders();
            const status = {
              kind: 'Status',
              status: 'Failure',
              code: 500,
              message: 'etcdserver: mvcc: required revision has been compacted',
            };
            res.end(`${JSON.stringify({ type: 'ERROR', object: status })}\n`);
          } else if (url.pathname.endsWith(`/${route.resource}`)) {
            const rv = String(10 + ++lists);
            requests.push(`list at ${rv}`);
            res.end(JSON.stringify({ metadata: { resourceVersion: rv }, items: [at(rv)] }));
          } else res.end(JSON.stringify(at('10')));
        });
        await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
        cleanups.push(
          () =>
            new Promise((resolve) => {
              server.closeAllConnections();
              server.close(() => resolve());
            }),
        );
        const r = router(standInConfig(server), 'default');
        await r.read();
        await waitFor('a request after the failed watch', () => requests.length >= 3);
        expect(requests.slice(0, 3)).toEqual(['list at 11', 'watch from 11', 'list at 12']);
        await waitFor('watching again', () => requests.length >= 4);
        expect(requests[3]).toBe('watch from 12');
        expect(lines.some((l) => l.includes(`cannot watch the ${route.kind}`) && l.includes('error event (500)'))).toBe(
          true,
        );
      });

      it('a watch the server takes and never answers is given up and tried again, and close() does not wait for it', async () => {
        // A frozen API server accepts the watch and sends nothing, not even headers: a stand-in.
        const requests: string[] = [];
        const server: Server = createServer((req, res) => {
          const url = new URL(req.url ?? '/', 'http://x');
          if (url.searchParams.get('watch') === 'true') return void requests.push('watch');
          res.setHeader('content-type', 'application/json');
          const object = {
            ...route.object(NATURAL),
            metadata: { ...route.object(NATURAL).metadata, resourceVersion: '10' },
          };
          if (url.pathname.endsWith(`/${route.resource}`)) {
            requests.push('list');
            res.end(JSON.stringify({ metadata: { resourceVersion: '10' }, items: [object] }));
          } else res.end(JSON.stringify(object));
        });
        await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
        cleanups.push(
          () =>
            new Promise((resolve) => {
              server.closeAllConnections();
              server.close(() => resolve());
            }),
        );
        const r = kubernetesRouter(standInConfig(server), ref('default'), log, {
          identity: 'watcher-a',
          watchConnectSeconds: 1,
        });
        expect((await r.read()).weights).toEqual(NATURAL);
        await waitFor(
          'a second watch after the first went unanswered',
          () => requests.filter((q) => q === 'watch').length >= 2,
        );
        expect(
          lines.some((l) => l.includes(`cannot watch the ${route.kind}`) && l.includes('no answer to the watch')),
        ).toBe(true);
        await r.close();
      });

      it('without list and watch permissions it falls back to reading on every tick, saying so', async () => {
        const ns = await namespace();
        await put(ns, NATURAL);
        await bindNarrowerRole(ns, 'no-watch', 'no-watch', (verb) => !['list', 'watch'].includes(verb));
        const { kc } = await credentials(ns, 'no-watch');
        const w = watcher({ router: router(kc, ns), rps: () => 30 });
        w.start();
        await waitFor('the warning', () => lines.some((l) => l.includes(`cannot watch the ${route.kind}`)));
        await waitFor('burst all the same', async () => (await weightsNow(ns)).burst === 100);
      });
    }
  });

  if (route.kindFree) {
    describe("the operator's orders by kubectl annotate", () => {
      it('suspend: no change at 30 req/s, said in the log, /metrics and an Event; removed, the watcher acts', async () => {
        const ns = await namespace();
        await put(ns, NATURAL, { [BURST_ANNOTATIONS.suspend]: 'true' });
        const { kc, user } = await credentials(ns);
        const w = watcher({ router: router(kc, ns), rps: () => 30 });
        w.start();
        await waitFor('the Event', async () => (await eventReasons(ns)).includes('Suspended'));
        await waitFor(
          'several suspended ticks',
          () => lines.filter((l) => l.includes('suspended by the operator')).length >= 5,
        );
        expect(await weightsNow(ns)).toEqual(NATURAL);
        expect(await w.registry.getSingleMetricAsString('istiowatcher_suspended')).toMatch(/istiowatcher_suspended 1/);
        const generation = Number((await objectNow(ns)).metadata?.generation);
        await mustKubectl(['annotate', route.resource, route.name, '-n', ns, `${BURST_ANNOTATIONS.suspend}-`]);
        await waitFor('burst once resumed', async () => (await weightsNow(ns)).burst === 100);
        await waitFor('the Resumed Event', async () => (await eventReasons(ns)).includes('Resumed'));
        // While suspended the spec was never written (its generation moved once, for the burst).
        expect((await objectNow(ns)).metadata?.generation).toBe(generation + 1);
        expect(routeWrites(ns, user).every((c) => c.status === 200)).toBe(true);
      });

      it('pin: the pinned weights at once whatever the load, held; removed, the policy takes over again', async () => {
        const ns = await namespace();
        await put(ns, NATURAL);
        const { kc } = await credentials(ns);
        let rps = 30;
        const w = watcher({ router: router(kc, ns), rps: () => rps });
        w.start();
        await waitFor('burst', async () => (await weightsNow(ns)).burst === 100);
        const annotate = (value: string) =>
          mustKubectl([
            'annotate',
            '--overwrite',
            route.resource,
            route.name,
            '-n',
            ns,
            `${BURST_ANNOTATIONS.pin}${value}`,
          ]);
        await annotate('=natural');
        await waitFor('pinned natural at 30 req/s', async () => (await weightsNow(ns)).primary === 100);
        expect((await annotationsNow(ns))[BURST_ANNOTATIONS.reason]).toMatch(/pinned natural/);
        await waitFor('the Pinned Event', async () => (await eventReasons(ns)).includes('Pinned'));
        await waitFor('held for several ticks', () => lines.filter((l) => l.includes('holding 100/0')).length >= 5);
        rps = 0;
        await annotate('=burst');
        await waitFor('pinned burst at 0 req/s', async () => (await weightsNow(ns)).burst === 100);
        await annotate('-');
        await waitFor('back to natural once unpinned', async () => (await weightsNow(ns)).primary === 100);
      });
    });
  }

  if (route.kindFree) {
    describe('leader election on a real Lease', () => {
      const lease = async (ns: string) =>
        (await admin.makeApiClient(CoordinationV1Api).readNamespacedLease({ name: LEADER_LEASE_NAME, namespace: ns }))
          .spec!;
      function elect(
        kc: KubeConfig,
        ns: string,
        identity: string,
        extra: { clock?: () => number; leaseDurationSeconds?: number } = {},
      ) {
        const l = leaseLeadership(kc, {
          namespace: ns,
          name: LEADER_LEASE_NAME,
          identity,
          leaseDurationSeconds: 5,
          log,
          ...extra,
        });
        cleanups.push(() => l.stop());
        return l;
      }

      it('two watchers: only the leader acts; when it stops, the other takes over with a new token', async () => {
        const ns = await namespace();
        await put(ns, NATURAL);
        let rps = 30;
        const [ca, cb] = [await credentials(ns), await credentials(ns)];
        const a = { id: 'watcher-a', c: ca, l: elect(ca.kc, ns, 'watcher-a') };
        const b = { id: 'watcher-b', c: cb, l: elect(cb.kc, ns, 'watcher-b') };
        const wa = watcher({ router: router(a.c.kc, ns, { identity: a.id }), rps: () => rps, leadership: a.l });
        const wb = watcher({ router: router(b.c.kc, ns, { identity: b.id }), rps: () => rps, leadership: b.l });
        wa.start();
        wb.start();
        await waitFor('one leader', () => a.l.isLeader() !== b.l.isLeader());
        const [leader, follower, leaderW] = a.l.isLeader() ? [a, b, wa] : [b, a, wb];
        await waitFor('burst', async () => (await weightsNow(ns)).burst === 100);
        await waitFor('the Event', async () => (await eventReasons(ns)).includes('BurstIncreased'));
        expect((await events(ns)).find((e) => e.reason === 'BurstIncreased')).toMatchObject({
          involvedObject: {
            kind: route.kind,
            name: route.name,
            namespace: ns,
            apiVersion: `${route.group}/${route.version}`,
          },
          type: 'Normal',
          message: expect.stringMatching(/100\/0 -> 0\/100/),
        });
        const leaderToken = leader.l.token();
        expect(leaderToken).toBe(`${leader.id}/${(await lease(ns)).leaseTransitions}`);
        expect((await annotationsNow(ns))[BURST_ANNOTATIONS.owner]).toBe(leaderToken);
        expect(routeWrites(ns, follower.c.user, follower.c.credential)).toEqual([]);
        expect((await lease(ns)).holderIdentity).toBe(leader.id);

        await leaderW.stop();
        await leader.l.stop();
        expect((await lease(ns)).holderIdentity ?? '').toBe('');
        rps = 5;
        await waitFor('the other takes over', () => follower.l.isLeader());
        await waitFor('natural', async () => (await weightsNow(ns)).primary === 100);
        // Every change of holder is a new term with its own token.
        expect(follower.l.token()).toBe(`${follower.id}/${(await lease(ns)).leaseTransitions}`);
        expect(follower.l.token()).not.toBe(leaderToken);
        expect((await annotationsNow(ns))[BURST_ANNOTATIONS.owner]).toBe(follower.l.token());
      });

      it('leadership is timed on the monotonic clock it is given, not the wall clock', async () => {
        const ns = await namespace();
        const { kc } = await credentials(ns);
        let monotonic = 1_000_000;
        const leadership = elect(kc, ns, 'watcher-a', { leaseDurationSeconds: 6, clock: () => monotonic });
        await waitFor('leader', () => leadership.isLeader());
        expect(leadership.remainingMs()).toBe(4000);
        // Only the given clock counts: past the renew deadline (4 s of 6) on it, leadership ends at once.
        monotonic += 3999;
        expect(leadership.isLeader()).toBe(true);
        monotonic += 2;
        expect(leadership.isLeader()).toBe(false);
        expect(leadership.token()).toBeUndefined();
      });

      it('a leader whose lease is taken stops acting at once, and confirm() says so', async () => {
        const ns = await namespace();
        const a = await credentials(ns);
        const b = await credentials(ns);
        const leadership = elect(a.kc, ns, 'watcher-a');
        await waitFor('leader', () => leadership.isLeader());
        expect(await leadership.confirm()).toBe(true);
        // Another replica writes the lease (e.g. after a long pause of ours), with its own token.
        const leases = b.kc.makeApiClient(CoordinationV1Api);
        const held: V1Lease = await leases.readNamespacedLease({ name: LEADER_LEASE_NAME, namespace: ns });
        await leases.replaceNamespacedLease({
          name: LEADER_LEASE_NAME,
          namespace: ns,
          body: { ...held, spec: { ...held.spec, holderIdentity: 'watcher-b' } },
        });
        expect(await leadership.confirm()).toBe(false);
        expect(leadership.isLeader()).toBe(false);
        expect(leadership.token()).toBeUndefined();
        await leadership.stop();
        expect((await lease(ns)).holderIdentity).toBe('watcher-b');
      });
    });
  }

  if (route.kindFree)
    describe('the built watcher as its ServiceAccount (KUBECONFIG, leader election, freeze, crash, SIGTERM)', () => {
      const LEASE_SECONDS = 4;
      const procs: RunningProcess[] = [];
      const exporters: Array<{ stop(): Promise<void> }> = [];
      afterAll(async () => {
        for (const p of procs) {
          p.child.kill('SIGCONT');
          await p.stop();
        }
        for (const e of exporters) await e.stop();
      });

      async function twoReplicas() {
        const ns = await namespace();
        await put(ns, NATURAL);
        const exporter = await startIstioExporter(BURSTING_RPS);
        exporters.push(exporter);
        const holder = async () => {
          try {
            return (
              await admin
                .makeApiClient(CoordinationV1Api)
                .readNamespacedLease({ name: LEADER_LEASE_NAME, namespace: ns })
            ).spec?.holderIdentity;
          } catch {
            return undefined;
          }
        };
        const start = async (pod: string) => {
          // Each replica its own token of the one ServiceAccount, so the audit log tells their calls apart.
          const c = await credentials(ns);
          const port = await freePort();
          const proc = startNodeApp(MAIN_JS, {
            PORT: String(port),
            KUBECONFIG: c.file,
            KUBERNETES_SERVICE_HOST: undefined,
            POD_NAME: pod,
            VS_NAMESPACE: ns,
            WATCHER_SOURCE: 'scrape',
            WATCHER_SCRAPE_URL: exporter.url,
            WATCHER_RATE_WINDOW: '2s',
            WATCHER_SAMPLES: '2',
            WATCHER_MIN_DWELL_SECONDS: '1',
            WATCHER_LEASE_DURATION_SECONDS: String(LEASE_SECONDS),
          });
          procs.push(proc);
          return { pod, port, proc, ...c };
        };
        // Every owner token the object carries, in order, from a watch of it as the admin.
        const owners: string[] = [];
        const watching = await new Watch(admin).watch(
          `/apis/${route.group}/${route.version}/namespaces/${ns}/${route.resource}`,
          {},
          (_type: string, object: Vs) => {
            const owner = (object.metadata?.annotations as Record<string, string> | undefined)?.[
              BURST_ANNOTATIONS.owner
            ];
            if (owner && owner !== owners.at(-1)) owners.push(owner);
          },
          () => {},
        );
        cleanups.push(async () => watching.abort());
        const replicas = [await start('istiowatcher-0'), await start('istiowatcher-1')];
        const told = (err: Error) => {
          throw new Error([err.message, ...replicas.map((r) => `--- ${r.pod} ---\n${r.proc.output()}`)].join('\n'));
        };
        await waitFor(
          'both replicas started',
          () => replicas.every((r) => r.proc.output().includes('istiowatcher: started')),
          60_000,
        ).catch(told);
        await waitFor('burst', async () => (await weightsNow(ns)).burst === 100, 60_000, 200).catch(told);
        const leaderPod = await holder();
        const leader = replicas.find((r) => r.pod === leaderPod)!;
        const standby = replicas.find((r) => r !== leader)!;
        expect(leader).toBeDefined();
        return { ns, exporter, leader, standby, holder, ownersSeen: () => [...owners] };
      }

      it('burst and return; the leader frozen (SIGSTOP) past its lease: the other takes over; resumed, no write of its old term lands', async () => {
        const { ns, exporter, leader, standby, holder, ownersSeen } = await twoReplicas();
        await waitFor('the Event', async () => (await eventReasons(ns)).includes('BurstIncreased'));
        expect((await annotationsNow(ns))[BURST_ANNOTATIONS.owner]).toMatch(new RegExp(`^${leader.pod}/\\d+$`));
        expect((await scrapeWatcherMetrics(leader.port)).get('istiowatcher_is_leader')).toBe(1);
        expect((await scrapeWatcherMetrics(standby.port)).get('istiowatcher_is_leader')).toBe(0);

        leader.proc.child.kill('SIGSTOP');
        const frozenAt = performance.now();
        exporter.setRate(5);
        await waitFor('the standby holds the lease', async () => (await holder()) === standby.pod, 60_000, 100);
        await waitFor('natural, by the standby', async () => (await weightsNow(ns)).primary === 100, 60_000, 100);
        expect((await annotationsNow(ns))[BURST_ANNOTATIONS.owner]).toMatch(new RegExp(`^${standby.pod}/\\d+$`));
        // The freeze lasts twice the lease, whatever the takeover took.
        const frozenFor = performance.now() - frozenAt;
        if (frozenFor < 2 * LEASE_SECONDS * 1000) await sleep(2 * LEASE_SECONDS * 1000 - frozenFor);
        const leaderWritesAtFreeze = routeWrites(ns, leader.user, leader.credential).length;

        leader.proc.child.kill('SIGCONT');
        await waitFor(
          'the old leader stands by',
          async () => (await scrapeWatcherMetrics(leader.port)).get('istiowatcher_is_leader') === 0,
          30_000,
          100,
        );
        // The load moves again: the leader of the moment bursts.
        exporter.setRate(BURSTING_RPS);
        await waitFor('burst again', async () => (await weightsNow(ns)).burst === 100, 60_000, 100);
        await waitFor(
          'its Event',
          async () => (await eventReasons(ns)).filter((r) => r === 'BurstIncreased').length === 2,
        );
        expect((await eventReasons(ns)).filter((r) => /^Burst(In|De)creased$/.test(r ?? ''))).toEqual([
          'BurstIncreased',
          'BurstDecreased',
          'BurstIncreased',
        ]);
        // Fencing: every version of the object carries a term no older than the one before it, so the
        // frozen leader's old token never landed after the standby's. (Starved, a replica may lose
        // the lease and win it back in a later term: that write is its right.)
        const owners = ownersSeen();
        const terms = owners.map((owner) => Number(owner.split('/')[1]));
        expect(terms, owners.join(' ')).toEqual([...terms].sort((a, b) => a - b));
        expect(owners.slice(0, 2), owners.join(' ')).toEqual([
          expect.stringMatching(new RegExp(`^${leader.pod}/`)),
          expect.stringMatching(new RegExp(`^${standby.pod}/`)),
        ]);
        const late = routeWrites(ns, leader.user, leader.credential).slice(leaderWritesAtFreeze);
        if (!owners.slice(2).some((owner) => owner.startsWith(`${leader.pod}/`)))
          expect(late.filter((c) => c.status === 200)).toEqual([]);
        expect(leader.proc.output()).toMatch(/not the leader any more: stopped acting/);
      });

      it('the leader killed: the other takes over after the lease; SIGTERM releases the lease', async () => {
        const { ns, exporter, leader, standby, holder } = await twoReplicas();
        await waitFor(
          'standby ready',
          async () => (await http(`http://127.0.0.1:${standby.port}/readyz`)).status === 200,
          30_000,
          200,
        );
        await waitFor("the leader's Event", async () => (await eventReasons(ns)).includes('BurstIncreased'));
        leader.proc.child.kill('SIGKILL');
        await leader.proc.exited;
        exporter.setRate(5);
        await waitFor('standby holds the lease', async () => (await holder()) === standby.pod, 60_000, 200);
        await waitFor('natural', async () => (await weightsNow(ns)).primary === 100, 60_000, 200);
        await waitFor('both Events', async () => (await eventReasons(ns)).includes('BurstDecreased'), 60_000, 200);
        expect((await eventReasons(ns)).filter((r) => /^Burst(In|De)creased$/.test(r ?? ''))).toEqual([
          'BurstIncreased',
          'BurstDecreased',
        ]);

        expect(await standby.proc.stop()).toBe(0);
        expect((await holder()) ?? '').toBe('');
        expect(standby.proc.output()).toMatch(/released the leader lease/);
      });
    });
});
