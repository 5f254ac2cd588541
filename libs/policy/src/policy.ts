/**
 * The burst policy: given what the watcher believes the weights are, one observation of the
 * worker request rate and the time, it returns the next state and the weights to apply. Pure:
 * no I/O, no timers, no clock of its own, so a table test covers it completely.
 *
 * Two kinds of hysteresis stack up. Thresholds: above `highRps` traffic goes to burst, below
 * `lowRps` it comes back, and between the two nothing moves. Time: a change needs `samples`
 * consecutive observations that ask for it and `minDwellMs` since the last change, with
 * separate settings for going to burst (up) and coming back (down).
 */
import { ALL_BURST, NATURAL, checkWeights, weightsEqual, type Weights } from './weights.js';

export type PolicyMode = 'switch' | 'spill';
export type Failsafe = 'hold' | 'natural';

export interface PolicySettings {
  /** `switch`: 100/0 <-> 0/100 as in the codelab; `spill`: burst gets only the overflow share. */
  mode: PolicyMode;
  highRps: number;
  lowRps: number;
  /** Spill mode: what primary serves before the rest spills to burst. */
  primaryCapacityRps: number;
  /** Spill mode: the burst share is rounded up to a multiple of this many percent. */
  weightStep: number;
  samplesUp: number;
  samplesDown: number;
  minDwellUpMs: number;
  minDwellDownMs: number;
  failsafe: Failsafe;
  failsafeAfter: number;
}

export const DEFAULT_POLICY: PolicySettings = {
  mode: 'switch',
  highRps: 15,
  lowRps: 10,
  primaryCapacityRps: 15,
  weightStep: 10,
  samplesUp: 3,
  samplesDown: 3,
  minDwellUpMs: 30_000,
  minDwellDownMs: 30_000,
  failsafe: 'hold',
  failsafeAfter: 10,
};

export interface PolicyState {
  /** The weights in force, as last read or applied. */
  weights: Weights;
  /** When the policy last changed the weights (ms); undefined before its first change. */
  lastChangeAt?: number;
  /** Consecutive observations asking to move in one direction. */
  streak?: { direction: 'up' | 'down'; count: number };
  /** Consecutive failed reads of the metric. */
  failures: number;
}

/** A rate read (no data is a rate of 0: no traffic), or a read that failed for any reason. */
export type Observation = { kind: 'rate'; rps: number } | { kind: 'failure'; error: string };

export interface Decision {
  state: PolicyState;
  /** The weights to be in force after this tick. */
  weights: Weights;
  /** Whether `weights` differ from the state's weights before the tick. */
  changed: boolean;
  /** What the thresholds alone ask for now (before samples and dwell): where a pending change leads. */
  target: Weights;
  reason: string;
}

export function initialPolicyState(weights: Weights): PolicyState {
  return { weights, failures: 0 };
}

/** A problem with the settings, keyed by setting name, or undefined when they are usable. */
export function policySettingsProblem(
  s: PolicySettings,
): { setting: keyof PolicySettings; message: string } | undefined {
  const nonNegative: Array<keyof PolicySettings> = [
    'highRps',
    'lowRps',
    'primaryCapacityRps',
    'minDwellUpMs',
    'minDwellDownMs',
  ];
  for (const key of nonNegative) {
    const value = s[key] as number;
    if (!Number.isFinite(value) || value < 0) return { setting: key, message: `must be a number >= 0, got ${value}` };
  }
  if (s.lowRps >= s.highRps)
    return { setting: 'lowRps', message: `must be below the high threshold (${s.highRps}), got ${s.lowRps}` };
  for (const key of ['samplesUp', 'samplesDown', 'failsafeAfter'] as const) {
    if (!Number.isInteger(s[key]) || s[key] < 1)
      return { setting: key, message: `must be an integer >= 1, got ${s[key]}` };
  }
  if (!Number.isInteger(s.weightStep) || s.weightStep < 1 || s.weightStep > 100 || 100 % s.weightStep !== 0) {
    return {
      setting: 'weightStep',
      message: `must be a whole percentage that divides 100 (1, 2, 5, 10, 20, 25, 50 ...), got ${s.weightStep}`,
    };
  }
  if (!['switch', 'spill'].includes(s.mode))
    return { setting: 'mode', message: `must be switch or spill, got ${s.mode}` };
  if (!['hold', 'natural'].includes(s.failsafe))
    return { setting: 'failsafe', message: `must be hold or natural, got ${s.failsafe}` };
  return undefined;
}

/** Spill mode: the burst weight that leaves primary at most its capacity, rounded up to the step. */
export function spillWeights(s: Pick<PolicySettings, 'primaryCapacityRps' | 'weightStep'>, rps: number): Weights {
  if (rps <= s.primaryCapacityRps || rps <= 0) return NATURAL;
  const overflow = (100 * (rps - s.primaryCapacityRps)) / rps;
  // A tolerance so 50.000000001 % does not round up to the next step.
  const burst = Math.min(100, Math.ceil(overflow / s.weightStep - 1e-9) * s.weightStep);
  return { primary: 100 - burst, burst };
}

/** The weights the thresholds alone ask for at `rps`, starting from `current`; no time hysteresis. */
export function targetWeights(s: PolicySettings, current: Weights, rps: number): { weights: Weights; why: string } {
  const rate = rps.toFixed(2);
  if (rps < s.lowRps) return { weights: NATURAL, why: `${rate} req/s below low threshold ${s.lowRps}` };
  const bursting = current.burst > 0;
  if (s.mode === 'switch') {
    if (rps > s.highRps) return { weights: ALL_BURST, why: `${rate} req/s above high threshold ${s.highRps}` };
    return { weights: current, why: `${rate} req/s between thresholds ${s.lowRps} and ${s.highRps}` };
  }
  const spill = spillWeights(s, rps);
  if (rps > s.highRps)
    return {
      weights: spill,
      why: `${rate} req/s above high threshold ${s.highRps}, primary keeps ${s.primaryCapacityRps}`,
    };
  if (!bursting) return { weights: current, why: `${rate} req/s between thresholds ${s.lowRps} and ${s.highRps}` };
  // Between the thresholds while spilling: follow the load, but keep one step on burst until below low.
  const burst = Math.max(s.weightStep, spill.burst);
  return {
    weights: { primary: 100 - burst, burst },
    why: `${rate} req/s between thresholds while spilling, primary keeps ${s.primaryCapacityRps}`,
  };
}

function weightsText(w: Weights): string {
  return `${w.primary}/${w.burst}`;
}

/** Builds the policy for `settings`: `(state, observation, now) -> decision`. */
export function burstPolicy(
  settings: PolicySettings,
): (state: PolicyState, observation: Observation, now: number) => Decision {
  const problem = policySettingsProblem(settings);
  if (problem) throw new Error(`invalid policy setting ${problem.setting}: ${problem.message}`);
  const s = settings;

  return (state, observation, now) => {
    const hold = (next: PolicyState, reason: string, target: Weights = next.weights): Decision => ({
      state: next,
      weights: next.weights,
      changed: false,
      target,
      reason,
    });
    const change = (next: PolicyState, weights: Weights, reason: string): Decision => {
      checkWeights(weights);
      return {
        state: { ...next, weights, lastChangeAt: now, streak: undefined },
        weights,
        changed: true,
        target: weights,
        reason,
      };
    };

    if (observation.kind === 'failure') {
      const failures = state.failures + 1;
      const next: PolicyState = { ...state, failures, streak: undefined };
      if (failures >= s.failsafeAfter) {
        if (s.failsafe === 'natural' && !weightsEqual(state.weights, NATURAL)) {
          return change(next, NATURAL, `failsafe natural after ${failures} failed reads (${observation.error})`);
        }
        return hold(
          next,
          `failsafe ${s.failsafe}: ${failures} failed reads, weights stay ${weightsText(state.weights)} (${observation.error})`,
        );
      }
      return hold(
        next,
        `read failed (${failures}/${s.failsafeAfter}), weights stay ${weightsText(state.weights)}: ${observation.error}`,
      );
    }

    const base: PolicyState = { ...state, failures: 0 };
    const target = targetWeights(s, state.weights, observation.rps);
    if (weightsEqual(target.weights, state.weights)) {
      return hold({ ...base, streak: undefined }, `${target.why}: stay ${weightsText(state.weights)}`);
    }

    const direction = target.weights.burst > state.weights.burst ? 'up' : 'down';
    const count = state.streak?.direction === direction ? state.streak.count + 1 : 1;
    const next: PolicyState = { ...base, streak: { direction, count } };
    const needed = direction === 'up' ? s.samplesUp : s.samplesDown;
    const dwell = direction === 'up' ? s.minDwellUpMs : s.minDwellDownMs;
    const to = weightsText(target.weights);
    if (count < needed) return hold(next, `${target.why}: ${count}/${needed} samples toward ${to}`, target.weights);
    if (state.lastChangeAt !== undefined && now - state.lastChangeAt < dwell) {
      const waited = ((now - state.lastChangeAt) / 1000).toFixed(1);
      return hold(
        next,
        `${target.why}: dwell ${waited}s of ${(dwell / 1000).toFixed(1)}s before ${to}`,
        target.weights,
      );
    }
    return change(next, target.weights, `${target.why}: ${weightsText(state.weights)} -> ${to}`);
  };
}
