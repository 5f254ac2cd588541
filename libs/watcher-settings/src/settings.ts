// The watcher's policy and timing settings as its environment gives them, validated with a message
// that names the variable. The watcher and the simulator (tools/simulate) both read settings here,
// so a user's configuration means the same thing in the lab as in the cluster.
import { ConfigError, envChoice, envNumber, envOptional, envString, type Env } from '@string-hashr/runtime';
import { parseDuration } from '@string-hashr/metric-reading';
import { DEFAULT_POLICY, policySettingsProblem, type PolicySettings } from '@string-hashr/policy';

/** The environment variable behind each policy setting, so a policy problem names what to fix. */
export const POLICY_VARIABLES: Record<keyof PolicySettings, string> = {
  mode: 'WATCHER_MODE',
  highRps: 'BURST_HIGH_RPS',
  lowRps: 'BURST_LOW_RPS',
  primaryCapacityRps: 'PRIMARY_CAPACITY_RPS',
  primaryHeadroom: 'PRIMARY_HEADROOM',
  weightStep: 'WEIGHT_STEP',
  samplesUp: 'WATCHER_SAMPLES',
  samplesDown: 'WATCHER_SAMPLES_DOWN',
  minDwellUpMs: 'WATCHER_MIN_DWELL_SECONDS',
  minDwellDownMs: 'WATCHER_MIN_DWELL_DOWN_SECONDS',
  failsafe: 'WATCHER_FAILSAFE',
  failsafeAfter: 'WATCHER_FAILSAFE_AFTER',
  minSuccessRate: 'WATCHER_MIN_SUCCESS_RATE',
  healthSamples: 'WATCHER_HEALTH_SAMPLES',
  minHealthRequests: 'WATCHER_HEALTH_MIN_REQUESTS',
  healthCooldownMs: 'WATCHER_HEALTH_COOLDOWN_SECONDS',
  maxLatencyMs: 'WATCHER_MAX_LATENCY_MS',
  stepPercent: 'WATCHER_STEP_PERCENT',
  stepMs: 'WATCHER_STEP_SECONDS',
  noDataHoldMs: 'WATCHER_NO_DATA_HOLD_SECONDS',
  burstPodCapacityRps: 'BURST_POD_CAPACITY_RPS',
  warm: 'BURST_WARM',
  warmHeadroom: 'BURST_WARM_HEADROOM',
  warmGiveBackMs: 'BURST_WARM_GIVE_BACK_SECONDS',
};

const DAY_SECONDS = 86_400;

/**
 * The least and most each duration setting accepts, in seconds. Beyond Node's timer limit
 * (2^31 - 1 ms, about 24.8 days) a timer fires at once: an interval of 3000000 s became a 1 ms
 * loop, a query timeout of 3000000 s timed out every query at once. The maxima are far below
 * that and above anything useful (apps/istiowatcher/README.md, Configuration).
 */
export const DURATION_BOUNDS = {
  WATCHER_INTERVAL_SECONDS: { min: 0.05, max: 300 },
  WATCHER_QUERY_TIMEOUT_SECONDS: { min: 0.1, max: 60 },
  WATCHER_RATE_WINDOW: { min: 1, max: 3600 },
  WATCHER_MIN_DWELL_SECONDS: { min: 0, max: DAY_SECONDS },
  WATCHER_MIN_DWELL_DOWN_SECONDS: { min: 0, max: DAY_SECONDS },
  WATCHER_RESYNC_SECONDS: { min: 0, max: 3600 },
  WATCHER_LEASE_DURATION_SECONDS: { min: 2, max: 300 },
  WATCHER_HEALTH_COOLDOWN_SECONDS: { min: 0, max: DAY_SECONDS },
  WATCHER_STEP_SECONDS: { min: 0, max: 3600 },
  WATCHER_NO_DATA_HOLD_SECONDS: { min: 0, max: DAY_SECONDS },
  WATCHER_LOG_SUMMARY_SECONDS: { min: 0, max: 3600 },
  BURST_WARM_GIVE_BACK_SECONDS: { min: 0, max: DAY_SECONDS },
} as const;

/** A duration setting in seconds, within its DURATION_BOUNDS. */
export function envSeconds(env: Env, name: keyof typeof DURATION_BOUNDS, fallback: number): number {
  return envNumber(env, name, fallback, DURATION_BOUNDS[name]);
}

/** The health gate, the steps and the no-data hold (apps/istiowatcher/README.md says why each default). */
function burstSafetySettings(env: Env) {
  const maxLatencyMs = envOptional(env, 'WATCHER_MAX_LATENCY_MS');
  return {
    minSuccessRate: envNumber(env, 'WATCHER_MIN_SUCCESS_RATE', 0.95, { min: 0, max: 1 }),
    healthSamples: envNumber(env, 'WATCHER_HEALTH_SAMPLES', 2, { min: 1, max: 100, integer: true }),
    minHealthRequests: envNumber(env, 'WATCHER_HEALTH_MIN_REQUESTS', 10, { min: 1, max: 1_000_000, integer: true }),
    healthCooldownMs: envSeconds(env, 'WATCHER_HEALTH_COOLDOWN_SECONDS', 120) * 1000,
    maxLatencyMs:
      maxLatencyMs === undefined ? undefined : envNumber(env, 'WATCHER_MAX_LATENCY_MS', 0, { min: 1, max: 600_000 }),
    stepPercent: envNumber(env, 'WATCHER_STEP_PERCENT', 100, { min: 1, max: 100, integer: true }),
    stepMs: envSeconds(env, 'WATCHER_STEP_SECONDS', 10) * 1000,
    noDataHoldMs: envSeconds(env, 'WATCHER_NO_DATA_HOLD_SECONDS', 300) * 1000,
  };
}

/** Warm first, send only what is ready (libs/policy warm.ts). */
function warmSettings(env: Env) {
  return {
    burstPodCapacityRps: envNumber(env, 'BURST_POD_CAPACITY_RPS', DEFAULT_POLICY.burstPodCapacityRps, {
      min: 0.001,
    }),
    warm: envChoice(env, 'BURST_WARM', ['off', 'min-replicas', 'metric'] as const, 'off'),
    warmHeadroom: envNumber(env, 'BURST_WARM_HEADROOM', DEFAULT_POLICY.warmHeadroom, { min: 0, max: 10 }),
    warmGiveBackMs: envSeconds(env, 'BURST_WARM_GIVE_BACK_SECONDS', DEFAULT_POLICY.warmGiveBackMs / 1000) * 1000,
  };
}

export function policySettingsFromEnv(env: Env): PolicySettings {
  const samplesUp = envNumber(env, 'WATCHER_SAMPLES', 3, { min: 1, integer: true });
  const dwellUpSeconds = envSeconds(env, 'WATCHER_MIN_DWELL_SECONDS', 30);
  const policy: PolicySettings = {
    ...burstSafetySettings(env),
    ...warmSettings(env),
    mode: envChoice(env, 'WATCHER_MODE', ['switch', 'spill'] as const, 'switch'),
    highRps: envNumber(env, 'BURST_HIGH_RPS', 15, { min: 0 }),
    lowRps: envNumber(env, 'BURST_LOW_RPS', 10, { min: 0 }),
    primaryCapacityRps: envNumber(env, 'PRIMARY_CAPACITY_RPS', 15, { min: 0 }),
    primaryHeadroom: envNumber(env, 'PRIMARY_HEADROOM', DEFAULT_POLICY.primaryHeadroom, { min: 0, max: 10 }),
    weightStep: envNumber(env, 'WEIGHT_STEP', 10, { min: 1, max: 100, integer: true }),
    samplesUp,
    samplesDown: envNumber(env, 'WATCHER_SAMPLES_DOWN', samplesUp, { min: 1, integer: true }),
    minDwellUpMs: dwellUpSeconds * 1000,
    minDwellDownMs: envSeconds(env, 'WATCHER_MIN_DWELL_DOWN_SECONDS', dwellUpSeconds) * 1000,
    failsafe: envChoice(env, 'WATCHER_FAILSAFE', ['hold', 'natural'] as const, 'hold'),
    failsafeAfter: envNumber(env, 'WATCHER_FAILSAFE_AFTER', 10, { min: 1, integer: true }),
  };
  const problem = policySettingsProblem(policy, POLICY_VARIABLES);
  if (problem) throw new ConfigError(`${POLICY_VARIABLES[problem.setting]} is not valid: ${problem.message}`);
  return policy;
}

/** How often the watcher reads and over what window its default query computes the rate. */
export interface ReadTiming {
  intervalMs: number;
  /** The window as written (a Prometheus duration, for the query). */
  rateWindow: string;
  rateWindowSeconds: number;
}

export function readTimingFromEnv(env: Env): ReadTiming {
  const rateWindow = envString(env, 'WATCHER_RATE_WINDOW', '1m');
  const rateWindowSeconds = parseDuration(rateWindow);
  if (rateWindowSeconds === undefined)
    throw new ConfigError(
      `WATCHER_RATE_WINDOW="${rateWindow}" is not valid: expected a Prometheus duration such as 1m or 15s`,
    );
  const windowBounds = DURATION_BOUNDS.WATCHER_RATE_WINDOW;
  if (rateWindowSeconds < windowBounds.min || rateWindowSeconds > windowBounds.max)
    throw new ConfigError(
      `WATCHER_RATE_WINDOW=${rateWindow} is out of range: expected ${windowBounds.min}s to ${windowBounds.max / 60}m`,
    );
  const intervalMs = envSeconds(env, 'WATCHER_INTERVAL_SECONDS', 1) * 1000;
  return { intervalMs, rateWindow, rateWindowSeconds };
}

/**
 * The watcher's settings on one machine (`npm start`, tools/local-stack): the burst shows within
 * seconds instead of minutes. A 5 s window is five 1 s scrapes; two samples (two scrapes, since
 * only fresh data counts) and a short dwell keep it from flapping on a laptop. After a rollback,
 * 30 s of cool-down instead of 2 minutes, and an empty answer is held for 30 s instead of 5
 * minutes: long enough to see, short enough for a demo. The simulator's `local` deployment models
 * the same.
 */
export const LOCAL_STACK_WATCHER_ENV: Readonly<Record<string, string>> = {
  WATCHER_INTERVAL_SECONDS: '1',
  WATCHER_RATE_WINDOW: '5s',
  WATCHER_SAMPLES: '2',
  WATCHER_MIN_DWELL_SECONDS: '5',
  WATCHER_MIN_DWELL_DOWN_SECONDS: '10',
  WATCHER_SAMPLES_DOWN: '3',
  WATCHER_HEALTH_COOLDOWN_SECONDS: '30',
  WATCHER_NO_DATA_HOLD_SECONDS: '30',
};
