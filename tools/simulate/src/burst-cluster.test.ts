import { describe, expect, it } from 'vitest';
import { BurstCluster } from './burst-cluster.js';
import type { ModelSettings } from './model.js';

const model: ModelSettings = {
  primaryCapacityRps: 10,
  burstPodCapacityRps: 10,
  burstMinPods: 1,
  burstMaxPods: 6,
  hpaTargetUtilization: 0.5,
  hpaSyncSeconds: 15,
  hpaMetricsWindowSeconds: 30,
  hpaTolerance: 0.1,
  hpaScaleDownStabilizationSeconds: 60,
  hpaWarmScaleDownStabilizationSeconds: 60,
  podStartSeconds: 10,
  podsPerNode: 2,
  burstMinNodes: 1,
  burstMaxNodes: 2,
  nodeProvisionSeconds: 60,
  nodeScaleDownSeconds: 120,
  scrapeIntervalSeconds: 15,
  scrapeOffsetSeconds: 0,
  tickOffsetSeconds: 0.5,
  frontendWholeRequests: 0,
};

/** Offers `load(t)` req/s for `seconds`; the cluster serves what its ready pods can. */
function run(load: (t: number) => number, seconds: number, settings = model) {
  const cluster = new BurstCluster(settings);
  const capacity: number[] = [];
  const pods: number[] = [];
  const nodes: number[] = [];
  for (let t = 0; t < seconds; t++) {
    const cap = cluster.capacity(t);
    capacity.push(cap);
    cluster.step(t, Math.min(load(t), cap));
    pods.push(cluster.pods);
    nodes.push(cluster.nodes);
  }
  return { cluster, capacity, pods, nodes };
}

describe('BurstCluster', () => {
  it('idle: the minimum, warm, and no cost', () => {
    const { cluster, capacity, pods } = run(() => 0, 600);
    expect(new Set(capacity)).toEqual(new Set([10]));
    expect(new Set(pods)).toEqual(new Set([1]));
    expect(cluster.podSeconds).toBe(0);
    expect(cluster.nodeSeconds).toBe(0);
  });

  it('saturated: the HPA sees the served load late, pods take podStartSeconds, a pod that does not fit waits for a node', () => {
    const { capacity, pods, nodes } = run(() => 50, 400);
    // t=15: 16 s of 10 req/s over a 30 s window = 5.3, within 10% of the 5 req/s target: no change.
    expect(pods[15]).toBe(1);
    // t=30: 10 req/s per pod, twice the target: 2 pods; the new one fits on the first node.
    expect(pods[30]).toBe(2);
    expect(capacity[39]).toBe(10);
    expect(capacity[40]).toBe(20);
    // t=45: (24 x 10 + 6 x 20) / 30 = 12 req/s -> 3 pods; the third needs a second node.
    expect(pods[45]).toBe(3);
    expect(nodes[45]).toBe(2);
    // t=60: 17 req/s -> 4 pods, the fourth on the second node too. Node ready at 105, pods 10 s later.
    expect(pods[60]).toBe(4);
    expect(capacity[114]).toBe(20);
    expect(capacity[115]).toBe(40);
    // Never beyond what two nodes hold (4 pods), though the HPA would want 6.
    expect(Math.max(...pods)).toBe(4);
    expect(Math.max(...capacity)).toBe(40);
  });

  it('scale-down waits for the stabilization window, then a spare node goes after nodeScaleDownSeconds', () => {
    const { cluster, pods, nodes } = run((t) => (t < 300 ? 50 : 0), 900);
    expect(pods[299]).toBe(4);
    // Load gone at 300; the 30 s window empties by 330; recommendations of the last 60 s keep 4 pods.
    expect(pods[330]).toBe(4);
    expect(pods[405]).toBe(1);
    const podsDown = pods.indexOf(1, 300);
    expect(podsDown).toBeGreaterThan(360);
    // The second node stays unneeded for 120 s before it goes.
    expect(nodes[podsDown + 119]).toBe(2);
    expect(nodes[podsDown + 121]).toBe(1);
    expect(cluster.podSeconds).toBe(pods.reduce((a, p) => a + p - 1, 0));
    expect(cluster.nodeSeconds).toBe(nodes.reduce((a, n) => a + n - 1, 0));
  });

  it('scales up at most by max(100%, 4 pods) per sync', () => {
    // A 10% target: each saturated pod asks for ten.
    const { pods } = run(() => 1000, 200, {
      ...model,
      hpaTargetUtilization: 0.1,
      burstMaxPods: 40,
      burstMaxNodes: 20,
      podsPerNode: 40,
    });
    const changes = pods.filter((p, i) => i > 0 && p !== pods[i - 1]);
    // 1 -> 5 -> 10 -> 20 -> 40: +4, then doubling.
    expect(changes.slice(0, 4)).toEqual([5, 10, 20, 40]);
  });

  it('a raised minReplicas is taken at the next sync, all at once, and given back at the sync after the watcher lowers it', () => {
    const cluster = new BurstCluster({ ...model, podsPerNode: 10 });
    const pods: number[] = [];
    const capacity: number[] = [];
    for (let t = 0; t < 400; t++) {
      // The watcher asks for 5 pods at 20 s and gives them back at 100 s; nothing is served.
      if (t === 20) cluster.askPods(5);
      if (t === 100) cluster.askPods(0);
      capacity.push(cluster.capacity(t));
      cluster.step(t, 0);
      pods.push(cluster.pods);
    }
    // Not before the sync at 30 s; then 5 at once (no +4 limit below the minimum), ready 10 s later.
    expect(pods[29]).toBe(1);
    expect(pods[30]).toBe(5);
    expect(capacity[39]).toBe(10);
    expect(capacity[40]).toBe(50);
    // No load: the recommendations are the minimum, so the pods go at the first sync after the ask.
    expect(pods[104]).toBe(5);
    expect(pods[105]).toBe(1);
  });

  it('asks beyond maxReplicas are clamped to it, as the watcher clamps its patch', () => {
    const cluster = new BurstCluster({ ...model, podsPerNode: 10 });
    cluster.askPods(50);
    for (let t = 0; t <= 15; t++) cluster.step(t, 0);
    expect(cluster.pods).toBe(model.burstMaxPods);
  });

  it('an external metric (AverageValue) replaces nothing: the HPA keeps the larger of it and the CPU', () => {
    const metric = { read: (t: number) => (t >= 15 ? 35 : 0), targetPerPod: 10 };
    const cluster = new BurstCluster({ ...model, podsPerNode: 10 }, metric);
    const pods: number[] = [];
    for (let t = 0; t < 60; t++) {
      cluster.step(t, 0);
      pods.push(cluster.pods);
    }
    // At the 15 s sync: 35 / 10 -> 4 pods, but at most +4 from 1 per sync (5): 4.
    expect(pods[14]).toBe(1);
    expect(pods[15]).toBe(4);
    expect(pods[59]).toBe(4);
  });
});
