import path from 'node:path';
import type { StackConfig, StackPorts } from './config.js';
import {
  BURST_PREFIX,
  CONTROL_PLANE_LINES,
  POD_SCRAPE_JOB,
  ROUTE_KINDS,
  WATCHER_STATUS_PATH,
  WORKER_ROUTE_NAMES,
  readControlPlaneAnnouncement,
  routeCrdName,
  type ControlPlaneEndpoints,
} from '@string-hashr/contract';
import { LOCAL_RULE_FILE, LOCAL_WATCHER_POD_LABELS } from './alerts.js';
import { localRedisServerArgs } from '@string-hashr/redis';

/** One process of the local stack: how to start it and how to know it is up. */
export interface Component {
  name: string;
  command: string;
  args: string[];
  env: Record<string, string>;
  /** Polled until it answers 2xx (or, for Redis, PONG; or until what it printed says it is ready). */
  health:
    | { kind: 'http'; url: string }
    | { kind: 'redis'; host: string; port: number }
    | { kind: 'output'; ready: (output: string) => boolean };
  /** A hang guard on its start, when 30 s is not one (a first build of the control plane). */
  readyWithinMs?: number;
  /** How long its SIGTERM may take before SIGKILL, when 8 s is too short (the control plane stops two servers). */
  stopWithinMs?: number;
  /** What the status block shows for it. */
  shows: string;
}

export interface StackFacts {
  repoRoot: string;
  stateDir: string;
  node: string;
  /** Set when nothing answered at REDIS_URL: we run our own redis-server on this port. */
  ownRedis?: { binary: string; port: number };
  redisUrl: string;
  /** Set when Prometheus runs. */
  prometheusBinary?: string;
  /** The worker route (of config.routeKind) the stand-in follows and the watcher rewrites. */
  routeFile: string;
  /** Set with LOCAL_ROUTER=kubernetes: the control plane's port and the watcher's kubeconfig. */
  kubernetes?: { apiServerPort: number; watcherKubeconfig: string };
}

/** The control plane's component name: main.ts creates the watcher's objects once it is up. */
export const CONTROL_PLANE = 'control-plane';

const local = (port: number) => `http://127.0.0.1:${port}`;

/**
 * The processes of the local burst stack, in start order. The frontend talks to the mesh
 * stand-in as it would to `worker-service`; the watcher reads Prometheus (or scrapes the stand-in
 * directly when there is no Prometheus) and rewrites the route file (a VirtualService or an
 * HTTPRoute) the stand-in follows.
 */
export function planStack(config: StackConfig, facts: StackFacts): Component[] {
  const { ports } = config;
  const app = (name: string) => path.join(facts.repoRoot, 'dist/apps', name, 'main.js');
  const components: Component[] = [];
  if (facts.kubernetes) {
    // `npm run control-plane`'s own code: it builds once if needed (many minutes), then starts.
    components.push({
      name: CONTROL_PLANE,
      command: facts.node,
      args: [
        path.join(facts.repoRoot, 'tools/build/run-ts.mjs'),
        path.join(facts.repoRoot, 'tools/control-plane/src/main.ts'),
        '--apiserver-port',
        String(facts.kubernetes.apiServerPort),
        // Only the route kind's CRD: each costs the API server CPU to install, and nothing else is used here.
        '--crds',
        routeCrdName(config.routeKind),
        // LOCAL_STACK_BUILD=false: use the build that is there, or stop naming how to make it.
        ...(config.build ? [] : ['--no-build']),
      ],
      env: {},
      health: { kind: 'output', ready: (output) => readControlPlaneAnnouncement(output) !== undefined },
      readyWithinMs: 60 * 60_000,
      // Its own stop gives each server 15 s before SIGKILL; killed early, it would leave them running.
      stopWithinMs: 40_000,
      shows: `https://127.0.0.1:${facts.kubernetes.apiServerPort} (etcd and kube-apiserver, tools/control-plane)`,
    });
  }
  if (facts.ownRedis) {
    components.push({
      name: 'redis',
      command: facts.ownRedis.binary,
      args: localRedisServerArgs(facts.ownRedis.port, facts.stateDir),
      env: {},
      health: { kind: 'redis', host: '127.0.0.1', port: facts.ownRedis.port },
      shows: `127.0.0.1:${facts.ownRedis.port} (own redis-server)`,
    });
  }
  const worker = (name: string, port: number, prefix: string): Component => ({
    name,
    command: facts.node,
    args: [app('worker')],
    env: { PORT: String(port), REDIS_URL: facts.redisUrl, PREFIX: prefix },
    health: { kind: 'http', url: `${local(port)}/_healthz` },
    shows: `${local(port)}${prefix ? ` (PREFIX=${prefix})` : ''}`,
  });
  components.push(worker('worker', ports.worker, ''), worker('burst-worker', ports.burstWorker, BURST_PREFIX));
  components.push({
    name: 'mesh',
    command: facts.node,
    args: [path.join(facts.repoRoot, 'tools/build/run-ts.mjs'), path.join(facts.repoRoot, 'tools/mesh/src/main.ts')],
    env: {
      MESH_PORT: String(ports.mesh),
      MESH_ROUTE_FILE: facts.routeFile,
      MESH_PRIMARY_URL: local(ports.worker),
      MESH_BURST_URL: local(ports.burstWorker),
      // The stack prints each change under its status block, from the watcher: one line, not two.
      MESH_LOG_WEIGHTS: 'false',
    },
    health: { kind: 'http', url: `${local(ports.mesh)}/stats/prometheus` },
    shows: `${local(ports.mesh)} (weights from the ${config.routeKind} ${facts.kubernetes ? 'on the API server, followed into' : 'in'} ${facts.routeFile})`,
  });
  components.push({
    name: 'frontend',
    command: facts.node,
    args: [app('frontend')],
    env: {
      PORT: String(ports.frontend),
      REDIS_URL: facts.redisUrl,
      PROCESSOR_URL: local(ports.mesh),
      // The page shows what the watcher decides and why.
      WATCHER_STATUS_URL: `${local(ports.watcher)}${WATCHER_STATUS_PATH}`,
    },
    health: { kind: 'http', url: `${local(ports.frontend)}/_healthz` },
    shows: local(ports.frontend),
  });
  const scrapeUrl = `${local(ports.mesh)}/stats/prometheus`;
  if (facts.prometheusBinary) {
    components.push({
      name: 'prometheus',
      command: facts.prometheusBinary,
      args: [
        `--config.file=${path.join(facts.stateDir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${path.join(facts.stateDir, 'prometheus-data')}`,
        `--web.listen-address=127.0.0.1:${ports.prometheus}`,
        '--log.level=warn',
      ],
      env: {},
      health: { kind: 'http', url: `${local(ports.prometheus)}/-/ready` },
      shows: `${local(ports.prometheus)} (scrapes the mesh stand-in, the watcher and the frontend every 1 s; burst alert rules loaded)`,
    });
  }
  components.push({
    name: 'istiowatcher',
    command: facts.node,
    args: [app('istiowatcher')],
    env: {
      ...config.watcherEnv,
      PORT: String(ports.watcher),
      WATCHER_ROUTE_KIND: config.routeKind,
      ...(facts.kubernetes
        ? // As in a cluster: its ServiceAccount, its Lease, its Events.
          {
            WATCHER_ROUTER: 'kubernetes',
            KUBECONFIG: facts.kubernetes.watcherKubeconfig,
            POD_NAME: 'istiowatcher-local',
          }
        : { WATCHER_ROUTER: 'file', WATCHER_ROUTE_FILE: facts.routeFile, WATCHER_LEADER_ELECTION: 'false' }),
      ...(facts.prometheusBinary
        ? { WATCHER_SOURCE: 'prometheus', PROMETHEUS_URL: local(ports.prometheus) }
        : { WATCHER_SOURCE: 'scrape', WATCHER_SCRAPE_URL: scrapeUrl }),
    },
    health: { kind: 'http', url: `${local(ports.watcher)}/healthz` },
    shows: `${local(ports.watcher)}${WATCHER_STATUS_PATH} (${facts.prometheusBinary ? 'reads Prometheus' : 'scrapes the mesh stand-in directly'}, ${facts.kubernetes ? 'kubernetes router as ServiceAccount istiowatcher' : 'file router'} on the ${config.routeKind}; also /metrics)`,
  });
  return components;
}

/**
 * Prometheus's configuration, every second: the stand-in's Envoy-style metrics (what the watcher
 * reads), and the watcher's and the frontend's own /metrics (what the Grafana dashboard also shows).
 * The watcher is scraped as Istio's addon scrapes its pod (job and labels), so the burst alert
 * rules (LOCAL_RULE_FILE, beside this file) select it as in a cluster.
 */
export function prometheusConfig(ports: Pick<StackPorts, 'mesh' | 'watcher' | 'frontend'>): string {
  const job = (name: string, metricsPath: string, port: number, labels: Record<string, string> = {}) => [
    `  - job_name: ${name}`,
    `    metrics_path: ${metricsPath}`,
    '    static_configs:',
    `      - targets: ['127.0.0.1:${port}']`,
    ...(Object.keys(labels).length ? [`        labels: ${JSON.stringify(labels)}`] : []),
  ];
  return [
    'global:',
    '  scrape_interval: 1s',
    '  evaluation_interval: 1s',
    'rule_files:',
    `  - ${LOCAL_RULE_FILE}`,
    'scrape_configs:',
    ...job('mesh', '/stats/prometheus', ports.mesh),
    ...job(POD_SCRAPE_JOB, '/metrics', ports.watcher, LOCAL_WATCHER_POD_LABELS),
    ...job('frontend', '/metrics', ports.frontend),
    '',
  ].join('\n');
}

/** The block printed once everything is up; with the local API server, the kubeconfig to use it with. */
export function statusBlock(
  config: StackConfig,
  components: Component[],
  off: string[],
  apiServer?: Pick<ControlPlaneEndpoints, 'kubeconfig' | 'bin'>,
): string {
  const width = Math.max(...components.map((c) => c.name.length));
  const policy = config.watcherPolicy;
  const spill = policy.mode === 'spill' ? ` (spill: primary keeps ${policy.primaryCapacityRps} req/s)` : '';
  const lines = [
    '',
    '==================== String Hashr is running ====================',
    `  Open the page:  ${local(config.ports.frontend)}`,
    '',
    ...components.map((c) => `  ${c.name.padEnd(width)}  ${c.shows}`),
    ...(off.length ? ['', ...off.map((o) => `  off: ${o}`)] : []),
    ...(apiServer
      ? [
          '',
          `  kubectl (${apiServer.bin}/kubectl is of the server's version) with this admin kubeconfig:`,
          `${CONTROL_PLANE_LINES.kubeconfig}=${apiServer.kubeconfig}`,
          `  e.g. kubectl get ${ROUTE_KINDS[config.routeKind].plural} ${WORKER_ROUTE_NAMES[config.routeKind]} -o yaml`,
        ]
      : []),
    '',
    `  Type a rate above ${policy.highRps} req/s to see bursty- hashes${spill}; Ctrl-C stops everything.`,
    '  Each weight change the watcher makes is printed below as one line, with its reason,',
    '  and each burst alert that starts or stops firing (with Prometheus).',
    '=================================================================',
    '',
  ];
  return lines.join('\n');
}
