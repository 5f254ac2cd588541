import { describe, expect, it } from 'vitest';
import { BURST_AUTOSCALER_ANNOTATIONS as A } from '@string-hashr/contract';
import { createLogger } from '@string-hashr/runtime';
import { RouterError } from '../routers/router.js';
import { BURST_API_ASSUMPTIONS, BURST_T0, type BurstSubject, type BurstSubjectStart } from './burst-api-assumptions.js';
import { burstScaler, type BurstApi } from './burst-scaler.js';
import { memoryBurstCluster } from './memory-burst-cluster.js';

const TARGET = { namespace: 'default', autoscaler: 'worker-deployment', deployment: 'worker-deployment' };

function scalerOn(api: BurstApi) {
  const lines: string[] = [];
  const scaler = burstScaler(api, {
    target: TARGET,
    identity: 'watcher-0',
    log: createLogger('test', (line) => lines.push(line)),
    now: () => BURST_T0,
  });
  return { scaler, lines };
}

function memorySubject(start: BurstSubjectStart = {}): BurstSubject {
  const cluster = memoryBurstCluster(start);
  return {
    scaler: scalerOn(cluster.api).scaler,
    api: cluster.api,
    edit: async (change) => cluster.edit(change),
    touchStatus: async () => cluster.touchStatus(),
    setPods: async (pods) => cluster.setPods(pods),
    stored: async () => {
      const { metadata, spec } = cluster.autoscaler();
      return {
        minReplicas: spec?.minReplicas,
        annotations: { ...metadata?.annotations },
        version: metadata?.resourceVersion,
      };
    },
    events: async () =>
      cluster.events.map((e) => ({
        type: e.type,
        reason: e.reason,
        message: e.message,
        kind: e.involvedObject.kind,
        name: e.involvedObject.name,
      })),
  };
}

describe('the burst API assumptions, against the in-memory fake', () => {
  it.each(BURST_API_ASSUMPTIONS.map((c) => [c.name, c] as const))('%s', async (_name, assumption) => {
    expect(await assumption.act(memorySubject(assumption.start))).toEqual(assumption.expected);
  });
});

/** An API error as client-node throws it. */
const failure = (code: number, reason: string) =>
  Object.assign(new Error(`HTTP ${code}`), {
    code,
    body: JSON.stringify({ kind: 'Status', status: 'Failure', reason, message: `${reason} by the test`, code }),
  });

describe('the burst scaler', () => {
  it('says once that the burst side cannot be read, gives no readiness meanwhile, and when it is back', async () => {
    const cluster = memoryBurstCluster();
    let down = true;
    const { scaler, lines } = scalerOn({
      ...cluster.api,
      readDeployment: async () => {
        if (down) throw failure(403, 'Forbidden');
        return cluster.api.readDeployment();
      },
    });
    expect(await scaler.read()).toBeUndefined();
    expect(await scaler.read()).toBeUndefined();
    expect(scaler.problem()).toMatch(
      /needs RBAC verb "get" on deployments.apps "worker-deployment".*burstScalerRbacRules/,
    );
    down = false;
    expect(await scaler.read()).toEqual({ readyPods: 0, desiredPods: 1, maxPods: 10 });
    expect(scaler.problem()).toBeUndefined();
    expect(lines.map((line) => / (info|warn) test: ([^;]*)/.exec(line)?.slice(1))).toEqual([
      ['warn', 'cannot read the burst side'],
      ['info', 'the burst side can be read again burst="0 ready"'],
    ]);
  });

  it('a missing autoscaler says to apply the burst manifests', async () => {
    const cluster = memoryBurstCluster();
    const { scaler } = scalerOn({
      ...cluster.api,
      readAutoscaler: async () => {
        throw failure(404, 'NotFound');
      },
    });
    await expect(scaler.hold(3, 'watcher-0/1', 'x')).rejects.toThrow(/apply k8s\/burst to the burst cluster/);
  });

  it('an autoscaler with a floor it cannot read is not held: invalid, nothing sent', async () => {
    const cluster = memoryBurstCluster({ annotations: { [A.naturalMinReplicas]: 'lots' } });
    const { scaler } = scalerOn(cluster.api);
    const error = await scaler.hold(3, 'watcher-0/1', 'x').catch((err: unknown) => err);
    expect(error).toBeInstanceOf(RouterError);
    expect((error as RouterError).kind).toBe('invalid');
    expect(cluster.autoscaler().spec?.minReplicas).toBe(1);
  });

  it('holds, keeps holding without a call, and gives back step by step to the floor', async () => {
    const cluster = memoryBurstCluster({ minReplicas: 2, annotations: {} });
    let patches = 0;
    const { scaler } = scalerOn({
      ...cluster.api,
      patchAutoscaler: (ops) => (patches++, cluster.api.patchAutoscaler(ops)),
    });
    const steps: unknown[] = [];
    for (const pods of [5, 5, 3, 0, 0]) steps.push(await scaler.hold(pods, 'watcher-0/1', `${pods} wanted`));
    expect(steps).toEqual([
      { changed: true, from: 2, to: 5 },
      { changed: false, minReplicas: 5 },
      { changed: true, from: 5, to: 3 },
      { changed: true, from: 3, to: 2 },
      { changed: false, minReplicas: 2 },
    ]);
    expect(patches).toBe(3);
  });
});
