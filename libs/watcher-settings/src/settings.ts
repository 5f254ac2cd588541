// The watcher's policy and timing settings as its environment gives them, validated with a message
// that names the variable. The watcher and the simulator (tools/simulate) both read settings here,
// so a user's configuration means the same thing in the lab as in the cluster.
import { ConfigError, envChoice, envNumber, envString, type Env } from '@string-hashr/runtime';
import { parseDuration } from '@string-hashr/metric-reading';
import { policySettingsProblem, type PolicySettings } from '@string-hashr/policy';

/** The environment variable behind each policy setting, so a policy problem names what to fix. */
export const POLICY_VARIABLES: Record<keyof PolicySettings, string> = {
  mode: 'WATCHER_MODE',
  highRps: 'BURST_HIGH_RPS',
  lowRps: 'BURST_LOW_RPS',
  primaryCapacityRps: 'PRIMARY_CAPACITY_RPS',
  weightStep: 'WEIGHT_STEP',
  samplesUp: 'WATCHER_SAMPLES',
  samplesDown: 'WATCHER_SAMPLES_DOWN',
  minDwellUpMs: 'WATCHER_MIN_DWELL_SECONDS',
  minDwellDownMs: 'WATCHER_MIN_DWELL_DOWN_SECONDS',
  failsafe: 'WATCHER_FAILSAFE',
  failsafeAfter: 'WATCHER_FAILSAFE_AFTER',
};

export function policySettingsFromEnv(env: Env): PolicySettings {
  const samplesUp = envNumber(env, 'WATCHER_SAMPLES', 3, { min: 1, integer: true });
  const dwellUpSeconds = envNumber(env, 'WATCHER_MIN_DWELL_SECONDS', 30, { min: 0 });
  const policy: PolicySettings = {
    mode: envChoice(env, 'WATCHER_MODE', ['switch', 'spill'] as const, 'switch'),
    highRps: envNumber(env, 'BURST_HIGH_RPS', 15, { min: 0 }),
    lowRps: envNumber(env, 'BURST_LOW_RPS', 10, { min: 0 }),
    primaryCapacityRps: envNumber(env, 'PRIMARY_CAPACITY_RPS', 15, { min: 0 }),
    weightStep: envNumber(env, 'WEIGHT_STEP', 10, { min: 1, max: 100, integer: true }),
    samplesUp,
    samplesDown: envNumber(env, 'WATCHER_SAMPLES_DOWN', samplesUp, { min: 1, integer: true }),
    minDwellUpMs: dwellUpSeconds * 1000,
    minDwellDownMs: envNumber(env, 'WATCHER_MIN_DWELL_DOWN_SECONDS', dwellUpSeconds, { min: 0 }) * 1000,
    failsafe: envChoice(env, 'WATCHER_FAILSAFE', ['hold', 'natural'] as const, 'hold'),
    failsafeAfter: envNumber(env, 'WATCHER_FAILSAFE_AFTER', 10, { min: 1, integer: true }),
  };
  const problem = policySettingsProblem(policy);
  if (problem) {
    const variable = POLICY_VARIABLES[problem.setting];
    const detail =
      problem.setting === 'lowRps' && policy.lowRps >= policy.highRps
        ? `must be below BURST_HIGH_RPS (${policy.highRps}), got ${policy.lowRps}`
        : problem.message;
    throw new ConfigError(`${variable} is not valid: ${detail}`);
  }
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
  const intervalMs = envNumber(env, 'WATCHER_INTERVAL_SECONDS', 1, { min: 0.05 }) * 1000;
  return { intervalMs, rateWindow, rateWindowSeconds };
}

/**
 * The watcher's settings on one machine (`npm start`, tools/local-stack): the burst shows within
 * seconds instead of minutes. A 5 s window is five 1 s scrapes; two samples and a short dwell
 * keep it from flapping on a laptop. The simulator's `local` deployment models the same.
 */
export const LOCAL_STACK_WATCHER_ENV: Readonly<Record<string, string>> = {
  WATCHER_INTERVAL_SECONDS: '1',
  WATCHER_RATE_WINDOW: '5s',
  WATCHER_SAMPLES: '2',
  WATCHER_MIN_DWELL_SECONDS: '5',
  WATCHER_MIN_DWELL_DOWN_SECONDS: '10',
  WATCHER_SAMPLES_DOWN: '3',
};
