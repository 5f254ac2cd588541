/**
 * Who talks to whom: the one list the AuthorizationPolicies (L7, istio.ts) and the NetworkPolicies
 * (L3/L4, network-policies.ts) are generated from. Everything not listed is denied at both layers.
 */
import {
  APP_LABELS,
  MESH_PEERS,
  MESH_PORTS,
  PORTS,
  PUBLIC_PAGE_PATHS,
  SERVICE_ACCOUNTS,
  WATCHER_STATUS_PATH,
} from '@string-hashr/contract';
import type { ManifestConfig } from './config.js';
import type { ClusterRole } from './workloads.js';

export type { ClusterRole };
export type AppWorkload = 'frontend' | 'worker' | 'redis' | 'istiowatcher';
/** Istio's own workloads in istio-system (on primary). */
export type MeshPeer = 'ingressGateway' | 'prometheus';

/** Where each app workload runs: the burst cluster has only the worker. */
export const WORKLOAD_CLUSTERS: Record<AppWorkload, readonly ClusterRole[]> = {
  frontend: ['primary'],
  worker: ['primary', 'burst'],
  redis: ['primary'],
  istiowatcher: ['primary'],
};

export const WORKLOAD_PORTS: Record<AppWorkload, number> = {
  frontend: PORTS.frontend,
  worker: PORTS.worker,
  redis: PORTS.redis,
  istiowatcher: PORTS.istiowatcher,
};

const WORKLOAD_LABELS: Record<AppWorkload, string> = {
  frontend: APP_LABELS.frontend,
  worker: APP_LABELS.worker,
  redis: APP_LABELS.redis,
  istiowatcher: APP_LABELS.istiowatcher,
};

const WORKLOAD_ACCOUNTS: Record<AppWorkload, string> = {
  frontend: SERVICE_ACCOUNTS.frontend,
  worker: SERVICE_ACCOUNTS.worker,
  redis: SERVICE_ACCOUNTS.redis,
  istiowatcher: SERVICE_ACCOUNTS.istiowatcher,
};

export const appLabel = (workload: AppWorkload) => WORKLOAD_LABELS[workload];

/** What may be asked over HTTP (Istio's operation: methods and paths, `*` as prefix wildcard). */
export interface HttpOperation {
  methods: string[];
  paths: string[];
}

/** One path between two workloads, on one port of the destination. */
export interface Flow {
  /** Names the policy that allows it. */
  name: string;
  from: AppWorkload | MeshPeer;
  to: AppWorkload;
  port: number;
  /** HTTP flows say what may be asked; TCP flows (Redis) allow the port. */
  http?: HttpOperation[];
}

/** The mTLS identity of a workload, as Istio's AuthorizationPolicies name it. */
export function principalOf(config: ManifestConfig, peer: AppWorkload | MeshPeer): string {
  if (peer === 'ingressGateway' || peer === 'prometheus') {
    const { namespace, serviceAccount } = MESH_PEERS[peer];
    return `cluster.local/ns/${namespace}/sa/${serviceAccount}`;
  }
  return `cluster.local/ns/${config.namespace}/sa/${WORKLOAD_ACCOUNTS[peer]}`;
}

const PAGE_PATHS = [...PUBLIC_PAGE_PATHS.exact, ...PUBLIC_PAGE_PATHS.prefixes.map((prefix) => `${prefix}*`)];
const SOCKET_IO_PATHS = PUBLIC_PAGE_PATHS.prefixes.filter((p) => p === '/socket.io/').map((p) => `${p}*`);

/** The app's own flows: every request one of its workloads makes to another. */
export function appFlows(config: ManifestConfig): Flow[] {
  const metrics = (to: AppWorkload): Flow => ({
    name: `${appLabel(to)}-allow-prometheus`,
    from: 'prometheus',
    to,
    port: WORKLOAD_PORTS[to],
    // For a Prometheus in the mesh. Istio's addon has no sidecar and scrapes the sidecar's merged
    // metrics port instead (MESH_PORTS.mergedMetrics), which no AuthorizationPolicy covers.
    http: [{ methods: ['GET'], paths: ['/metrics'] }],
  });
  return [
    {
      name: 'frontend-allow-ingress-gateway',
      from: 'ingressGateway',
      to: 'frontend',
      port: PORTS.frontend,
      // The page, its assets and socket.io: never /metrics or /_healthz.
      http: [
        { methods: ['GET', 'HEAD'], paths: PAGE_PATHS },
        { methods: ['POST'], paths: SOCKET_IO_PATHS },
      ],
    },
    {
      name: 'worker-allow-frontend',
      from: 'frontend',
      to: 'worker',
      port: PORTS.worker,
      http: [{ methods: ['POST'], paths: ['/'] }],
    },
    { name: 'redis-allow-frontend', from: 'frontend', to: 'redis', port: PORTS.redis },
    { name: 'redis-allow-worker', from: 'worker', to: 'redis', port: PORTS.redis },
    metrics('frontend'),
    metrics('worker'),
    metrics('istiowatcher'),
    // The frontend relays the watcher's /status to the pages.
    ...(config.frontend.readsWatcherStatus ? [watcherStatusFlow()] : []),
  ];
}

/** With config.frontend.readsWatcherStatus: the frontend, and only it, may GET the watcher's /status. */
export function watcherStatusFlow(): Flow {
  return {
    name: 'istiowatcher-allow-frontend-status',
    from: 'frontend',
    to: 'istiowatcher',
    port: PORTS.istiowatcher,
    http: [{ methods: ['GET'], paths: [WATCHER_STATUS_PATH] }],
  };
}

/** Ports every sidecar of the app serves to Istio's Prometheus (merged app metrics, Envoy's stats). */
export const SCRAPED_SIDECAR_PORTS = [MESH_PORTS.mergedMetrics, MESH_PORTS.envoyStats];
