/**
 * What the cluster's locks are keyed on: the Secrets the manifests reference (created by
 * tools/cluster/deploy.sh, never committed), the part of the frontend the public Gateway routes,
 * and the mesh's own workloads that the AuthorizationPolicies and NetworkPolicies name.
 */

/** Secrets in the app's namespace (and the Gateway's certificate in istio-system). */
export const SECRETS = {
  /** RATE_CONTROL=key: the key a page presents to change the rate. */
  controlKey: { name: 'frontend-control-key', key: 'CONTROL_KEY' },
  /** Redis's requirepass, and the password in the clients' REDIS_URL (both clusters). */
  redisPassword: { name: 'redis-password', key: 'REDIS_PASSWORD' },
  /** The public Gateway's certificate (a kubernetes.io/tls Secret), where the ingress gateway reads it. */
  gatewayTls: { name: 'frontend-tls', namespace: 'istio-system' },
} as const;

/**
 * The frontend's public surface: the page, its assets and socket.io. The public Gateway routes
 * these and nothing else; `/metrics` and `/_healthz` stay inside the mesh.
 */
export const PUBLIC_PAGE_PATHS = {
  exact: ['/', '/index.html', '/app.js', '/style.css', '/favicon.ico', '/favicon.svg'],
  prefixes: ['/app/', '/vendor/', '/socket.io/'],
} as const;

export function isPublicPagePath(path: string): boolean {
  return (
    (PUBLIC_PAGE_PATHS.exact as readonly string[]).includes(path) ||
    PUBLIC_PAGE_PATHS.prefixes.some((prefix) => path.startsWith(prefix))
  );
}

/** Istio's own workloads the policies name (Istio's defaults, and its Prometheus addon's). */
export const MESH_PEERS = {
  ingressGateway: {
    namespace: 'istio-system',
    serviceAccount: 'istio-ingressgateway-service-account',
    labels: { istio: 'ingressgateway' },
  },
  prometheus: {
    namespace: 'istio-system',
    serviceAccount: 'prometheus',
    labels: { 'app.kubernetes.io/name': 'prometheus' },
  },
  istiod: { namespace: 'istio-system', labels: { app: 'istiod' } },
} as const;

/** Ports of the sidecar itself: xDS and certificates from istiod, merged app metrics, Envoy's stats. */
export const MESH_PORTS = { istiodXds: 15012, mergedMetrics: 15020, envoyStats: 15090, prometheus: 9090 } as const;
