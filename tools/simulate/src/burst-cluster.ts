/**
 * The burst side as Kubernetes grows it: a HorizontalPodAutoscaler on the burst worker that sees
 * the served load late and averaged, pods that take a while to pass readiness, and a cluster
 * autoscaler that adds a node when pods do not fit. Its capacity is what its ready pods serve.
 * One `step` per simulated second; time is in seconds.
 *
 * Warming it ahead of the traffic goes through the same HPA, at its next sync: a raised
 * `minReplicas` (`askPods`) is taken at once, as the HPA does below its minimum; an external
 * metric (`ExternalMetric`, KEDA's Prometheus scaler) is one more metric, the HPA keeping the
 * largest proposal, under its scale-up limits and its scale-down stabilization like the CPU.
 */
import type { ModelSettings } from './model.js';

/** An external metric on the HPA with an AverageValue target: `read(t)` is the value at a sync. */
export interface ExternalMetric {
  read(t: number): number;
  targetPerPod: number;
}

export class BurstCluster {
  /** When each pod is (or will be) ready, in creation order; pods fill nodes in that order. */
  private readonly podReadyAt: number[] = [];
  /** When each node is (or will be) ready. */
  private readonly nodeReadyAt: number[] = [];
  /** Served req/s of the last hpaMetricsWindowSeconds seconds (a ring) and their sum. */
  private readonly served: Float64Array;
  private servedSum = 0;
  private servedAt = 0;
  /** Recommendations of the scale-down stabilization window. */
  private recommendations: Array<{ at: number; replicas: number }> = [];
  private unneededNodesSince: number | undefined;
  /** Pod-seconds and node-seconds beyond the always-on minimum. */
  podSeconds = 0;
  nodeSeconds = 0;

  /** The HPA's minReplicas as the watcher set it (0: the shipped minimum). */
  private askedPods = 0;

  constructor(
    private readonly m: ModelSettings,
    private readonly external?: ExternalMetric,
  ) {
    this.served = new Float64Array(m.hpaMetricsWindowSeconds);
    for (let i = 0; i < m.burstMinNodes; i++) this.nodeReadyAt.push(-Infinity);
    for (let i = 0; i < m.burstMinPods; i++) this.podReadyAt.push(-Infinity);
  }

  get pods(): number {
    return this.podReadyAt.length;
  }

  get nodes(): number {
    return this.nodeReadyAt.length;
  }

  readyPods(t: number): number {
    let ready = 0;
    for (const at of this.podReadyAt) if (at <= t) ready++;
    return ready;
  }

  /** Sets the HPA's minReplicas (the watcher's patch, within the HPA's bounds); the HPA reads it at its next sync. */
  askPods(pods: number): void {
    this.askedPods = Math.min(this.m.burstMaxPods, Math.max(this.m.burstMinPods, pods));
  }

  /** What the burst side serves at `t` (req/s). */
  capacity(t: number): number {
    return this.readyPods(t) * this.m.burstPodCapacityRps;
  }

  /** Second `t` is over; `servedRps` is what the burst pods served in it. */
  step(t: number, servedRps: number): void {
    const m = this.m;
    const slot = this.servedAt % this.served.length;
    this.servedSum += servedRps - (this.served[slot] ?? 0);
    this.served[slot] = servedRps;
    this.servedAt++;
    if (t % m.hpaSyncSeconds === 0) this.autoscale(t);
    this.scaleDownNodes(t);
    this.podSeconds += Math.max(0, this.pods - m.burstMinPods);
    this.nodeSeconds += Math.max(0, this.nodes - m.burstMinNodes);
  }

  private autoscale(t: number): void {
    const m = this.m;
    const current = this.pods;
    const minPods = Math.max(m.burstMinPods, this.askedPods);
    // Below its minReplicas the HPA goes straight to it, with no scale-up limit.
    if (current < minPods) {
      this.resize(t, minPods);
      return;
    }
    // Float noise from a ring of sums must not keep a pod alive.
    const usage = Math.max(0, this.servedSum) / this.served.length;
    const metric = this.external ? Math.max(0, this.external.read(t)) : 0;
    const idle = usage < 1e-9 && metric < 1e-9;
    if (idle && current === minPods && this.recommendations.length === 0) return;
    const ready = Math.max(1, this.readyPods(t));
    const ratio = usage / (ready * m.burstPodCapacityRps * m.hpaTargetUtilization);
    let wanted =
      Math.abs(ratio - 1) <= m.hpaTolerance
        ? current
        : Math.ceil(usage / (m.burstPodCapacityRps * m.hpaTargetUtilization) - 1e-9);
    if (this.external) {
      const perPod = this.external.targetPerPod;
      const byMetric =
        Math.abs(metric / (perPod * current) - 1) <= m.hpaTolerance ? current : Math.ceil(metric / perPod - 1e-9);
      wanted = Math.max(wanted, byMetric);
    }
    wanted = Math.min(m.burstMaxPods, Math.max(m.burstMinPods, wanted));
    // Default scale-up policy: at most double, or four pods more, per sync.
    wanted = Math.min(wanted, Math.max(2 * current, current + 4));
    this.recommendations = this.recommendations.filter((r) => r.at > t - m.hpaScaleDownStabilizationSeconds);
    this.recommendations.push({ at: t, replicas: wanted });
    if (wanted < current) wanted = Math.min(current, Math.max(...this.recommendations.map((r) => r.replicas)));
    if (wanted === m.burstMinPods && current === m.burstMinPods && idle) this.recommendations = [];
    this.resize(t, Math.max(minPods, wanted));
  }

  private resize(t: number, replicas: number): void {
    const m = this.m;
    const fit = Math.min(replicas, m.burstMaxNodes * m.podsPerNode);
    while (this.pods > fit) this.podReadyAt.pop();
    while (this.pods < fit) {
      const node = Math.floor(this.pods / m.podsPerNode);
      // A pod that fits nowhere makes the cluster autoscaler add a node.
      while (this.nodes <= node) this.nodeReadyAt.push(t + m.nodeProvisionSeconds);
      this.podReadyAt.push(Math.max(t, this.nodeReadyAt[node] ?? t) + m.podStartSeconds);
    }
  }

  private scaleDownNodes(t: number): void {
    const m = this.m;
    const needed = Math.max(m.burstMinNodes, Math.ceil(this.pods / m.podsPerNode));
    if (this.nodes <= needed) {
      this.unneededNodesSince = undefined;
      return;
    }
    this.unneededNodesSince ??= t;
    if (t - this.unneededNodesSince >= m.nodeScaleDownSeconds) {
      this.nodeReadyAt.length = needed;
      this.unneededNodesSince = undefined;
    }
  }
}
