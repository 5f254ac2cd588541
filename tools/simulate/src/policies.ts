/**
 * The policies a run compares, each a set of watcher settings read through the watcher's own
 * parsing (libs/watcher-settings) plus which series its query sums. All start from the
 * deployment's watcher environment; `yours` adds the variables given to the simulator.
 */
import { ConfigError, type Env } from '@string-hashr/runtime';
import type { PolicySettings } from '@string-hashr/policy';
import {
  POLICY_VARIABLES,
  policySettingsFromEnv,
  readTimingFromEnv,
  type ReadTiming,
} from '@string-hashr/watcher-settings';

export interface PolicySpec {
  name: string;
  description: string;
  settings: PolicySettings;
  timing: ReadTiming;
  /**
   * Which requests the query counts: `source`, every request the frontend's sidecar sends
   * (ours); `destination`, only what the worker sidecars in primary's cluster report, i.e. what
   * primary serves (the codelab's query, read in primary's Prometheus).
   */
  reporter: 'source' | 'destination';
}

/**
 * The codelab's watcher: switch at 15 / 10 on one sample, no dwell, all at once, no health gate,
 * no warm-up, and an empty answer is no traffic at once.
 */
const CODELAB_ENV: Env = {
  WATCHER_MODE: 'switch',
  BURST_HIGH_RPS: '15',
  BURST_LOW_RPS: '10',
  WATCHER_SAMPLES: '1',
  WATCHER_SAMPLES_DOWN: '1',
  WATCHER_MIN_DWELL_SECONDS: '0',
  WATCHER_MIN_DWELL_DOWN_SECONDS: '0',
  WATCHER_STEP_PERCENT: '100',
  WATCHER_MIN_SUCCESS_RATE: '0',
  WATCHER_NO_DATA_HOLD_SECONDS: '0',
  BURST_WARM: 'off',
};

/** The variables the simulator reads from its own environment for the `yours` policy. */
export const SIMULATED_VARIABLES = [
  ...new Set([...Object.values(POLICY_VARIABLES), 'WATCHER_INTERVAL_SECONDS', 'WATCHER_RATE_WINDOW']),
].sort();

/** The watcher variables set in `env` that the simulator models. */
export function userWatcherEnv(env: Env): Env {
  return Object.fromEntries(
    SIMULATED_VARIABLES.filter((name) => (env[name] ?? '').trim() !== '').map((name) => [name, env[name]]),
  );
}

function spec(name: string, description: string, env: Env, reporter: PolicySpec['reporter']): PolicySpec {
  return { name, description, settings: policySettingsFromEnv(env), timing: readTimingFromEnv(env), reporter };
}

const WARM_ROWS: Record<string, [name: string, description: string]> = {
  off: ['no-warm', 'the shipped settings without the warm-up'],
  'min-replicas': [
    'warm-min-replicas',
    "the shipped settings, the watcher warming the burst side through its HPA's minReplicas",
  ],
  metric: ['warm-metric', "the shipped settings, the burst HPA scaling on the primary's rate (KEDA-style)"],
};

/**
 * The lineup: codelab, ours, ours in the other mode, a row per warm design other than the shipped
 * one, and yours when the environment sets any watcher variable.
 */
export function lineup(deployedEnv: Env, userEnv: Env = {}): PolicySpec[] {
  const shipped = policySettingsFromEnv(deployedEnv);
  const otherMode = shipped.mode === 'spill' ? 'switch' : 'spill';
  const policies = [
    spec(
      'codelab',
      "the codelab's watcher: one sample, no dwell, destination-reported rate",
      { ...deployedEnv, ...CODELAB_ENV },
      'destination',
    ),
    spec('ours', 'the watcher with the shipped settings', deployedEnv, 'source'),
    spec(otherMode, `the shipped settings in ${otherMode} mode`, { ...deployedEnv, WATCHER_MODE: otherMode }, 'source'),
    ...Object.entries(WARM_ROWS)
      .filter(([design]) => design !== shipped.warm)
      .map(([design, [name, description]]) =>
        spec(name, description, { ...deployedEnv, BURST_WARM: design }, 'source'),
      ),
  ];
  const given = userWatcherEnv(userEnv);
  if (Object.keys(given).length > 0)
    policies.push(
      spec(
        'yours',
        `the shipped settings with ${Object.entries(given)
          .map(([k, v]) => `${k}=${v}`)
          .join(' ')}`,
        { ...deployedEnv, ...given },
        'source',
      ),
    );
  return policies;
}

/**
 * `--vary NAME=a,b,c` (repeatable): one policy per combination of the values, each the shipped
 * settings with those variables on top, named by them. The variables are the ones the lab models.
 */
export function variations(deployedEnv: Env, vary: Array<[string, string[]]>): PolicySpec[] {
  for (const [name, values] of vary) {
    if (!SIMULATED_VARIABLES.includes(name))
      throw new ConfigError(`--vary ${name}: not a variable the lab models (${SIMULATED_VARIABLES.join(', ')})`);
    if (values.length === 0 || values.some((v) => v.trim() === ''))
      throw new ConfigError(`--vary ${name}: expected ${name}=value,value,...`);
  }
  let combinations: Env[] = [{}];
  for (const [name, values] of vary)
    combinations = combinations.flatMap((env) => values.map((value) => ({ ...env, [name]: value })));
  return vary.length === 0
    ? []
    : combinations.map((env) => {
        const label = Object.entries(env)
          .map(([k, v]) => `${k}=${v}`)
          .join(' ');
        return spec(label, `the shipped settings with ${label}`, { ...deployedEnv, ...env }, 'source');
      });
}
