/**
 * The one place that knows the policy's API (libs/policy): it turns what the model's Prometheus
 * answers into the policy's observation, calls the real policy, and reads the weights from its
 * decision. Everything else in the simulator speaks only ModelView and PolicyStep.
 */
import {
  NATURAL,
  burstPolicy,
  initialPolicyState,
  type Observation,
  type PolicySettings,
  type PolicyState,
} from '@string-hashr/policy';

/** What the watcher's queries answer at one tick (times in seconds of simulated time). */
export interface ModelView {
  /** The windowed request rate and the newest scrape behind it; undefined: an empty answer. */
  traffic: { rps: number; dataAt: number } | undefined;
  /**
   * The burst side's requests and success ratio over the window (undefined: no burst series yet);
   * a function, because only a policy that gates on health needs the extra query.
   */
  burstHealth: () => { requests: number; successRate: number | undefined; dataAt: number } | undefined;
}

/** What the policy decided: the burst weight in force after the tick, and whether it was a health rollback. */
export interface PolicyStep {
  burst: number;
  changed: boolean;
  rollback: boolean;
}

/** The watcher's tick, in the model: starts from 100/0, as a watcher that read natural weights. */
export function policyDriver(settings: PolicySettings): (view: ModelView, nowSeconds: number) => PolicyStep {
  const decide = burstPolicy(settings);
  let state: PolicyState = initialPolicyState(NATURAL);
  return (view, nowSeconds) => {
    // As the watcher's observationOf: an empty answer is no traffic.
    const observation: Observation = { kind: 'rate', rps: view.traffic?.rps ?? 0 };
    const decision = decide(state, observation, nowSeconds * 1000);
    state = decision.state;
    return { burst: decision.weights.burst, changed: decision.changed, rollback: false };
  };
}
