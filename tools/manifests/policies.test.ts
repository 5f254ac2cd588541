// Least access, checked against the generated files themselves: every pair of workloads (and a few
// intruders) is allowed exactly when it must talk, at L3/L4 by the NetworkPolicies of both
// clusters and at L7 by the AuthorizationPolicies; the public Gateway routes only the page.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { type ManifestConfig, DEFAULT_CONFIG_PATH, loadConfig } from './src/config.js';
import { deployedDirs, generate } from './src/layout.js';
import {
  type Address,
  type Cluster,
  type Pod,
  httpRouteFor,
  meshAllows,
  networkAllows,
  routeFor,
} from './test/policy-model.js';

process.chdir(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..'));

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Doc = Record<string, any>;

/** The generated documents of one folder, for a config (the committed one, with distinct pod ranges). */
function documents(config: ManifestConfig) {
  const files = generate(config, 'test');
  // What `kubectl apply -k <dir>` deploys: the folder and the Components of config.routing.
  const docsIn = (dir: string) =>
    files
      .filter((f) => deployedDirs(config, dir).includes(path.dirname(f.path)) && f.path.endsWith('.yaml'))
      .flatMap((f) => parseAllDocuments(f.content).map((d) => d.toJS() as Doc));
  return {
    network: { primary: docsIn('k8s/primary'), burst: docsIn('k8s/burst') } as Record<Cluster, Doc[]>,
    istio: docsIn('istio-manifests'),
    install: docsIn('istio-manifests/install'),
  };
}

const RANGES = { primary: '10.0.0.0/14', burst: '10.4.0.0/14' };
/** The committed config (the frontend reads the watcher's /status), with distinct pod ranges. */
const committed = (): ManifestConfig => loadConfig(DEFAULT_CONFIG_PATH, { podRanges: RANGES });
const configWith = (readsWatcherStatus: boolean): ManifestConfig => {
  const config = committed();
  return { ...config, frontend: { ...config.frontend, readsWatcherStatus } };
};

const sa = (namespace: string, name: string) => `cluster.local/ns/${namespace}/sa/${name}`;
const app = (name: string, cluster: Cluster, ip: string, labels: Record<string, string>, account: string): Pod => ({
  name,
  cluster,
  namespace: 'default',
  labels,
  ip,
  principal: sa('default', account),
});

const frontend = app('frontend', 'primary', '10.0.0.10', { app: 'frontend' }, 'frontend');
const workerPrimary = app(
  'worker (primary)',
  'primary',
  '10.0.0.11',
  { app: 'worker', 'cluster-type': 'primary-cluster' },
  'worker',
);
const workerBurst = app(
  'worker (burst)',
  'burst',
  '10.4.0.11',
  { app: 'worker', 'cluster-type': 'burst-cluster' },
  'worker',
);
const redis = app('redis', 'primary', '10.0.0.12', { app: 'redis-cache' }, 'redis-cache');
const watcher = app('istiowatcher', 'primary', '10.0.0.13', { app: 'istiowatcher' }, 'istiowatcher');
const ingressGateway: Pod = {
  name: 'ingress gateway',
  cluster: 'primary',
  namespace: 'istio-system',
  labels: { istio: 'ingressgateway', app: 'istio-ingressgateway' },
  ip: '10.0.0.20',
  principal: sa('istio-system', 'istio-ingressgateway-service-account'),
};
// Istio's Prometheus addon runs without a sidecar: it has no mTLS identity.
const prometheus: Pod = {
  name: 'prometheus',
  cluster: 'primary',
  namespace: 'istio-system',
  labels: { 'app.kubernetes.io/name': 'prometheus' },
  ip: '10.0.0.21',
};
const istiod: Pod = {
  name: 'istiod',
  cluster: 'primary',
  namespace: 'istio-system',
  labels: { app: 'istiod' },
  ip: '10.0.0.22',
};
const intruders: Pod[] = [
  app('a pod of the namespace (primary)', 'primary', '10.0.0.30', { app: 'intruder' }, 'default'),
  app('a pod of the namespace (burst)', 'burst', '10.4.0.30', { app: 'intruder' }, 'default'),
  { name: 'a pod of another namespace', cluster: 'primary', namespace: 'other', labels: {}, ip: '10.0.0.31' },
];
const apiServer: Address = { name: 'the Kubernetes API', ip: '34.118.224.1' };
const eastWestGateway: Address = { name: 'the east-west gateway (internal LB)', ip: '10.138.0.50' };

const appPods = [frontend, workerPrimary, workerBurst, redis, watcher];
const everyone = [...appPods, ingressGateway, prometheus, istiod, ...intruders];
/** Each pod and the ports it listens on: its app's, and every sidecar's metrics ports. */
const listening = new Map<Pod, number[]>([
  [frontend, [8080, 15020, 15090]],
  [workerPrimary, [8081, 15020, 15090]],
  [workerBurst, [8081, 15020, 15090]],
  [redis, [6379, 15020, 15090]],
  [watcher, [9102, 15020, 15090]],
  [ingressGateway, [8080, 8443]],
  [prometheus, [9090]],
  [istiod, [15012, 15017]],
  ...intruders.map((pod): [Pod, number[]] => [pod, [8080, 15020]]),
]);

/** Every pair and port the NetworkPolicies let through, between `everyone`. */
function networkPairs(network: Record<Cluster, Doc[]>): Set<string> {
  const actual = new Set<string>();
  for (const from of everyone)
    for (const to of everyone) {
      if (from === to) continue;
      for (const port of listening.get(to) ?? [])
        if (networkAllows(network, from, to, port)) actual.add(`${from.name} -> ${to.name}:${port}`);
    }
  return actual;
}

describe('NetworkPolicies (L3/L4): every pair allowed exactly when it must talk', () => {
  const { network } = documents(committed());
  const scraped = [frontend, workerPrimary, redis, watcher];
  /** from -> to:port, as the design needs them. Nothing else between these pods. */
  const expected = new Set([
    'ingress gateway -> frontend:8080',
    'frontend -> worker (primary):8081',
    'frontend -> worker (burst):8081',
    'frontend -> redis:6379',
    // The frontend relays the watcher's GET /status to the pages.
    'frontend -> istiowatcher:9102',
    'worker (primary) -> redis:6379',
    'worker (burst) -> redis:6379',
    ...scraped.flatMap((pod) => [`prometheus -> ${pod.name}:15020`, `prometheus -> ${pod.name}:15090`]),
    'prometheus -> frontend:8080',
    'prometheus -> worker (primary):8081',
    'prometheus -> istiowatcher:9102',
    'istiowatcher -> prometheus:9090',
    // Every pod of the namespace on primary gets its sidecar's configuration from istiod.
    ...[...appPods, intruders[0]]
      .filter((pod) => pod?.cluster === 'primary')
      .map((pod) => `${pod?.name} -> istiod:15012`),
    // Outside the app's namespace nothing is ours to restrict: such a pod goes anywhere its
    // destination lets it. Here: where the other end allows it without a pod selector.
    'a pod of another namespace -> istiod:15012',
    'a pod of another namespace -> istiod:15017',
    'a pod of another namespace -> ingress gateway:8080',
    'a pod of another namespace -> ingress gateway:8443',
    'a pod of another namespace -> prometheus:9090',
    'ingress gateway -> istiod:15012',
    'ingress gateway -> istiod:15017',
    'ingress gateway -> prometheus:9090',
    'prometheus -> istiod:15012',
    'prometheus -> istiod:15017',
    'prometheus -> ingress gateway:8080',
    'prometheus -> ingress gateway:8443',
    'istiod -> ingress gateway:8080',
    'istiod -> ingress gateway:8443',
    'istiod -> prometheus:9090',
    'ingress gateway -> prometheus:9090',
    // Istio's Prometheus scrapes every sidecar of the namespace, whoever runs it.
    'prometheus -> a pod of the namespace (primary):15020',
    // The burst cluster's pods reach istiod through the VPC (the east-west gateway's internal LB).
    'worker (burst) -> istiod:15012',
    'a pod of the namespace (burst) -> istiod:15012',
    // A namespace without our policies accepts what its callers may send.
    ...['ingress gateway', 'istiod', 'prometheus'].flatMap((name) => [
      `${name} -> a pod of another namespace:8080`,
      `${name} -> a pod of another namespace:15020`,
    ]),
    // Across clusters the burst worker admits the primary pod range, which L4 cannot narrow to the
    // frontend: pods of primary whose own egress is not ours to restrict get through to the port.
    // The AuthorizationPolicy (the frontend's mTLS identity) refuses them (below).
    ...['ingress gateway', 'istiod', 'prometheus', 'a pod of another namespace'].map(
      (name) => `${name} -> worker (burst):8081`,
    ),
  ]);

  it('matches the table, pair by pair and port by port', () => {
    expect(committed().frontend.readsWatcherStatus).toBe(true);
    expect([...networkPairs(network)].sort()).toEqual([...expected].sort());
  });

  it('without readsWatcherStatus the same, less frontend -> istiowatcher:9102', () => {
    const off = networkPairs(documents(configWith(false)).network);
    expect([...off].sort()).toEqual([...expected].filter((pair) => pair !== 'frontend -> istiowatcher:9102').sort());
  });

  it('lets every pod of the namespace resolve names and reach its control plane, and nothing else out', () => {
    for (const pod of [...appPods, intruders[0], intruders[1]]) {
      if (pod === undefined) continue;
      expect(networkAllows(network, pod, { name: 'DNS', ip: '10.0.0.2' }, 53, 'UDP'), pod.name).toBe(true);
      expect(networkAllows(network, pod, { name: 'anywhere', ip: '8.8.8.8' }, 80), pod.name).toBe(false);
    }
    expect(networkAllows(network, workerBurst, eastWestGateway, 15012)).toBe(true);
    expect(networkAllows(network, workerBurst, eastWestGateway, 15017)).toBe(false);
    expect(networkAllows(network, watcher, apiServer, 443)).toBe(true);
    expect(networkAllows(network, frontend, apiServer, 443)).toBe(false);
    expect(networkAllows(network, workerPrimary, apiServer, 443)).toBe(false);
  });

  it('with the committed ranges (all of 10.0.0.0/8) every flow the app needs still passes', () => {
    const wide = documents(loadConfig(DEFAULT_CONFIG_PATH)).network;
    for (const [from, to, port] of [
      [ingressGateway, frontend, 8080],
      [frontend, workerPrimary, 8081],
      [frontend, workerBurst, 8081],
      [frontend, redis, 6379],
      [workerPrimary, redis, 6379],
      [workerBurst, redis, 6379],
      [prometheus, redis, 15020],
    ] as const)
      expect(networkAllows(wide, from, to, port), `${from.name} -> ${to.name}:${port}`).toBe(true);
    expect(networkAllows(wide, intruders[0] as Pod, redis, 6379)).toBe(false);
  });

  it('between the clusters, only from the other cluster pod range', () => {
    // A pod of another namespace on burst (no policies of ours there) comes from the burst range:
    // L4 cannot tell it from the burst worker. The AuthorizationPolicies can (below).
    const strangerOnBurst: Pod = {
      name: 'stranger',
      cluster: 'burst',
      namespace: 'other',
      labels: {},
      ip: '10.4.0.40',
    };
    expect(networkAllows(network, strangerOnBurst, redis, 6379)).toBe(true);
    const elsewhere: Pod = { name: 'elsewhere', cluster: 'burst', namespace: 'other', labels: {}, ip: '10.9.0.40' };
    expect(networkAllows(network, elsewhere, redis, 6379)).toBe(false);
    expect(networkAllows(network, elsewhere, workerBurst, 8081)).toBe(false);
  });
});

describe('AuthorizationPolicies (L7): deny by default, one ALLOW per real path', () => {
  const mesh = (readsWatcherStatus = true) => documents(configWith(readsWatcherStatus)).istio;
  const allows = (docs: Doc[], from: Pod, to: Pod, port: number, method?: string, p?: string) =>
    meshAllows(docs, to, { principal: from.principal, port, method, path: p });

  /** [from, to, port, method, path] -> allowed; every request a peer could send that matters. */
  const table: Array<[Pod, Pod, number, string | undefined, string | undefined, boolean]> = [
    [ingressGateway, frontend, 8080, 'GET', '/', true],
    [ingressGateway, frontend, 8080, 'GET', '/app.js', true],
    [ingressGateway, frontend, 8080, 'GET', '/favicon.ico', true],
    [ingressGateway, frontend, 8080, 'GET', '/vendor/bootstrap/css/bootstrap.min.css', true],
    [ingressGateway, frontend, 8080, 'GET', '/socket.io/', true],
    [ingressGateway, frontend, 8080, 'POST', '/socket.io/', true],
    [ingressGateway, frontend, 8080, 'GET', '/metrics', false],
    [ingressGateway, frontend, 8080, 'GET', '/_healthz', false],
    [ingressGateway, frontend, 8080, 'POST', '/', false],
    [ingressGateway, frontend, 8080, 'DELETE', '/', false],
    [ingressGateway, workerPrimary, 8081, 'POST', '/', false],
    [ingressGateway, redis, 6379, undefined, undefined, false],
    [frontend, workerPrimary, 8081, 'POST', '/', true],
    [frontend, workerBurst, 8081, 'POST', '/', true],
    [frontend, workerPrimary, 8081, 'GET', '/metrics', false],
    [frontend, workerPrimary, 8081, 'GET', '/', false],
    [frontend, redis, 6379, undefined, undefined, true],
    [workerPrimary, redis, 6379, undefined, undefined, true],
    [workerBurst, redis, 6379, undefined, undefined, true],
    [workerPrimary, frontend, 8080, 'GET', '/', false],
    [watcher, redis, 6379, undefined, undefined, false],
    [watcher, workerPrimary, 8081, 'POST', '/', false],
    // The frontend relays the watcher's status: that path, that method, and nothing else of the watcher.
    [frontend, watcher, 9102, 'GET', '/status', true],
    [frontend, watcher, 9102, 'POST', '/status', false],
    [frontend, watcher, 9102, 'GET', '/status/x', false],
    [frontend, watcher, 9102, 'GET', '/metrics', false],
    [frontend, watcher, 9102, 'GET', '/readyz', false],
    [workerPrimary, watcher, 9102, 'GET', '/status', false],
    [workerBurst, watcher, 9102, 'GET', '/status', false],
    [ingressGateway, watcher, 9102, 'GET', '/status', false],
    [redis, watcher, 9102, 'GET', '/status', false],
    [redis, frontend, 8080, 'GET', '/', false],
    // Prometheus has no sidecar here: no identity, so its plain requests to app ports are refused.
    [prometheus, frontend, 8080, 'GET', '/metrics', false],
    ...intruders.flatMap((intruder): Array<[Pod, Pod, number, string | undefined, string | undefined, boolean]> => [
      [intruder, frontend, 8080, 'GET', '/', false],
      [intruder, workerPrimary, 8081, 'POST', '/', false],
      [intruder, workerBurst, 8081, 'POST', '/', false],
      [intruder, redis, 6379, undefined, undefined, false],
      [intruder, watcher, 9102, 'GET', '/metrics', false],
      [intruder, watcher, 9102, 'GET', '/status', false],
    ]),
  ];

  it.each(
    table.map(
      ([from, to, port, method, p, ok]) =>
        [`${from.name} -> ${to.name}:${port} ${method ?? 'TCP'} ${p ?? ''}`, from, to, port, method, p, ok] as const,
    ),
  )('%s', (_name, from, to, port, method, p, ok) => {
    expect(allows(mesh(), from, to, port, method, p)).toBe(ok);
  });

  it('a Prometheus in the mesh (with its identity) may read /metrics of the apps, and nothing else', () => {
    const meshedPrometheus = { ...prometheus, principal: sa('istio-system', 'prometheus') };
    for (const [to, port] of [
      [frontend, 8080],
      [workerPrimary, 8081],
      [watcher, 9102],
    ] as const) {
      expect(allows(mesh(), meshedPrometheus, to, port, 'GET', '/metrics')).toBe(true);
      expect(allows(mesh(), meshedPrometheus, to, port, 'GET', '/')).toBe(false);
    }
    expect(allows(mesh(), meshedPrometheus, watcher, 9102, 'GET', '/status')).toBe(false);
    expect(allows(mesh(), meshedPrometheus, redis, 6379)).toBe(false);
  });

  it('without readsWatcherStatus nobody may ask the watcher for /status, at L7 or at L4', () => {
    const docs = mesh(false);
    for (const from of [frontend, workerPrimary, ingressGateway])
      expect(allows(docs, from, watcher, 9102, 'GET', '/status'), from.name).toBe(false);
    expect(networkAllows(documents(configWith(false)).network, frontend, watcher, 9102)).toBe(false);
    expect(docs.some((d) => d.metadata.name === 'istiowatcher-allow-frontend-status')).toBe(false);
  });

  it('the namespace denies by default: a workload no policy names refuses everyone', () => {
    const docs = mesh();
    expect(docs.find((d) => d.kind === 'AuthorizationPolicy' && d.metadata.name === 'default-deny')?.spec).toEqual({});
    const newcomer = { namespace: 'default', labels: { app: 'something-new' } };
    expect(meshAllows(docs, newcomer, { principal: frontend.principal, port: 80, method: 'GET', path: '/' })).toBe(
      false,
    );
  });
});

const PUBLIC_PATHS: Array<[string, boolean]> = [
  ['/', true],
  ['/index.html', true],
  ['/app.js', true],
  ['/favicon.ico', true],
  ['/vendor/chart.js/chart.umd.min.js', true],
  ['/socket.io/?EIO=4&transport=websocket', true],
  ['/metrics', false],
  ['/_healthz', false],
  ['/app.js.map', false],
  ['/index.html/../metrics', false],
  ['/vendorx', false],
];

const withRouting = (routing: ManifestConfig['routing']): ManifestConfig => ({ ...committed(), routing });

describe('the public Gateway (virtualservice)', () => {
  const { istio } = documents(withRouting('virtualservice'));
  const gateway = istio.find((d) => d.kind === 'Gateway' && d.metadata.name === 'frontend-gateway') ?? {};
  const route =
    istio.find((d) => d.kind === 'VirtualService' && d.metadata.name === 'frontend-ingress-virtual-service') ?? {};

  it('serves HTTPS with the certificate from its Secret; HTTP only redirects', () => {
    expect(gateway.spec.servers).toEqual([
      {
        port: { number: 443, name: 'https', protocol: 'HTTPS' },
        hosts: ['*'],
        tls: { mode: 'SIMPLE', credentialName: 'frontend-tls' },
      },
      { port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['*'], tls: { httpsRedirect: true } },
    ]);
  });

  it.each(PUBLIC_PATHS)('routes %s: %s', (p, routed) => {
    expect(routeFor(route, p) !== undefined).toBe(routed);
  });
});

describe('the public Gateway (gateway-api)', () => {
  const { istio, network } = documents(withRouting('gateway-api'));
  const gateway = istio.find((d) => d.kind === 'Gateway' && d.metadata.name === 'frontend-gateway') ?? {};
  const routes = istio.filter((d) => d.kind === 'HTTPRoute' && d.spec.parentRefs[0].name === 'frontend-gateway');
  const onListener = (name: string) => routes.filter((r) => r.spec.parentRefs[0].sectionName === name);

  it("is Istio's ingress gateway (same address, identity and NetworkPolicies), HTTPS with its certificate", () => {
    expect(gateway.apiVersion).toBe('gateway.networking.k8s.io/v1');
    expect(gateway.spec.addresses).toEqual([
      { type: 'Hostname', value: 'istio-ingressgateway.istio-system.svc.cluster.local' },
    ]);
    expect(gateway.spec.listeners.map((l: Doc) => [l.name, l.port, l.protocol])).toEqual([
      ['https', 443, 'HTTPS'],
      ['http', 80, 'HTTP'],
    ]);
    expect(gateway.spec.listeners[0].tls.certificateRefs).toEqual([
      { group: '', kind: 'Secret', name: 'frontend-tls', namespace: 'istio-system' },
    ]);
    // The Secret is in istio-system: the Gateway in the app's namespace reads it by this grant only.
    const grant = istio.find((d) => d.kind === 'ReferenceGrant');
    expect(grant?.metadata.namespace).toBe('istio-system');
    expect(grant?.spec).toEqual({
      from: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: 'default' }],
      to: [{ group: '', kind: 'Secret', name: 'frontend-tls' }],
    });
    // The frontend's own lock admits that gateway's identity, as in the other flavour.
    expect(network.primary.some((d) => d.kind === 'NetworkPolicy')).toBe(true);
    expect(istio.find((d) => d.metadata.name === 'frontend-allow-ingress-gateway')?.spec.rules[0].from).toEqual([
      { source: { principals: ['cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account'] } },
    ]);
  });

  it('plain HTTP only redirects to HTTPS', () => {
    expect(onListener('http').map((r) => r.spec.rules)).toEqual([
      [{ filters: [{ type: 'RequestRedirect', requestRedirect: { scheme: 'https', statusCode: 301 } }] }],
    ]);
  });

  it.each(PUBLIC_PATHS)('routes %s: %s', (p, routed) => {
    const [page] = onListener('https');
    expect(httpRouteFor(page ?? {}, p) !== undefined).toBe(routed);
    if (routed) expect(httpRouteFor(page ?? {}, p)?.backendRefs).toEqual([{ name: 'frontend-service', port: 80 }]);
  });
});

describe('the rest of the lock', () => {
  const { network, install } = documents(committed());
  it('Pod Security "restricted" is enforced (not only warned about) on the app namespace of both clusters', () => {
    for (const cluster of ['primary', 'burst'] as const) {
      const namespace = network[cluster].find((d) => d.kind === 'Namespace');
      expect(namespace?.metadata).toMatchObject({
        name: 'default',
        labels: {
          'istio-injection': 'enabled',
          'pod-security.kubernetes.io/enforce': 'restricted',
          'pod-security.kubernetes.io/warn': 'restricted',
        },
      });
    }
  });

  it('istiod is exposed to the burst cluster on an internal load balancer, answering only the VPC', () => {
    const eastwest = install.find((d) => d.kind === 'IstioOperator' && d.metadata.name === 'eastwest');
    const k8s = eastwest?.spec.components.ingressGateways[0].k8s;
    expect(k8s.serviceAnnotations).toEqual({ 'networking.gke.io/load-balancer-type': 'Internal' });
    expect(k8s.service.loadBalancerSourceRanges).toEqual(['10.0.0.0/8']);
  });

  it('Redis is pinned by digest and every other image by the tag of its build', () => {
    const images = [...network.primary, ...network.burst]
      .filter((d) => d.kind === 'Deployment')
      .flatMap((d) => d.spec.template.spec.containers.map((c: Doc) => c.image as string));
    expect(images.filter((image) => image.startsWith('redis'))).toEqual([
      expect.stringMatching(/^redis:[\w.-]+@sha256:[0-9a-f]{64}$/),
    ]);
  });

  it('no Secret is generated or committed: the manifests only refer to them', () => {
    const all = [...network.primary, ...network.burst, ...documents(committed()).istio];
    expect(all.filter((d) => d.kind === 'Secret')).toEqual([]);
  });
});
