// The watcher's whole configuration, read once from the environment and validated: a bad value
// stops the program at start with a message naming the variable (see README.md for the table).
import { hostname } from 'node:os';
import {
  ConfigError,
  envBoolean,
  envChoice,
  envNumber,
  envOptional,
  envPort,
  envString,
  envUrl,
  type Env,
} from '@string-hashr/runtime';
import {
  CLUSTER_NAMES,
  DEFAULT_NAMESPACE,
  DEFAULT_SUBSETS,
  LEADER_LEASE_NAME,
  PORTS,
  WORKER_VIRTUAL_SERVICE,
  type SubsetNames,
} from '@string-hashr/contract';
import {
  burstHealthQueries,
  defaultFreshnessQuery,
  defaultWatcherQuery,
  parseDuration,
} from '@string-hashr/metric-reading';
import { policySettingsProblem, type PolicySettings, type SettingNames } from '@string-hashr/policy';
import type { HealthQueries } from './sources/prometheus.js';

export interface VirtualServiceRef {
  name: string;
  namespace: string;
  /** `group/version`, e.g. `networking.istio.io/v1`. */
  apiVersion: string;
  subsets: SubsetNames;
}

export type SourceConfig =
  | {
      kind: 'prometheus';
      url: string;
      query: string;
      /** The newest sample time behind `query`; undefined: each answer is dated by its evaluation. */
      freshnessQuery?: string;
      health: HealthQueries;
      timeoutMs: number;
      rateWindowSeconds: number;
    }
  | { kind: 'scrape'; url: string; rateWindowSeconds: number; timeoutMs: number; burstCluster: string };

export type RouterConfig = { kind: 'kubernetes' } | { kind: 'file'; path: string };

export interface WatcherConfig {
  port: number;
  intervalMs: number;
  /** Re-read the live weights this often (ms) to notice edits by others; 0: never. */
  resyncMs: number;
  source: SourceConfig;
  policy: PolicySettings;
  router: RouterConfig;
  virtualService: VirtualServiceRef;
  dryRun: boolean;
  /** WATCHER_LOG_TICKS: a log line on every tick, not only changes and the summary. */
  logTicks: boolean;
  /** WATCHER_LOG_SUMMARY_SECONDS: a one-line summary this often (ms); 0: never. */
  summaryMs: number;
  leaderElection: { enabled: boolean; leaseName: string; identity: string; leaseDurationSeconds: number };
}

/** The environment variable behind each policy setting, so a policy problem names what to fix. */
const POLICY_VARIABLES: SettingNames = {
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
  minSuccessRate: 'WATCHER_MIN_SUCCESS_RATE',
  healthSamples: 'WATCHER_HEALTH_SAMPLES',
  minHealthRequests: 'WATCHER_HEALTH_MIN_REQUESTS',
  healthCooldownMs: 'WATCHER_HEALTH_COOLDOWN_SECONDS',
  maxLatencyMs: 'WATCHER_MAX_LATENCY_MS',
  stepPercent: 'WATCHER_STEP_PERCENT',
  stepMs: 'WATCHER_STEP_SECONDS',
  noDataHoldMs: 'WATCHER_NO_DATA_HOLD_SECONDS',
};

const DAY_SECONDS = 86_400;

/**
 * The least and most each duration setting accepts, in seconds. Beyond Node's timer limit
 * (2^31 - 1 ms, about 24.8 days) a timer fires at once: an interval of 3000000 s became a 1 ms
 * loop, a query timeout of 3000000 s timed out every query at once. The maxima are far below
 * that and above anything useful (see README.md, Configuration).
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
} as const;

/** A duration setting in seconds, within its DURATION_BOUNDS. */
function envSeconds(env: Env, name: keyof typeof DURATION_BOUNDS, fallback: number): number {
  return envNumber(env, name, fallback, DURATION_BOUNDS[name]);
}

/** The health gate, the steps and the no-data hold (see README.md for why each default). */
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

/** `destination_cluster` of the burst side: a label value, kept to what cluster names can be. */
function burstCluster(env: Env): string {
  const cluster = envString(env, 'BURST_CLUSTER', CLUSTER_NAMES.burst);
  if (!/^[A-Za-z0-9]([A-Za-z0-9_.:-]{0,252})$/.test(cluster))
    throw new ConfigError(
      `BURST_CLUSTER="${cluster}" is not valid: expected a cluster name (letters, digits, _ . : -), as Istio reports destination_cluster`,
    );
  return cluster;
}

/** The rate's freshness: given, or for the default query the newest sample time of its series. */
function freshnessQuery(env: Env, customQuery: string | undefined): string | undefined {
  return (
    envOptional(env, 'WATCHER_FRESHNESS_QUERY') ?? (customQuery === undefined ? defaultFreshnessQuery() : undefined)
  );
}

function healthQueries(env: Env, rateWindow: string, cluster: string, latency: boolean): HealthQueries {
  const custom = envOptional(env, 'WATCHER_BURST_HEALTH_QUERY');
  return custom !== undefined
    ? { kind: 'custom', query: custom }
    : { kind: 'default', queries: burstHealthQueries(rateWindow, cluster), latency };
}

export const DEFAULT_PROMETHEUS_URL = 'http://prometheus.istio-system.svc.cluster.local:9090';

export function loadConfig(env: Env): WatcherConfig {
  const timeoutMs = envSeconds(env, 'WATCHER_QUERY_TIMEOUT_SECONDS', 3) * 1000;
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

  const safety = burstSafetySettings(env);
  const cluster = burstCluster(env);
  const sourceKind = envChoice(env, 'WATCHER_SOURCE', ['prometheus', 'scrape'] as const, 'prometheus');
  const customQuery = envOptional(env, 'WATCHER_QUERY');
  const source: SourceConfig =
    sourceKind === 'prometheus'
      ? {
          kind: 'prometheus',
          url: envUrl(env, 'PROMETHEUS_URL', DEFAULT_PROMETHEUS_URL).replace(/\/+$/, ''),
          query: customQuery ?? defaultWatcherQuery(rateWindow),
          freshnessQuery: freshnessQuery(env, customQuery),
          health: healthQueries(env, rateWindow, cluster, safety.maxLatencyMs !== undefined),
          timeoutMs,
          rateWindowSeconds,
        }
      : {
          kind: 'scrape',
          url: envUrl(env, 'WATCHER_SCRAPE_URL', undefined),
          rateWindowSeconds,
          timeoutMs,
          burstCluster: cluster,
        };

  const samplesUp = envNumber(env, 'WATCHER_SAMPLES', 3, { min: 1, integer: true });
  const dwellUpSeconds = envSeconds(env, 'WATCHER_MIN_DWELL_SECONDS', 30);
  const policy: PolicySettings = {
    ...safety,
    mode: envChoice(env, 'WATCHER_MODE', ['switch', 'spill'] as const, 'switch'),
    highRps: envNumber(env, 'BURST_HIGH_RPS', 15, { min: 0 }),
    lowRps: envNumber(env, 'BURST_LOW_RPS', 10, { min: 0 }),
    primaryCapacityRps: envNumber(env, 'PRIMARY_CAPACITY_RPS', 15, { min: 0 }),
    weightStep: envNumber(env, 'WEIGHT_STEP', 10, { min: 1, max: 100, integer: true }),
    samplesUp,
    samplesDown: envNumber(env, 'WATCHER_SAMPLES_DOWN', samplesUp, { min: 1, integer: true }),
    minDwellUpMs: dwellUpSeconds * 1000,
    minDwellDownMs: envSeconds(env, 'WATCHER_MIN_DWELL_DOWN_SECONDS', dwellUpSeconds) * 1000,
    failsafe: envChoice(env, 'WATCHER_FAILSAFE', ['hold', 'natural'] as const, 'hold'),
    failsafeAfter: envNumber(env, 'WATCHER_FAILSAFE_AFTER', 10, { min: 1, integer: true }),
  };
  const problem = policySettingsProblem(policy, POLICY_VARIABLES);
  if (problem)
    throw new ConfigError(`${POLICY_VARIABLES[problem.setting] ?? problem.setting} is not valid: ${problem.message}`);

  const routerKind = envChoice(env, 'WATCHER_ROUTER', ['kubernetes', 'file'] as const, 'kubernetes');
  let router: RouterConfig = { kind: 'kubernetes' };
  if (routerKind === 'file') {
    const path = envOptional(env, 'WATCHER_VS_FILE');
    if (!path)
      throw new ConfigError('WATCHER_VS_FILE is not set: the file router needs the path of the VirtualService YAML');
    router = { kind: 'file', path };
  }

  const apiVersion = envString(env, 'VS_API_VERSION', 'networking.istio.io/v1');
  if (!/^[a-z0-9.-]+\/v[a-z0-9]+$/.test(apiVersion))
    throw new ConfigError(
      `VS_API_VERSION="${apiVersion}" is not valid: expected group/version such as networking.istio.io/v1`,
    );
  const virtualService: VirtualServiceRef = {
    name: envString(env, 'VS_NAME', WORKER_VIRTUAL_SERVICE),
    namespace: envString(env, 'VS_NAMESPACE', DEFAULT_NAMESPACE),
    apiVersion,
    subsets: {
      primary: envString(env, 'VS_PRIMARY_SUBSET', DEFAULT_SUBSETS.primary),
      burst: envString(env, 'VS_BURST_SUBSET', DEFAULT_SUBSETS.burst),
    },
  };
  if (virtualService.subsets.primary === virtualService.subsets.burst)
    throw new ConfigError('VS_BURST_SUBSET must differ from VS_PRIMARY_SUBSET');

  const dryRun = envBoolean(env, 'WATCHER_DRY_RUN', false);
  const intervalMs = envSeconds(env, 'WATCHER_INTERVAL_SECONDS', 1) * 1000;
  return {
    port: envPort(env, 'PORT', PORTS.istiowatcher),
    intervalMs,
    // A dry run keeps the weights it would have set as its state; re-reading would undo that.
    resyncMs: dryRun ? 0 : envSeconds(env, 'WATCHER_RESYNC_SECONDS', 30) * 1000,
    source,
    policy,
    router,
    virtualService,
    dryRun,
    logTicks: envBoolean(env, 'WATCHER_LOG_TICKS', false),
    summaryMs: envSeconds(env, 'WATCHER_LOG_SUMMARY_SECONDS', 30) * 1000,
    leaderElection: {
      // Only the Kubernetes router has replicas to coordinate; a dry run writes nothing, not even a Lease.
      enabled: envBoolean(env, 'WATCHER_LEADER_ELECTION', true) && routerKind === 'kubernetes' && !dryRun,
      leaseName: LEADER_LEASE_NAME,
      identity: envOptional(env, 'POD_NAME') ?? hostname(),
      leaseDurationSeconds: envSeconds(env, 'WATCHER_LEASE_DURATION_SECONDS', 15),
    },
  };
}
