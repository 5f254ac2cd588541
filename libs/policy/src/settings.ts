/**
 * The policy's settings, their defaults and their validation. The watcher maps each setting to
 * its environment variable (so a problem names what to fix); the simulator and the tests build
 * them directly.
 */

export type PolicyMode = 'switch' | 'spill';
export type Failsafe = 'hold' | 'natural';
/**
 * Who warms the burst side ahead of the traffic: nobody (`off`: its autoscaler learns of the load
 * once it is served there); the watcher, raising the burst autoscaler's `minReplicas`
 * (`min-replicas`); or the burst autoscaler itself, scaling on the primary's request rate
 * (`metric`, KEDA's Prometheus scaler or an external metric). Not `off`: the ready gate holds each
 * step toward burst until the ready pods cover its share.
 */
export type WarmDesign = 'off' | 'min-replicas' | 'metric';

export interface PolicySettings {
  /** `switch`: 100/0 <-> 0/100 as in the codelab; `spill`: burst gets only the overflow share. */
  mode: PolicyMode;
  highRps: number;
  lowRps: number;
  /** Spill mode: what primary serves before the rest spills to burst. */
  primaryCapacityRps: number;
  /**
   * Spill mode: primary is sent at most `primaryCapacityRps / (1 + this)`, a margin for the load's
   * noise within the rate window (0: up to its capacity).
   */
  primaryHeadroom: number;
  /** Spill mode: the burst share is rounded up to a multiple of this many percent. */
  weightStep: number;
  samplesUp: number;
  samplesDown: number;
  minDwellUpMs: number;
  minDwellDownMs: number;
  failsafe: Failsafe;
  failsafeAfter: number;
  /** Health gate: the burst side's least share of non-5xx answers (0..1). */
  minSuccessRate: number;
  /** Health gate: fresh failing health samples in a row before a rollback. */
  healthSamples: number;
  /** Health gate: fewer burst requests than this in the window cannot be judged (not a failure). */
  minHealthRequests: number;
  /** Health gate: no new burst for this long after a rollback. */
  healthCooldownMs: number;
  /** Health gate on the burst side's p99 latency; undefined: off. */
  maxLatencyMs?: number;
  /** The burst weight rises by at most this many percent per step (100: all at once). */
  stepPercent: number;
  /** Least time between two steps up. */
  stepMs: number;
  /** An empty answer holds the weights this long before it counts as no traffic (0: at once). */
  noDataHoldMs: number;
  /** What one burst worker pod serves (req/s): the warm-up and the ready gate count pods with it. */
  burstPodCapacityRps: number;
  warm: WarmDesign;
  /** The burst side is warmed for its coming share times (1 + this). */
  warmHeadroom: number;
  /** Warm pods are given back to the autoscaler once fewer have been wanted for this long. */
  warmGiveBackMs: number;
}

export const DEFAULT_POLICY: PolicySettings = {
  mode: 'switch',
  highRps: 15,
  lowRps: 10,
  primaryCapacityRps: 15,
  primaryHeadroom: 0,
  weightStep: 10,
  samplesUp: 3,
  samplesDown: 3,
  minDwellUpMs: 30_000,
  minDwellDownMs: 30_000,
  failsafe: 'hold',
  failsafeAfter: 10,
  minSuccessRate: 0.95,
  healthSamples: 2,
  minHealthRequests: 10,
  healthCooldownMs: 120_000,
  maxLatencyMs: undefined,
  stepPercent: 100,
  stepMs: 10_000,
  noDataHoldMs: 300_000,
  // The shipped burst worker: the same image and resources as primary's one pod, which serves 15.
  burstPodCapacityRps: 15,
  warm: 'off',
  warmHeadroom: 0.2,
  warmGiveBackMs: 300_000,
};

export type SettingNames = Partial<Record<keyof PolicySettings, string>>;

export interface SettingsProblem {
  setting: keyof PolicySettings;
  message: string;
}

/**
 * A problem with the settings, or undefined when they are usable. `names` spells each setting as
 * the caller knows it (the watcher passes its environment variables), so a message that involves
 * two settings names both.
 */
export function policySettingsProblem(s: PolicySettings, names: SettingNames = {}): SettingsProblem | undefined {
  const name = (key: keyof PolicySettings) => names[key] ?? key;
  const nonNegative = [
    'highRps',
    'lowRps',
    'primaryCapacityRps',
    'primaryHeadroom',
    'minDwellUpMs',
    'minDwellDownMs',
    'healthCooldownMs',
    'stepMs',
    'noDataHoldMs',
    'warmHeadroom',
    'warmGiveBackMs',
  ] as const;
  for (const key of nonNegative) {
    const value = s[key];
    if (!Number.isFinite(value) || value < 0) return { setting: key, message: `must be a number >= 0, got ${value}` };
  }
  if (s.lowRps >= s.highRps)
    return {
      setting: 'lowRps',
      message: `must be below ${name('highRps')} (${s.highRps}), got ${s.lowRps}`,
    };
  for (const key of ['samplesUp', 'samplesDown', 'failsafeAfter', 'healthSamples', 'minHealthRequests'] as const) {
    if (!Number.isInteger(s[key]) || s[key] < 1)
      return { setting: key, message: `must be an integer >= 1, got ${s[key]}` };
  }
  if (!Number.isInteger(s.weightStep) || s.weightStep < 1 || s.weightStep > 100 || 100 % s.weightStep !== 0) {
    return {
      setting: 'weightStep',
      message: `must be a whole percentage that divides 100 (1, 2, 5, 10, 20, 25, 50 ...), got ${s.weightStep}`,
    };
  }
  if (!Number.isInteger(s.stepPercent) || s.stepPercent < 1 || s.stepPercent > 100)
    return { setting: 'stepPercent', message: `must be a whole percentage from 1 to 100, got ${s.stepPercent}` };
  if (!Number.isFinite(s.minSuccessRate) || s.minSuccessRate < 0 || s.minSuccessRate > 1)
    return { setting: 'minSuccessRate', message: `must be a ratio from 0 to 1, got ${s.minSuccessRate}` };
  if (s.maxLatencyMs !== undefined && (!Number.isFinite(s.maxLatencyMs) || s.maxLatencyMs <= 0))
    return { setting: 'maxLatencyMs', message: `must be a number of milliseconds > 0, got ${s.maxLatencyMs}` };
  if (!Number.isFinite(s.burstPodCapacityRps) || s.burstPodCapacityRps <= 0)
    return { setting: 'burstPodCapacityRps', message: `must be a number > 0, got ${s.burstPodCapacityRps}` };
  if (!['off', 'min-replicas', 'metric'].includes(s.warm))
    return { setting: 'warm', message: `must be off, min-replicas or metric, got ${s.warm}` };
  if (!['switch', 'spill'].includes(s.mode))
    return { setting: 'mode', message: `must be switch or spill, got ${s.mode}` };
  if (!['hold', 'natural'].includes(s.failsafe))
    return { setting: 'failsafe', message: `must be hold or natural, got ${s.failsafe}` };
  // Between the thresholds primary keeps all the traffic: above its capacity that is an overload.
  if (s.mode === 'spill' && s.highRps > s.primaryCapacityRps)
    return {
      setting: 'highRps',
      message: `must not be above ${name('primaryCapacityRps')} (${s.primaryCapacityRps}) in spill mode, got ${s.highRps}: primary would carry more than its capacity below the threshold`,
    };
  return undefined;
}
