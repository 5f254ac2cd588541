// The burst scaler against a real API server (tools/control-plane): the primary, where the leader
// Lease gives the fencing token, and the burst cluster, where the watcher's own ServiceAccount,
// holding only the generated Role of k8s/warm/burst, reads the burst worker and holds its
// autoscaler's floor. The two clusters are namespaces of the run's shared server, reached through
// two kubeconfigs as two clusters would be: a start of its own costs seconds of CPU. The audit log
// tells who called what and the answer.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CoordinationV1Api, CoreV1Api, AutoscalingV2Api, KubeConfig } from '@kubernetes/client-node';
import { BURST_AUTOSCALER_ANNOTATIONS as A, BURST_AUTOSCALER_EVENTS, LEADER_LEASE_NAME } from '@string-hashr/contract';
import { burstScalerRbacRules, isAllowed } from '@string-hashr/kube-objects';
import { createLogger } from '@string-hashr/runtime';
import {
  describeResult,
  repoRoot,
  sharedControlPlane,
  waitFor,
  type AuditEvent,
  type ControlPlaneClient,
} from '@string-hashr/testing';
import { RouterError } from '../src/routers/router.js';
import {
  BURST_API_ASSUMPTIONS,
  BURST_T0,
  type BurstSubject,
  type BurstSubjectStart,
} from '../src/kubernetes/burst-api-assumptions.js';
import { burstScaler, kubernetesBurstApi, type BurstTarget } from '../src/kubernetes/burst-scaler.js';
import { leaseLeadership } from '../src/kubernetes/lease.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Doc = Record<string, any>;

const docsOf = (file: string) =>
  parseAllDocuments(readFileSync(path.join(repoRoot, file), 'utf8')).map((d) => d.toJS() as Doc);
/** The generated objects each cluster gets: the burst side's identity, the burst worker and its autoscaler. */
const BURST_RBAC = docsOf('k8s/warm/burst/istiowatcher-burst.yaml').filter((d) =>
  ['ServiceAccount', 'Role', 'RoleBinding'].includes(d.kind),
);
const BURST_WORKER = docsOf('k8s/burst/worker-burst.yaml').find((d) => d.kind === 'Deployment') as Doc;
const BURST_AUTOSCALER = docsOf('k8s/burst/worker-autoscaler.yaml')[0] as Doc;
const PRIMARY_RBAC = docsOf('k8s/routing/virtualservice/primary/istiowatcher.yaml').filter((d) =>
  ['ServiceAccount', 'Role', 'RoleBinding'].includes(d.kind),
);
const WATCHER_SA = 'istiowatcher';
const TARGET_NAMES = { autoscaler: BURST_AUTOSCALER.metadata.name, deployment: BURST_WORKER.metadata.name };

const lines: string[] = [];
const log = createLogger('test', (line) => lines.push(line));

let primary: ControlPlaneClient;
let burst: ControlPlaneClient;
let namespaces = 0;
const cleanups: Array<() => Promise<void>> = [];

beforeAll(async () => {
  primary = burst = await sharedControlPlane();
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Namespaces of this file's own names: the control plane may be shared with other files. */
const NAMESPACE_PREFIX = 'burst-scaler-';
/** The watcher's user in the burst cluster, in this file's namespaces. */
const isWatcher = (e: AuditEvent) =>
  new RegExp(`^system:serviceaccount:${NAMESPACE_PREFIX}\\d+:istiowatcher$`).test(e.user.username);
const completed = (e: AuditEvent) => e.stage === 'ResponseComplete';

// Whatever a test did, the watcher's burst identity (the generated Role only) was never refused.
afterEach(() => {
  const refused = burst
    .auditEvents()
    .filter(isWatcher)
    .filter((e) => e.responseStatus?.code === 403);
  expect(refused).toEqual([]);
});

async function kubectl(cp: ControlPlaneClient, args: string[], input?: string): Promise<string> {
  const result = await cp.kubectl(args, { input });
  if (result.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${describeResult(result)}`);
  return result.stdout;
}

/** `docs` applied into a fresh namespace of `cp` (subjects of RoleBindings moved with them). */
async function namespaceWith(cp: ControlPlaneClient, docs: Doc[]): Promise<string> {
  const ns = `${NAMESPACE_PREFIX}${++namespaces}`;
  await kubectl(cp, ['create', 'namespace', ns]);
  const moved = docs.map((d) => {
    const doc = structuredClone(d);
    doc.metadata.namespace = ns;
    for (const subject of doc.subjects ?? []) subject.namespace = ns;
    return stringify(doc);
  });
  await kubectl(cp, ['apply', '--server-side', '-f', '-'], moved.join('---\n'));
  return ns;
}

/** The burst worker and its autoscaler as generated, the autoscaler as `start` says, and the watcher's generated identity. */
async function burstNamespace(start: BurstSubjectStart = {}): Promise<string> {
  const autoscaler = structuredClone(BURST_AUTOSCALER);
  if (start.minReplicas !== undefined) autoscaler.spec.minReplicas = start.minReplicas;
  if (start.maxReplicas !== undefined) autoscaler.spec.maxReplicas = start.maxReplicas;
  if (start.annotations) autoscaler.metadata.annotations = start.annotations;
  else delete autoscaler.metadata.annotations;
  return namespaceWith(burst, [...BURST_RBAC, BURST_WORKER, autoscaler]);
}

/** A client as the ServiceAccount `name` of `ns`, by a token from the TokenRequest API. */
async function asServiceAccount(cp: ControlPlaneClient, ns: string, name = WATCHER_SA): Promise<KubeConfig> {
  const kc = new KubeConfig();
  kc.loadFromFile(await cp.serviceAccountKubeconfig(ns, name));
  return kc;
}

async function scalerIn(ns: string) {
  const target: BurstTarget = { namespace: ns, ...TARGET_NAMES };
  const api = kubernetesBurstApi(await asServiceAccount(burst, ns), target);
  return { api, scaler: burstScaler(api, { target, identity: 'istiowatcher-0', log, now: () => BURST_T0 }) };
}

const admin = () => {
  const kc = new KubeConfig();
  kc.loadFromFile(burst.kubeconfig);
  return kc;
};

let statusWrites = 0;
function subjectIn(ns: string, made: Awaited<ReturnType<typeof scalerIn>>): BurstSubject {
  const autoscalers = admin().makeApiClient(AutoscalingV2Api);
  const stored = async () => {
    const hpa = await autoscalers.readNamespacedHorizontalPodAutoscaler({
      name: TARGET_NAMES.autoscaler,
      namespace: ns,
    });
    return {
      minReplicas: hpa.spec?.minReplicas,
      annotations: { ...hpa.metadata?.annotations },
      version: hpa.metadata?.resourceVersion,
    };
  };
  const patch = (kind: string, name: string, body: object, subresource?: string) =>
    kubectl(burst, [
      'patch',
      kind,
      name,
      '-n',
      ns,
      '--type=merge',
      ...(subresource ? [`--subresource=${subresource}`] : []),
      '-p',
      JSON.stringify(body),
    ]);
  return {
    ...made,
    async edit(change) {
      const annotations = Object.fromEntries(
        Object.entries(change.annotations ?? {}).map(([key, value]) => [key, value ?? null]),
      );
      await patch('hpa', TARGET_NAMES.autoscaler, {
        metadata: { annotations },
        ...(change.minReplicas === undefined ? {} : { spec: { minReplicas: change.minReplicas } }),
      });
    },
    async touchStatus() {
      await patch(
        'hpa',
        TARGET_NAMES.autoscaler,
        { status: { currentReplicas: ++statusWrites, desiredReplicas: 1 } },
        'status',
      );
    },
    async setPods({ replicas, readyReplicas }) {
      await patch('deployment', TARGET_NAMES.deployment, { spec: { replicas } });
      await patch('deployment', TARGET_NAMES.deployment, { status: { replicas, readyReplicas } }, 'status');
    },
    stored,
    async events() {
      const { items } = await admin().makeApiClient(CoreV1Api).listNamespacedEvent({ namespace: ns });
      return items
        .sort((a, b) => (BigInt(a.metadata?.resourceVersion ?? 0) < BigInt(b.metadata?.resourceVersion ?? 0) ? -1 : 1))
        .map((e) => ({
          type: e.type,
          reason: e.reason,
          message: e.message,
          kind: e.involvedObject.kind,
          name: e.involvedObject.name,
        }));
    },
  };
}

/** What the burst cluster answered the watcher in `ns`, in order. */
const watcherCalls = (ns: string) =>
  burst
    .auditEvents()
    .filter(completed)
    .filter((e) => isWatcher(e) && e.objectRef?.namespace === ns)
    .map((e) => ({
      verb: e.verb,
      resource: e.objectRef?.resource ?? '',
      apiGroup: e.objectRef?.apiGroup ?? '',
      name: e.objectRef?.name,
      status: e.responseStatus?.code,
    }));

describe('the burst API assumptions, against a real API server', () => {
  it.each(BURST_API_ASSUMPTIONS.map((c) => [c.name, c] as const))('%s', async (_name, assumption) => {
    const ns = await burstNamespace(assumption.start);
    expect(await assumption.act(subjectIn(ns, await scalerIn(ns)))).toEqual(assumption.expected);
  });
});

describe('the burst scaler between two clusters', () => {
  it("warms the burst side under the primary Lease's token, reads its pods getting ready, loses to a second writer, gives back", async () => {
    // The primary: the watcher as its generated ServiceAccount wins the leader Lease.
    const primaryNs = await namespaceWith(primary, PRIMARY_RBAC);
    const leadership = leaseLeadership(await asServiceAccount(primary, primaryNs), {
      namespace: primaryNs,
      name: LEADER_LEASE_NAME,
      identity: 'istiowatcher-0',
      leaseDurationSeconds: 5,
      log,
    });
    cleanups.push(() => leadership.stop());
    const token = await waitFor('the watcher to lead', () => leadership.token(), 20_000);
    const primaryAdmin = new KubeConfig();
    primaryAdmin.loadFromFile(primary.kubeconfig);
    const held = await primaryAdmin
      .makeApiClient(CoordinationV1Api)
      .readNamespacedLease({ name: LEADER_LEASE_NAME, namespace: primaryNs });
    expect(token).toBe(`${held.spec?.holderIdentity}/${held.spec?.leaseTransitions}`);

    // The burst cluster: the autoscaler as generated (its floor stated), one pod asked, none ready.
    const ns = await burstNamespace({ annotations: BURST_AUTOSCALER.metadata.annotations });
    const subject = subjectIn(ns, await scalerIn(ns));
    const { scaler } = subject;
    expect(await scaler.read()).toEqual({ readyPods: 0, desiredPods: 1, maxPods: BURST_AUTOSCALER.spec.maxReplicas });

    expect(await scaler.hold(4, token, '4 burst pods wanted')).toEqual({ changed: true, from: 1, to: 4 });
    expect(await subject.stored()).toMatchObject({
      minReplicas: 4,
      annotations: { [A.owner]: token, [A.naturalMinReplicas]: '1', [A.reason]: '4 burst pods wanted' },
    });

    // The burst Deployment follows (as its controllers would) and its pods become ready.
    await subject.setPods({ replicas: 4, readyReplicas: 1 });
    expect(await scaler.read()).toMatchObject({ readyPods: 1, desiredPods: 4 });
    await subject.setPods({ replicas: 4, readyReplicas: 4 });
    expect(await scaler.read()).toMatchObject({ readyPods: 4, desiredPods: 4 });

    // A second writer (an operator's kubectl) moves minReplicas: the watcher's patch fails its test, and it reads again.
    await subject.edit({ minReplicas: 6 });
    const lost = await scaler.hold(5, token, '5 burst pods wanted').catch((err: unknown) => err);
    expect(lost).toBeInstanceOf(RouterError);
    expect((lost as RouterError).kind).toBe('conflict');
    expect((await subject.stored()).minReplicas).toBe(6);
    const afterLoss = watcherCalls(ns)
      .filter((c) => c.resource === 'horizontalpodautoscalers')
      .slice(-2);
    expect(afterLoss.map((c) => [c.verb, c.status])).toEqual([
      ['patch', 422],
      ['get', 200],
    ]);
    expect(await scaler.hold(5, token, '5 burst pods wanted')).toEqual({ changed: true, from: 6, to: 5 });

    // Given back: exactly the generated floor.
    expect(await scaler.hold(0, token, 'no burst pods wanted')).toEqual({ changed: true, from: 5, to: 1 });
    await scaler.settled();
    expect((await subject.events()).map((e) => [e.reason, e.kind])).toEqual([
      [BURST_AUTOSCALER_EVENTS.warmed, 'HorizontalPodAutoscaler'],
      [BURST_AUTOSCALER_EVENTS.givenBack, 'HorizontalPodAutoscaler'],
      [BURST_AUTOSCALER_EVENTS.givenBack, 'HorizontalPodAutoscaler'],
    ]);

    // Every call it made is one burstScalerRbacRules allows, and none was refused.
    const calls = watcherCalls(ns);
    expect(calls.filter((c) => !isAllowed(burstScalerRbacRules(), c))).toEqual([]);
    expect(new Set(calls.map((c) => `${c.verb} ${c.resource}`))).toEqual(
      new Set(['get horizontalpodautoscalers', 'patch horizontalpodautoscalers', 'get deployments', 'create events']),
    );
  });
});
