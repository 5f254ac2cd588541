// The Kubernetes router, the leader election and the loop around them, against the API server
// double (a real HTTP server that client-node talks to as it would to a cluster).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ALL_BURST, DEFAULT_POLICY, NATURAL } from '@string-hashr/policy';
import { DEFAULT_SUBSETS, LEADER_LEASE_NAME } from '@string-hashr/contract';
import { isAllowed, readWeights, watcherRbacRules, withWeights } from '@string-hashr/kube-objects';
import { createLogger } from '@string-hashr/runtime';
import {
  freePort,
  http,
  sleep,
  startIstioExporter,
  startNodeApp,
  waitFor,
  type RunningProcess,
} from '@string-hashr/testing';
import type { VirtualServiceRef } from '../src/config.js';
import { ALWAYS_LEADER, leaseLeadership, type Leadership } from '../src/leader.js';
import { watcherMetrics } from '../src/metrics.js';
import { kubernetesRouter } from '../src/routers/kubernetes.js';
import { createWatcher } from '../src/watcher.js';
import { startApiServerDouble, type ApiServerDouble } from './api-server-double.js';
import { MAIN_JS, workerVirtualService, watcherMetrics as scrapeWatcherMetrics } from './support.js';

const VS: VirtualServiceRef = {
  name: 'worker-virtual-service',
  namespace: 'default',
  apiVersion: 'networking.istio.io/v1',
  subsets: DEFAULT_SUBSETS,
};
const rules = watcherRbacRules(VS.name, LEADER_LEASE_NAME);

let api: ApiServerDouble;
const lines: string[] = [];
const log = createLogger('test', (line) => lines.push(line));

beforeEach(async () => {
  api = await startApiServerDouble();
  lines.length = 0;
});

afterEach(async () => {
  // Whatever the test did, every call the watcher made must be one the generated Role allows.
  const denied = api.calls.filter((call) => !isAllowed(rules, call));
  await api.stop();
  expect(denied).toEqual([]);
});

const current = () => readWeights(api.virtualService('default', VS.name)!);
const router = (user = 'watcher-a') => kubernetesRouter(api.kubeConfig(user), VS, log, { identity: user });

/** A watcher in this process with a source the test controls. */
function watcher(options: { rps: () => number; user?: string; leadership?: Leadership; resyncMs?: number }) {
  const registry = new Registry();
  const metrics = watcherMetrics(registry, { mode: 'switch', source: 'test', router: 'kubernetes', dryRun: false });
  const w = createWatcher({
    source: { description: 'test', read: async () => ({ kind: 'value', rps: options.rps() }) },
    router: router(options.user),
    policy: { ...DEFAULT_POLICY, samplesUp: 1, samplesDown: 1, minDwellUpMs: 0, minDwellDownMs: 0 },
    leadership: options.leadership ?? ALWAYS_LEADER,
    intervalMs: 100,
    resyncMs: options.resyncMs,
    log,
    metrics,
  });
  return { ...w, registry };
}

describe('kubernetes router', () => {
  it('takes the live weights as the state at start: a restart during a burst stays in burst', async () => {
    api.putVirtualService(workerVirtualService(ALL_BURST));
    expect(await router().getRoutes()).toEqual(ALL_BURST);
    const w = watcher({ rps: () => 20 });
    await w.tick();
    await w.tick();
    expect(w.weights()).toEqual(ALL_BURST);
    expect(api.calls.filter((c) => c.verb === 'patch')).toEqual([]);
  });

  it('changes only the two weights (whole object compared) and records an Event', async () => {
    api.putVirtualService(workerVirtualService(NATURAL));
    const before = api.virtualService('default', VS.name)!;
    await router().setRoutes(ALL_BURST, 'test: 30 req/s');
    const after = api.virtualService('default', VS.name)!;
    const expected = withWeights(before, ALL_BURST);
    // Only the weights, and what the API server itself maintains, differ.
    const ignoreServerFields = (o: Record<string, unknown>) => ({
      ...o,
      metadata: { ...(o.metadata as object), resourceVersion: 'x', generation: 0 },
    });
    expect(ignoreServerFields(after)).toEqual(ignoreServerFields(expected));
    expect(Number((after.metadata as { resourceVersion: string }).resourceVersion)).toBeGreaterThan(
      Number((before.metadata as { resourceVersion: string }).resourceVersion),
    );
    expect(api.events).toHaveLength(1);
    expect(api.events[0]).toMatchObject({
      involvedObject: {
        kind: 'VirtualService',
        name: VS.name,
        namespace: 'default',
        apiVersion: 'networking.istio.io/v1',
      },
      type: 'Normal',
      reason: 'BurstIncreased',
      message: expect.stringMatching(/100\/0 -> 0\/100: test: 30 req\/s/),
    });
  });

  it('on 409 Conflict reads the object again and retries', async () => {
    api.putVirtualService(workerVirtualService(NATURAL));
    api.injectConflicts(2);
    await router().setRoutes(ALL_BURST, 'test');
    expect(current()).toEqual(ALL_BURST);
    expect(api.calls.filter((c) => c.verb === 'patch').map((c) => c.status)).toEqual([409, 409, 200]);
    expect(api.calls.filter((c) => c.verb === 'get' && c.resource === 'virtualservices')).toHaveLength(3);
  });

  it('when someone edits the object between read and patch, the test op fails (422), and the retry keeps their edit', async () => {
    api.putVirtualService(workerVirtualService(NATURAL));
    api.onNextPatch(() =>
      api.editVirtualService(
        'default',
        VS.name,
        (o) => ((o.metadata as { labels: Record<string, string> }).labels.owner = 'someone'),
      ),
    );
    await router().setRoutes(ALL_BURST, 'test');
    expect(current()).toEqual(ALL_BURST);
    expect(api.calls.filter((c) => c.verb === 'patch').map((c) => c.status)).toEqual([422, 200]);
    expect((api.virtualService('default', VS.name)!.metadata as { labels: Record<string, string> }).labels.owner).toBe(
      'someone',
    );
  });

  it('403: says which RBAC verb and resource are missing, keeps running, and acts once allowed', async () => {
    api.putVirtualService(workerVirtualService(NATURAL));
    api.forbid('patch', 'virtualservices');
    const w = watcher({ rps: () => 30 });
    w.start();
    await waitFor(
      'the forbidden message',
      () =>
        lines.some((l) =>
          l.includes(
            'needs RBAC verb "patch" on virtualservices.networking.istio.io "worker-virtual-service" in namespace default',
          ),
        ),
      10_000,
    );
    await waitFor('several attempts', () => api.calls.filter((c) => c.status === 403).length >= 3, 10_000);
    expect(current()).toEqual(NATURAL);
    expect(await w.registry.getSingleMetricAsString('istiowatcher_errors_total')).toMatch(
      /kind="router_forbidden"} [1-9]/,
    );
    api.allow('patch', 'virtualservices');
    await waitFor('burst once allowed', () => current().burst === 100, 10_000);
    await w.stop();
  });

  it('404: says the VirtualService is missing, keeps running, and picks it up once it exists', async () => {
    const w = watcher({ rps: () => 30 });
    w.start();
    await waitFor(
      'the not-found message',
      () =>
        lines.some((l) =>
          l.includes(
            'not found: virtualservices.networking.istio.io "worker-virtual-service" in namespace default does not exist',
          ),
        ),
      10_000,
    );
    await sleep(300);
    expect(await w.registry.getSingleMetricAsString('istiowatcher_errors_total')).toMatch(
      /kind="router_not-found"} [1-9]/,
    );
    api.putVirtualService(workerVirtualService(NATURAL));
    await waitFor('burst once it exists', () => current().burst === 100, 10_000);
    await w.stop();
  });
});

describe('resync', () => {
  it('notices weights changed by someone else and reconciles them', async () => {
    api.putVirtualService(workerVirtualService(NATURAL));
    const w = watcher({ rps: () => 5, resyncMs: 200 });
    w.start();
    await waitFor('state read', () => w.weights() !== undefined, 5_000);
    api.editVirtualService('default', VS.name, (o) => {
      const route = (o as { spec: { http: Array<{ route: Array<{ weight: number }> }> } }).spec.http[1]!.route;
      route[0]!.weight = 0;
      route[1]!.weight = 100;
    });
    await waitFor(
      'noticed',
      () => lines.some((l) => l.includes('the weights were changed outside the watcher')),
      5_000,
    );
    await waitFor('back to natural at 5 req/s', () => current().primary === 100, 5_000);
    await w.stop();
  });
});

describe('leader election', () => {
  it('two watchers: only the leader acts; when it stops, the other takes over', async () => {
    api.putVirtualService(workerVirtualService(NATURAL));
    let rps = 30;
    const elect = (identity: string) =>
      leaseLeadership(api.kubeConfig(identity), {
        namespace: 'default',
        name: LEADER_LEASE_NAME,
        identity,
        leaseDurationSeconds: 5,
        log,
      });
    const a = { leadership: elect('watcher-a') };
    const b = { leadership: elect('watcher-b') };
    const wa = watcher({ rps: () => rps, user: 'watcher-a', leadership: a.leadership });
    const wb = watcher({ rps: () => rps, user: 'watcher-b', leadership: b.leadership });
    wa.start();
    wb.start();
    await waitFor('one leader', () => a.leadership.isLeader() !== b.leadership.isLeader(), 10_000);
    const [leader, follower] = a.leadership.isLeader()
      ? [
          { w: wa, l: a.leadership, id: 'watcher-a' },
          { w: wb, l: b.leadership, id: 'watcher-b' },
        ]
      : [
          { w: wb, l: b.leadership, id: 'watcher-b' },
          { w: wa, l: a.leadership, id: 'watcher-a' },
        ];
    await waitFor('burst', () => current().burst === 100, 10_000);
    // Never both leaders, and only the leader's credentials patched.
    for (let i = 0; i < 10; i++) {
      expect(a.leadership.isLeader() && b.leadership.isLeader()).toBe(false);
      await sleep(100);
    }
    expect(new Set(api.calls.filter((c) => c.verb === 'patch').map((c) => c.user))).toEqual(new Set([leader.id]));
    expect((api.lease('default', LEADER_LEASE_NAME)!.spec as { holderIdentity: string }).holderIdentity).toBe(
      leader.id,
    );

    await leader.w.stop();
    await leader.l.stop();
    expect((api.lease('default', LEADER_LEASE_NAME)!.spec as { holderIdentity: string }).holderIdentity).toBe('');
    rps = 5;
    await waitFor('the other takes over', () => follower.l.isLeader(), 10_000);
    await waitFor('natural', () => current().primary === 100, 10_000);
    expect(api.calls.filter((c) => c.verb === 'patch' && c.status === 200).map((c) => c.user)).toEqual([
      leader.id,
      follower.id,
    ]);
    await follower.w.stop();
    await follower.l.stop();
  });

  it('a leader whose lease is taken stops acting at once', async () => {
    api.putVirtualService(workerVirtualService(NATURAL));
    const leadership = leaseLeadership(api.kubeConfig('watcher-a'), {
      namespace: 'default',
      name: LEADER_LEASE_NAME,
      identity: 'watcher-a',
      leaseDurationSeconds: 5,
      log,
    });
    await waitFor('leader', () => leadership.isLeader(), 10_000);
    // Someone else writes the lease (e.g. after a long pause of ours): our next renewal sees it.
    const lease = api.lease('default', LEADER_LEASE_NAME)!;
    const kc = api.kubeConfig('watcher-b');
    const { CoordinationV1Api } = await import('@kubernetes/client-node');
    await kc.makeApiClient(CoordinationV1Api).replaceNamespacedLease({
      name: LEADER_LEASE_NAME,
      namespace: 'default',
      body: { ...lease, spec: { ...(lease.spec as object), holderIdentity: 'watcher-b' } } as never,
    });
    await waitFor('not leader', () => !leadership.isLeader(), 5_000, 20);
    await leadership.stop();
    expect((api.lease('default', LEADER_LEASE_NAME)!.spec as { holderIdentity: string }).holderIdentity).toBe(
      'watcher-b',
    );
  });
});

describe('the built watcher against the double (KUBECONFIG, leader election, crash, SIGTERM)', () => {
  const exporters: Array<{ stop(): Promise<void> }> = [];
  const procs: RunningProcess[] = [];
  afterAll(async () => {
    for (const p of procs) await p.stop();
    for (const e of exporters) await e.stop();
  });

  const holder = () =>
    (api.lease('default', LEADER_LEASE_NAME)?.spec as { holderIdentity?: string } | undefined)?.holderIdentity;

  it('two replicas: one acts; when it is killed the other takes over; SIGTERM releases the lease', async () => {
    api.putVirtualService(workerVirtualService(NATURAL));
    const exporter = await startIstioExporter(30);
    exporters.push(exporter);
    const dir = mkdtempSync(path.join(tmpdir(), 'istiowatcher-kube-'));
    const start = async (pod: string) => {
      // Each replica its own credentials, so the double can tell who made each call.
      const kubeconfig = path.join(dir, `config-${pod}`);
      writeFileSync(kubeconfig, api.kubeconfigYaml(pod));
      const port = await freePort();
      const proc = startNodeApp(MAIN_JS, {
        PORT: String(port),
        KUBECONFIG: kubeconfig,
        KUBERNETES_SERVICE_HOST: undefined,
        POD_NAME: pod,
        WATCHER_SOURCE: 'scrape',
        WATCHER_SCRAPE_URL: exporter.url,
        WATCHER_RATE_WINDOW: '2s',
        WATCHER_SAMPLES: '2',
        WATCHER_MIN_DWELL_SECONDS: '1',
        WATCHER_LEASE_DURATION_SECONDS: '4',
      });
      procs.push(proc);
      return { pod, port, proc };
    };
    const replicas = [await start('istiowatcher-0'), await start('istiowatcher-1')];

    await waitFor('burst', () => current().burst === 100, 30_000, 200);
    const leader = replicas.find((r) => r.pod === holder())!;
    const standby = replicas.find((r) => r !== leader)!;
    expect(leader).toBeDefined();
    expect(api.events).toHaveLength(1);
    expect((await scrapeWatcherMetrics(leader.port)).get('istiowatcher_is_leader')).toBe(1);
    expect((await scrapeWatcherMetrics(standby.port)).get('istiowatcher_is_leader')).toBe(0);
    await waitFor(
      'standby ready',
      async () => (await http(`http://127.0.0.1:${standby.port}/readyz`)).status === 200,
      10_000,
      200,
    );

    // The leader dies without releasing the lease: the standby waits out the lease, then acts.
    leader.proc.child.kill('SIGKILL');
    await leader.proc.exited;
    exporter.setRate(5);
    await waitFor('standby holds the lease', () => holder() === standby.pod, 30_000, 200);
    await waitFor('natural', () => current().primary === 100, 30_000, 200);
    expect(api.calls.filter((c) => c.verb === 'patch' && c.status === 200).map((c) => c.user)).toEqual([
      leader.pod,
      standby.pod,
    ]);
    expect(api.events).toHaveLength(2);

    expect(await standby.proc.stop()).toBe(0);
    expect(holder()).toBe('');
    expect(standby.proc.output()).toMatch(/released the leader lease/);
  });
});
