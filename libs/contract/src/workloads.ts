/**
 * The workloads as the manifests name them: the apps' ports (their config defaults), the Service
 * names in the apps' env, the labels the DestinationRule's subsets select, and the Deployment
 * name the watcher's PromQL query filters on (`source_workload="frontend-deployment"`).
 */

/** The namespace the app runs in unless the manifests are generated for another. */
export const DEFAULT_NAMESPACE = 'default';
export const PORTS = { worker: 8081, frontend: 8080, istiowatcher: 9102, redis: 6379 } as const;

export const SERVICES = {
  worker: { name: 'worker-service', port: 80 },
  frontend: { name: 'frontend-service', port: 80 },
  redis: { name: 'redis-cache-service', port: PORTS.redis },
  /** The watcher's admin port inside the mesh: the frontend reads its GET /status there. */
  istiowatcher: { name: 'istiowatcher', port: PORTS.istiowatcher },
} as const;

export const DEPLOYMENTS = {
  frontend: 'frontend-deployment',
  worker: 'worker-deployment',
  redis: 'redis-cache',
  istiowatcher: 'istiowatcher',
} as const;

/** One ServiceAccount per workload: the AuthorizationPolicies name them as mTLS principals. */
export const SERVICE_ACCOUNTS = {
  frontend: 'frontend',
  worker: 'worker',
  redis: 'redis-cache',
  istiowatcher: 'istiowatcher',
} as const;

export const APP_LABELS = {
  frontend: 'frontend',
  worker: 'worker',
  redis: 'redis-cache',
  istiowatcher: 'istiowatcher',
} as const;

/** The label the worker DestinationRule's subsets select on, and its value per cluster. */
export const CLUSTER_TYPE_LABEL = 'cluster-type';
export const CLUSTER_TYPES = { primary: 'primary-cluster', burst: 'burst-cluster' } as const;

/** The codelab's probe cookies, kept so Istio session affinity never pins a probe. */
export const PROBE_COOKIES = {
  readiness: 'istio_session-id=x-readiness-probe',
  liveness: 'istio_session-id=x-liveness-probe',
} as const;

export function fqdn(service: string, namespace: string): string {
  return `${service}.${namespace}.svc.cluster.local`;
}
