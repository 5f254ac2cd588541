/**
 * The one place that knows the policy's API (libs/policy): it turns what the model's Prometheus
 * answers into the policy's observation, calls the real policy, and reads the weights from its
 * decision. Everything else in the simulator speaks only ModelView and PolicyStep.
 */
import {
  NATURAL,
  burstPolicy,
  initialPolicyState,
  type HealthObservation,
  type PolicySettings,
  type PolicyState,
  type TrafficObservation,
} from '@string-hashr/policy';

/** What the watcher's queries answer at one tick (times in seconds of simulated time). */
export interface ModelView {
  /** The windowed request rate and the newest scrape behind it; undefined: an empty answer. */
  traffic: { rps: number; dataAt: number } | undefined;
  /**
   * The burst side's requests and success ratio over the window (undefined: no burst series yet);
   * a function, because the watcher reads it only while some weight is on burst.
   */
  burstHealth: () => { requests: number; successRate: number | undefined; dataAt: number } | undefined;
  /** The burst worker's pods as its Deployment reports them (read when a warm design is on). */
  burstPods: () => { ready: number; desired: number; max: number };
}

/** What the policy decided: the burst weight in force after the tick, and whether it was a health rollback. */
export interface PolicyStep {
  burst: number;
  changed: boolean;
  rollback: boolean;
  /** Warm design `min-replicas`: the burst pods the watcher asks for. */
  warmPods?: number;
}

/** The watcher's tick, in the model: starts from 100/0, as a watcher that read natural weights with no annotations. */
export function policyDriver(settings: PolicySettings): (view: ModelView, nowSeconds: number) => PolicyStep {
  const decide = burstPolicy(settings);
  let state: PolicyState = initialPolicyState(NATURAL);
  return (view, nowSeconds) => {
    // Times in ms as the watcher gives them; `dataAt` is the newest scrape behind a reading.
    const traffic: TrafficObservation = view.traffic
      ? { kind: 'rate', rps: view.traffic.rps, dataAt: view.traffic.dataAt * 1000 }
      : { kind: 'no-data' };
    let health: HealthObservation | undefined;
    if (state.weights.burst > 0) {
      const read = view.burstHealth();
      health = read
        ? { kind: 'health', requests: read.requests, successRate: read.successRate, dataAt: read.dataAt * 1000 }
        : { kind: 'no-data' };
    }
    // With a warm design the watcher reads the burst side's pods every tick (the ready gate).
    const pods = settings.warm === 'off' ? undefined : view.burstPods();
    const burst = pods && { readyPods: pods.ready, desiredPods: pods.desired, maxPods: pods.max };
    const decision = decide(state, { traffic, health, burst }, nowSeconds * 1000);
    state = decision.state;
    return {
      burst: decision.weights.burst,
      changed: decision.changed,
      rollback: decision.kind === 'rollback',
      warmPods: decision.warm?.pods,
    };
  };
}
