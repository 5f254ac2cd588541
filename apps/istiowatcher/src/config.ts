// The watcher's whole configuration, read once from the environment and validated: a bad value
// stops the program at start with a message naming the variable (see README.md for the table).
import { hostname } from 'node:os';
import {
  ConfigError,
  envBoolean,
  envChoice,
  envOptional,
  envPort,
  envString,
  envUrl,
  type Env,
} from '@string-hashr/runtime';
import {
  CLUSTER_NAMES,
  DEFAULT_NAMESPACE,
  DEFAULT_ROUTE_KIND,
  DEFAULT_SUBSETS,
  LEADER_LEASE_NAME,
  PORTS,
  ROUTE_KIND_NAMES,
  WORKER_ROUTE_NAMES,
  routeApiVersion,
  type RouteKind,
  type SubsetNames,
} from '@string-hashr/contract';
import { httpRouteFlavour, virtualServiceFlavour, type RouteFlavour } from '@string-hashr/kube-objects';
import { burstHealthQueries, defaultFreshnessQuery, defaultWatcherQuery } from '@string-hashr/metric-reading';
import type { PolicySettings } from '@string-hashr/policy';
import { envSeconds, policySettingsFromEnv, readTimingFromEnv } from '@string-hashr/watcher-settings';
import type { HealthQueries } from './sources/prometheus.js';

export { DURATION_BOUNDS } from '@string-hashr/watcher-settings';

/** The worker route the watcher owns: a VirtualService (subsets) or an HTTPRoute (backend Services). */
export interface RouteRef {
  kind: RouteKind;
  name: string;
  namespace: string;
  /** `group/version`, e.g. `networking.istio.io/v1`. */
  apiVersion: string;
  /** A VirtualService's subsets; an HTTPRoute's backends are the contract's (WORKER_BACKENDS). */
  subsets: SubsetNames;
}

/** Where the route keeps its two weights. */
export function flavourOfRoute(route: Pick<RouteRef, 'kind' | 'subsets'>): RouteFlavour {
  return route.kind === 'HTTPRoute' ? httpRouteFlavour() : virtualServiceFlavour(route.subsets);
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
  | {
      kind: 'scrape';
      url: string;
      rateWindowSeconds: number;
      timeoutMs: number;
      burstCluster: string;
      routeKind: RouteKind;
    };

export type RouterConfig = { kind: 'kubernetes' } | { kind: 'file'; path: string };

export interface WatcherConfig {
  port: number;
  intervalMs: number;
  /** Re-read the live weights this often (ms) to notice edits by others; 0: never. */
  resyncMs: number;
  source: SourceConfig;
  policy: PolicySettings;
  router: RouterConfig;
  route: RouteRef;
  dryRun: boolean;
  /** WATCHER_LOG_TICKS: a log line on every tick, not only changes and the summary. */
  logTicks: boolean;
  /** WATCHER_LOG_SUMMARY_SECONDS: a one-line summary this often (ms); 0: never. */
  summaryMs: number;
  leaderElection: { enabled: boolean; leaseName: string; identity: string; leaseDurationSeconds: number };
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
function freshnessQuery(env: Env, customQuery: string | undefined, kind: RouteKind): string | undefined {
  return (
    envOptional(env, 'WATCHER_FRESHNESS_QUERY') ?? (customQuery === undefined ? defaultFreshnessQuery(kind) : undefined)
  );
}

function healthQueries(
  env: Env,
  rateWindow: string,
  cluster: string,
  latency: boolean,
  kind: RouteKind,
): HealthQueries {
  const custom = envOptional(env, 'WATCHER_BURST_HEALTH_QUERY');
  return custom !== undefined
    ? { kind: 'custom', query: custom }
    : { kind: 'default', queries: burstHealthQueries(rateWindow, cluster, kind), latency };
}

/**
 * A setting under its name and, for a VirtualService, its older `VS_*` name: both set and
 * different is refused, and with an HTTPRoute the older name is refused (it names a VirtualService).
 */
function renamed(env: Env, kind: RouteKind, name: string, older: string): string | undefined {
  const value = envOptional(env, name);
  const olderValue = envOptional(env, older);
  if (olderValue === undefined) return value;
  if (kind !== 'VirtualService')
    throw new ConfigError(
      `${older} is set, but it names a VirtualService and WATCHER_ROUTE_KIND is ${kind}: set ${name} instead`,
    );
  if (value !== undefined && value !== olderValue)
    throw new ConfigError(
      `${name}="${value}" and ${older}="${olderValue}" disagree: ${older} is the older name of ${name}; set only ${name}`,
    );
  return value ?? olderValue;
}

/** WATCHER_ROUTE_KIND and the object of that kind: ROUTE_NAME, ROUTE_NAMESPACE, and for a VirtualService its subsets. */
function routeRef(env: Env): RouteRef {
  const kind = envChoice(env, 'WATCHER_ROUTE_KIND', ROUTE_KIND_NAMES, DEFAULT_ROUTE_KIND);
  let apiVersion = routeApiVersion(kind);
  const subsets = { ...DEFAULT_SUBSETS };
  if (kind === 'VirtualService') {
    apiVersion = envString(env, 'VS_API_VERSION', apiVersion);
    if (!/^[a-z0-9.-]+\/v[a-z0-9]+$/.test(apiVersion))
      throw new ConfigError(
        `VS_API_VERSION="${apiVersion}" is not valid: expected group/version such as networking.istio.io/v1`,
      );
    subsets.primary = envString(env, 'VS_PRIMARY_SUBSET', DEFAULT_SUBSETS.primary);
    subsets.burst = envString(env, 'VS_BURST_SUBSET', DEFAULT_SUBSETS.burst);
    if (subsets.primary === subsets.burst) throw new ConfigError('VS_BURST_SUBSET must differ from VS_PRIMARY_SUBSET');
  } else {
    for (const name of ['VS_API_VERSION', 'VS_PRIMARY_SUBSET', 'VS_BURST_SUBSET'])
      if (envOptional(env, name) !== undefined)
        throw new ConfigError(`${name} is set, but it applies to a VirtualService and WATCHER_ROUTE_KIND is ${kind}`);
  }
  return {
    kind,
    name: renamed(env, kind, 'ROUTE_NAME', 'VS_NAME') ?? WORKER_ROUTE_NAMES[kind],
    namespace: renamed(env, kind, 'ROUTE_NAMESPACE', 'VS_NAMESPACE') ?? DEFAULT_NAMESPACE,
    apiVersion,
    subsets,
  };
}

export const DEFAULT_PROMETHEUS_URL = 'http://prometheus.istio-system.svc.cluster.local:9090';

export function loadConfig(env: Env): WatcherConfig {
  const timeoutMs = envSeconds(env, 'WATCHER_QUERY_TIMEOUT_SECONDS', 3) * 1000;
  const { intervalMs, rateWindow, rateWindowSeconds } = readTimingFromEnv(env);
  const policy = policySettingsFromEnv(env);
  const cluster = burstCluster(env);
  const route = routeRef(env);
  const sourceKind = envChoice(env, 'WATCHER_SOURCE', ['prometheus', 'scrape'] as const, 'prometheus');
  const customQuery = envOptional(env, 'WATCHER_QUERY');
  const source: SourceConfig =
    sourceKind === 'prometheus'
      ? {
          kind: 'prometheus',
          url: envUrl(env, 'PROMETHEUS_URL', DEFAULT_PROMETHEUS_URL).replace(/\/+$/, ''),
          query: customQuery ?? defaultWatcherQuery(rateWindow, route.kind),
          freshnessQuery: freshnessQuery(env, customQuery, route.kind),
          health: healthQueries(env, rateWindow, cluster, policy.maxLatencyMs !== undefined, route.kind),
          timeoutMs,
          rateWindowSeconds,
        }
      : {
          kind: 'scrape',
          url: envUrl(env, 'WATCHER_SCRAPE_URL', undefined),
          rateWindowSeconds,
          timeoutMs,
          burstCluster: cluster,
          routeKind: route.kind,
        };

  const routerKind = envChoice(env, 'WATCHER_ROUTER', ['kubernetes', 'file'] as const, 'kubernetes');
  let router: RouterConfig = { kind: 'kubernetes' };
  if (routerKind === 'file') {
    const path = renamed(env, route.kind, 'WATCHER_ROUTE_FILE', 'WATCHER_VS_FILE');
    if (!path)
      throw new ConfigError(`WATCHER_ROUTE_FILE is not set: the file router needs the path of the ${route.kind} YAML`);
    router = { kind: 'file', path };
  }

  const dryRun = envBoolean(env, 'WATCHER_DRY_RUN', false);
  return {
    port: envPort(env, 'PORT', PORTS.istiowatcher),
    intervalMs,
    // A dry run keeps the weights it would have set as its state; re-reading would undo that.
    resyncMs: dryRun ? 0 : envSeconds(env, 'WATCHER_RESYNC_SECONDS', 30) * 1000,
    source,
    policy,
    router,
    route,
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
