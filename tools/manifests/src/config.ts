import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { alertSettingsProblems, type AlertSettings } from '@string-hashr/alerts';

/** The generator's whole input: tools/manifests/config.yaml, then any flags over it. */
export interface ManifestConfig {
  registry: string;
  tag: string;
  redisImage: string;
  namespace: string;
  clusters: { primary: string; burst: string };
  mesh: { meshId: string; network: string };
  burstPrefix: string;
  replicas: { frontend: number; workerPrimary: number; redis: number; istiowatcher: number };
  burstAutoscaling: {
    minReplicas: number;
    maxReplicas: number;
    targetCpuUtilization: number;
    scaleDownStabilizationSeconds: number;
    /** The window while the watcher holds minReplicas (BURST_WARM=min-replicas). */
    warmScaleDownStabilizationSeconds: number;
  };
  frontend: {
    maxRate: number;
    /**
     * The frontend relays the watcher's `GET /status` to the pages: it gets WATCHER_STATUS_URL,
     * the watcher gets a Service for its admin port, and the AuthorizationPolicy and the
     * NetworkPolicies let the frontend (and only it) reach that path.
     */
    readsWatcherStatus?: boolean;
  };
  /**
   * The shared VPC's range and each cluster's pod range: traffic between the clusters may come only
   * from the other cluster's pods, and the east-west gateway answers only inside the VPC.
   */
  network: { vpcRange: string; podRanges: { primary: string; burst: string } };
  /** Which flavour `kubectl apply -k` deploys; both are generated (layout.ts). */
  routing: Routing;
  /** The mesh's own reaction to a failing worker, in both flavours (safety-net.ts). */
  safetyNet: SafetyNet;
  /** The watcher's environment, by variable name. */
  watcher: Record<string, string>;
  /** The alerting rules' timings and runbook (libs/alerts). */
  alerts: AlertSettings;
}

/** The worker route: an Istio VirtualService with subsets, or a Gateway API HTTPRoute with a backend Service per cluster. */
export const ROUTINGS = ['virtualservice', 'gateway-api'] as const;
export type Routing = (typeof ROUTINGS)[number];

export interface SafetyNet {
  outlierDetection: {
    consecutive5xxErrors: number;
    consecutiveGatewayErrors: number;
    interval: string;
    baseEjectionTime: string;
    maxEjectionPercent: number;
    minHealthPercent: number;
  };
  /** Istio duration: the whole call, retries included. */
  requestTimeout: string;
  retries: { attempts: number; perTryTimeout: string; retryOn: string };
}

/**
 * The retry conditions that cannot repeat a publish: the request never reached a worker
 * (connect-failure, refused-stream), or the worker said 503, which it answers only when nothing
 * was published. `5xx`, `gateway-error` and `reset` also fire after a worker may have published.
 */
export const SAFE_RETRY_ON = ['connect-failure', 'refused-stream', 'retriable-status-codes', '503'] as const;

const DURATION = /^(\d+(h|m|s|ms))+$/;

function safetyNetProblems(net: SafetyNet | undefined): string[] {
  if (!net) return ['safetyNet is missing'];
  const problems: string[] = [];
  const od = net.outlierDetection ?? ({} as SafetyNet['outlierDetection']);
  const count = (key: 'consecutive5xxErrors' | 'consecutiveGatewayErrors') => {
    if (!Number.isInteger(od[key]) || od[key] < 1)
      problems.push(`safetyNet.outlierDetection.${key} must be an integer >= 1`);
  };
  count('consecutive5xxErrors');
  count('consecutiveGatewayErrors');
  for (const key of ['maxEjectionPercent', 'minHealthPercent'] as const)
    if (!Number.isInteger(od[key]) || od[key] < 0 || od[key] > 100)
      problems.push(`safetyNet.outlierDetection.${key} must be an integer 0..100`);
  if (od.maxEjectionPercent === 100)
    problems.push('safetyNet.outlierDetection.maxEjectionPercent 100 could eject every worker: keep it below');
  for (const [key, value] of [
    ['outlierDetection.interval', od.interval],
    ['outlierDetection.baseEjectionTime', od.baseEjectionTime],
    ['requestTimeout', net.requestTimeout],
    ['retries.perTryTimeout', net.retries?.perTryTimeout],
  ] as const)
    if (!DURATION.test(String(value ?? '')))
      problems.push(`safetyNet.${key} "${value}" is not a duration (10s, 500ms)`);
  if (!Number.isInteger(net.retries?.attempts) || net.retries.attempts < 0 || net.retries.attempts > 5)
    problems.push('safetyNet.retries.attempts must be an integer 0..5');
  const unsafe = String(net.retries?.retryOn ?? '')
    .split(',')
    .filter((c) => !(SAFE_RETRY_ON as readonly string[]).includes(c.trim()));
  if (unsafe.length)
    problems.push(
      `safetyNet.retries.retryOn may hold only ${SAFE_RETRY_ON.join(', ')}: "${unsafe.join(',')}" could retry a request the worker already published`,
    );
  return problems;
}

export interface CliOptions {
  config: string;
  out: string;
  /** Compare with the files on disk instead of writing; exit 1 on any difference. */
  check: boolean;
  overrides: Partial<Pick<ManifestConfig, 'registry' | 'tag' | 'namespace' | 'burstPrefix'>> & {
    /** The clusters' real pod ranges, which tools/cluster/deploy.sh reads from GKE. */
    podRanges?: Partial<ManifestConfig['network']['podRanges']>;
  };
}

export const DEFAULT_CONFIG_PATH = 'tools/manifests/config.yaml';

const USAGE = `usage: npm run manifests -- [--config file] [--out dir] [--registry r] [--tag t] [--namespace ns] [--burst-prefix p] [--primary-pod-range cidr] [--burst-pod-range cidr] [--check]`;

export function parseArgs(argv: string[]): CliOptions {
  const options: CliOptions = { config: DEFAULT_CONFIG_PATH, out: '.', check: false, overrides: {} };
  const flags: Record<string, (value: string) => void> = {
    '--config': (v) => (options.config = v),
    '--out': (v) => (options.out = v),
    '--registry': (v) => (options.overrides.registry = v),
    '--tag': (v) => (options.overrides.tag = v),
    '--namespace': (v) => (options.overrides.namespace = v),
    '--burst-prefix': (v) => (options.overrides.burstPrefix = v),
    '--primary-pod-range': (v) => (options.overrides.podRanges = { ...options.overrides.podRanges, primary: v }),
    '--burst-pod-range': (v) => (options.overrides.podRanges = { ...options.overrides.podRanges, burst: v }),
  };
  for (let i = 0; i < argv.length; i++) {
    const [name = '', inline] = (argv[i] ?? '').split(/=(.*)/s, 2);
    if (name === '--check') {
      options.check = true;
      continue;
    }
    const set = flags[name];
    const value = inline ?? argv[++i];
    if (!set || value === undefined)
      throw new Error(`unknown or incomplete argument "${argv[i - (inline ? 0 : 1)] ?? name}"\n${USAGE}`);
    set(value);
  }
  return options;
}

/** The flags that change the output, as they would be typed again (for the generated-by line). */
export function overrideArgs(overrides: CliOptions['overrides']): string[] {
  const names = {
    registry: '--registry',
    tag: '--tag',
    namespace: '--namespace',
    burstPrefix: '--burst-prefix',
  } as const;
  const ranges = overrides.podRanges ?? {};
  return [
    ...(Object.keys(names) as Array<keyof typeof names>)
      .filter((k) => overrides[k] !== undefined)
      .flatMap((k) => [names[k], String(overrides[k])]),
    ...(ranges.primary !== undefined ? ['--primary-pod-range', ranges.primary] : []),
    ...(ranges.burst !== undefined ? ['--burst-pod-range', ranges.burst] : []),
  ];
}

const IMAGE_TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
/** A third-party image named by digest: `name[:tag]@sha256:<64 hex>`. */
const PINNED_IMAGE = /^[a-z0-9./-]+(:[\w.-]+)?@sha256:[0-9a-f]{64}$/;
const CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

/** Whether `text` is an IPv4 CIDR whose address has no bits past the prefix (as NetworkPolicy wants). */
export function isCidr(text: unknown): boolean {
  const m = typeof text === 'string' ? CIDR.exec(text) : null;
  if (!m) return false;
  const [a, b, c, d, bits] = m.slice(1).map(Number) as [number, number, number, number, number];
  if ([a, b, c, d].some((octet) => octet > 255) || bits > 32) return false;
  const address = ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;
  const host = bits === 32 ? 0 : 0xffffffff >>> bits;
  return (address & host) === 0;
}
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Reads the config file, applies the overrides and checks what would make broken manifests. */
export function loadConfig(path: string, overrides: CliOptions['overrides'] = {}): ManifestConfig {
  const { podRanges, ...plain } = overrides;
  const config = { ...(parse(readFileSync(path, 'utf8')) as ManifestConfig), ...plain };
  if (podRanges) config.network = { ...config.network, podRanges: { ...config.network?.podRanges, ...podRanges } };
  const problems: string[] = [];
  if (!config.registry || /[A-Z\s]/.test(config.registry) || config.registry.endsWith('/'))
    problems.push(`registry "${config.registry}" is not an image repository prefix`);
  if (!IMAGE_TAG.test(String(config.tag ?? ''))) problems.push(`tag "${config.tag}" is not a valid image tag`);
  if (config.tag === 'latest') problems.push('tag "latest" is not allowed: deploy a tag that names one build');
  if (!PINNED_IMAGE.test(config.redisImage ?? ''))
    problems.push(`redisImage "${config.redisImage}" must be pinned by digest (name:tag@sha256:<64 hex>)`);
  if (!DNS_LABEL.test(config.namespace ?? '')) problems.push(`namespace "${config.namespace}" is not a DNS label`);
  for (const key of ['primary', 'burst'] as const)
    if (!DNS_LABEL.test(config.clusters?.[key] ?? '')) problems.push(`clusters.${key} is not a DNS label`);
  if (typeof config.burstPrefix !== 'string') problems.push('burstPrefix must be a string');
  if (!isCidr(config.network?.vpcRange)) problems.push(`network.vpcRange "${config.network?.vpcRange}" is not a CIDR`);
  for (const key of ['primary', 'burst'] as const)
    if (!isCidr(config.network?.podRanges?.[key]))
      problems.push(`network.podRanges.${key} "${config.network?.podRanges?.[key]}" is not a CIDR`);
  if (!(ROUTINGS as readonly string[]).includes(config.routing))
    problems.push(`routing "${config.routing}" is not one of ${ROUTINGS.join(', ')}`);
  problems.push(...safetyNetProblems(config.safetyNet));
  for (const key of ['scaleDownStabilizationSeconds', 'warmScaleDownStabilizationSeconds'] as const) {
    const seconds = config.burstAutoscaling?.[key];
    if (!Number.isInteger(seconds) || seconds < 0 || seconds > 3600)
      problems.push(`burstAutoscaling.${key} must be whole seconds from 0 to 3600 (the HPA's bounds)`);
  }
  for (const [key, value] of Object.entries(config.watcher ?? {}))
    if (typeof value !== 'string') problems.push(`watcher.${key} must be a string (quote numbers and booleans)`);
  problems.push(...alertSettingsProblems(config.alerts));
  if (problems.length) throw new Error(`${path}: ${problems.join('; ')}`);
  config.tag = String(config.tag);
  return config;
}

export function imageOf(config: ManifestConfig, app: 'frontend' | 'worker' | 'istiowatcher'): string {
  return `${config.registry}/${app}:${config.tag}`;
}
