import { ALL_BURST, NATURAL, type Weights } from '@string-hashr/policy';
import { withWeights } from '@string-hashr/kube-objects';
import { IstioOperator } from '@kubernetes-models/istio/install.istio.io/v1alpha1';
import { DestinationRule, Gateway, VirtualService } from '@kubernetes-models/istio/networking.istio.io/v1beta1';
import { AuthorizationPolicy } from '@kubernetes-models/istio/security.istio.io/v1';
import { PeerAuthentication } from '@kubernetes-models/istio/security.istio.io/v1beta1';
import type { ManifestConfig } from './config.js';
import { meshTracingConfig } from './tracing.js';
import {
  CLUSTER_TYPE_LABEL,
  DEFAULT_SUBSETS,
  CLUSTER_TYPES,
  PUBLIC_PAGE_PATHS,
  SECRETS,
  SERVICES,
  WORKER_BACKENDS,
  WORKER_DESTINATION_RULE,
  WORKER_VIRTUAL_SERVICE,
  fqdn,
} from '@string-hashr/contract';
import { outlierDetection, requestTimeout, retryPolicy } from './safety-net.js';
import { appFlows, appLabel, principalOf } from './flows.js';

/*
 * Networking objects and PeerAuthentication are built and schema-checked with the v1beta1 models
 * (the newest @kubernetes-models/istio 2 ships for them) and written as v1: Istio 1.22 promoted
 * them to v1 with the same schema. See render.ts (PROMOTED_API_VERSIONS).
 */

/**
 * The public entrance: HTTPS with the certificate in the Secret SECRETS.gatewayTls (HTTP only
 * redirects to it), routing the page, its assets and socket.io to the frontend and nothing else:
 * any other path (/metrics, /_healthz) finds no route and gets the gateway's 404.
 */
export function frontendGateway(config: ManifestConfig) {
  const gateway = new Gateway({
    metadata: { name: 'frontend-gateway', namespace: config.namespace },
    spec: {
      selector: { istio: 'ingressgateway' },
      servers: [
        {
          port: { number: 443, name: 'https', protocol: 'HTTPS' },
          hosts: ['*'],
          tls: { mode: 'SIMPLE', credentialName: SECRETS.gatewayTls.name },
        },
        { port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['*'], tls: { httpsRedirect: true } },
      ],
    },
  });
  const virtualService = new VirtualService({
    metadata: { name: 'frontend-ingress-virtual-service', namespace: config.namespace },
    spec: {
      hosts: ['*'],
      gateways: ['frontend-gateway'],
      http: [
        {
          name: 'page-assets-socket-io',
          match: [
            ...PUBLIC_PAGE_PATHS.exact.map((path) => ({ uri: { exact: path } })),
            ...PUBLIC_PAGE_PATHS.prefixes.map((prefix) => ({ uri: { prefix } })),
          ],
          route: [
            {
              destination: {
                host: fqdn(SERVICES.frontend.name, config.namespace),
                port: { number: SERVICES.frontend.port },
              },
            },
          ],
        },
      ],
    },
  });
  return [gateway, virtualService];
}

export function redisVirtualService(config: ManifestConfig) {
  const host = fqdn(SERVICES.redis.name, config.namespace);
  return new VirtualService({
    metadata: { name: 'redis-virtual-service', namespace: config.namespace },
    spec: {
      hosts: [SERVICES.redis.name],
      gateways: ['mesh'],
      tcp: [{ route: [{ destination: { host, port: { number: SERVICES.redis.port } } }] }],
    },
  });
}

/** The worker VirtualService at the given weights; its shape is what libs/kube-objects reads and edits. */
export function workerVirtualService(config: ManifestConfig, weights: Weights = NATURAL) {
  const host = fqdn(SERVICES.worker.name, config.namespace);
  const destination = (subset: string) => ({
    destination: { host, subset, port: { number: SERVICES.worker.port } },
    weight: 0,
  });
  const base = {
    metadata: { name: WORKER_VIRTUAL_SERVICE, namespace: config.namespace },
    spec: {
      hosts: [SERVICES.worker.name],
      gateways: ['mesh'],
      http: [
        {
          route: [destination(DEFAULT_SUBSETS.primary), destination(DEFAULT_SUBSETS.burst)],
          timeout: requestTimeout(config),
          retries: retryPolicy(config),
        },
      ],
    },
  };
  return new VirtualService(withWeights(base, weights));
}

/** The worker's traffic policy, on each subset (virtualservice) or backend Service (gateway-api). */
const workerTrafficPolicy = (config: ManifestConfig) => ({
  loadBalancer: { simple: 'RANDOM' as const },
  outlierDetection: outlierDetection(config),
});

export function workerDestinationRule(config: ManifestConfig) {
  return new DestinationRule({
    metadata: { name: WORKER_DESTINATION_RULE, namespace: config.namespace },
    spec: {
      host: fqdn(SERVICES.worker.name, config.namespace),
      trafficPolicy: workerTrafficPolicy(config),
      subsets: [
        { name: DEFAULT_SUBSETS.primary, labels: { [CLUSTER_TYPE_LABEL]: CLUSTER_TYPES.primary } },
        { name: DEFAULT_SUBSETS.burst, labels: { [CLUSTER_TYPE_LABEL]: CLUSTER_TYPES.burst } },
      ],
    },
  });
}

/** gateway-api: the HTTPRoute's backends are Services, each with its own DestinationRule (no subsets). */
export function workerBackendDestinationRules(config: ManifestConfig) {
  return Object.values(WORKER_BACKENDS).map(
    (backend) =>
      new DestinationRule({
        metadata: { name: `${backend}-destination-rule`, namespace: config.namespace },
        spec: { host: fqdn(backend, config.namespace), trafficPolicy: workerTrafficPolicy(config) },
      }),
  );
}

/** The two states the watcher switches between, for doing it by hand. */
export const STATES = { natural: NATURAL, burst: ALL_BURST } as const;

export function peerAuthentication(config: ManifestConfig) {
  return new PeerAuthentication({
    metadata: { name: 'default', namespace: config.namespace },
    spec: { mtls: { mode: 'STRICT' } },
  });
}

/**
 * Deny by default, then one ALLOW per real path (flows.ts): an AuthorizationPolicy with an empty
 * spec allows nothing, so every workload of the namespace refuses every request no other policy
 * allows. Prometheus as Istio installs it has no sidecar and scrapes each sidecar's merged metrics
 * port (MESH_PORTS.mergedMetrics), which the sidecar serves itself, outside these policies; the
 * NetworkPolicies let only Prometheus reach it.
 */
export function authorizationPolicies(config: ManifestConfig) {
  const denyAll = new AuthorizationPolicy({
    metadata: { name: 'default-deny', namespace: config.namespace },
    spec: {},
  });
  const allows = appFlows(config).map(
    (flow) =>
      new AuthorizationPolicy({
        metadata: { name: flow.name, namespace: config.namespace },
        spec: {
          selector: { matchLabels: { app: appLabel(flow.to) } },
          action: 'ALLOW',
          rules: [
            {
              from: [{ source: { principals: [principalOf(config, flow.from)] } }],
              to: (flow.http ?? [undefined]).map((op) => ({
                operation: { ports: [String(flow.port)], ...(op ? { methods: op.methods, paths: op.paths } : {}) },
              })),
            },
          ],
        },
      }),
  );
  return [denyAll, ...allows];
}

// ---- Istio installation (istioctl install -f), primary-remote on one network ----

/**
 * The part of IstioOperator's spec used here. The models package ships IstioOperator without a
 * spec schema, so these types are the check at generation; istioctl checks the rest at install.
 */
interface IstioOperatorSpec {
  profile: 'default' | 'empty' | 'remote';
  meshConfig?: ReturnType<typeof meshTracingConfig> & { defaultHttpRetryPolicy?: ReturnType<typeof retryPolicy> };
  components?: {
    cni?: { enabled: boolean };
    ingressGateways?: Array<{
      name: string;
      enabled: boolean;
      label: Record<string, string>;
      k8s: {
        env: Array<{ name: string; value: string }>;
        serviceAnnotations?: Record<string, string>;
        service: {
          ports: Array<{ name: string; port: number; targetPort: number }>;
          loadBalancerSourceRanges?: string[];
        };
      };
    }>;
  };
  values: {
    global?: { meshID?: string; multiCluster?: { clusterName: string }; network: string; platform?: string };
    pilot?: { env: Record<string, boolean | string> };
    istiodRemote?: { injectionPath: string };
    gateways?: Record<string, { injectionTemplate: string }>;
  };
}

function istioOperator(name: string, spec: IstioOperatorSpec) {
  return Object.assign(new IstioOperator({ metadata: { name, namespace: 'istio-system' } }), { spec });
}

const meshValues = (config: ManifestConfig, cluster: string) => ({
  global: {
    meshID: config.mesh.meshId,
    multiCluster: { clusterName: cluster },
    network: config.mesh.network,
    platform: 'gke',
  },
});

/** Primary: istiod that also serves the burst cluster (EXTERNAL_ISTIOD), with Istio CNI so pods stay restricted. */
export function primaryInstall(config: ManifestConfig) {
  return istioOperator('primary', {
    profile: 'default',
    // The safety net's retries for every route that sets none: an HTTPRoute cannot (its `retry` is experimental).
    meshConfig: { ...meshTracingConfig(), defaultHttpRetryPolicy: retryPolicy(config) },
    components: { cni: { enabled: true } },
    values: { ...meshValues(config, config.clusters.primary), pilot: { env: { EXTERNAL_ISTIOD: true } } },
  });
}

/**
 * The east-west gateway on primary that exposes istiod (15012, 15017) to the burst cluster. Both
 * clusters share one VPC, so it is an internal load balancer, answering only the VPC's range:
 * istiod is never on the internet.
 */
export function eastWestGatewayInstall(config: ManifestConfig) {
  const network = config.mesh.network;
  return istioOperator('eastwest', {
    profile: 'empty',
    components: {
      ingressGateways: [
        {
          name: 'istio-eastwestgateway',
          enabled: true,
          label: { istio: 'eastwestgateway', app: 'istio-eastwestgateway', 'topology.istio.io/network': network },
          k8s: {
            env: [{ name: 'ISTIO_META_REQUESTED_NETWORK_VIEW', value: network }],
            serviceAnnotations: { 'networking.gke.io/load-balancer-type': 'Internal' },
            service: {
              loadBalancerSourceRanges: [config.network.vpcRange],
              ports: [
                { name: 'status-port', port: 15021, targetPort: 15021 },
                { name: 'tls', port: 15443, targetPort: 15443 },
                { name: 'tls-istiod', port: 15012, targetPort: 15012 },
                { name: 'tls-webhook', port: 15017, targetPort: 15017 },
              ],
            },
          },
        },
      ],
    },
    values: { gateways: { 'istio-ingressgateway': { injectionTemplate: 'gateway' } }, global: { network } },
  });
}

/** Burst: no istiod of its own; sidecars and injection come from primary's istiod through the east-west gateway. */
export function remoteInstall(config: ManifestConfig) {
  const { burst } = config.clusters;
  return istioOperator('remote', {
    profile: 'remote',
    components: { cni: { enabled: true } },
    values: {
      ...meshValues(config, burst),
      // remotePilotAddress (the east-west gateway's IP) is only known at install time: tools/cluster passes it with --set.
      istiodRemote: { injectionPath: `/inject/cluster/${burst}/net/${config.mesh.network}` },
    },
  });
}

/** Routes istiod's ports on the east-west gateway to istiod (Istio's samples/multicluster/expose-istiod.yaml). */
export function exposeIstiod() {
  const istiod = 'istiod.istio-system.svc.cluster.local';
  const gateway = new Gateway({
    metadata: { name: 'istiod-gateway', namespace: 'istio-system' },
    spec: {
      selector: { istio: 'eastwestgateway' },
      servers: [
        { port: { name: 'tls-istiod', number: 15012, protocol: 'tls' }, tls: { mode: 'PASSTHROUGH' }, hosts: ['*'] },
        {
          port: { name: 'tls-istiodwebhook', number: 15017, protocol: 'tls' },
          tls: { mode: 'PASSTHROUGH' },
          hosts: ['*'],
        },
      ],
    },
  });
  const route = (port: number, targetPort: number) => ({
    match: [{ port, sniHosts: ['*'] }],
    route: [{ destination: { host: istiod, port: { number: targetPort } } }],
  });
  const virtualService = new VirtualService({
    metadata: { name: 'istiod-vs', namespace: 'istio-system' },
    spec: { hosts: ['*'], gateways: ['istiod-gateway'], tls: [route(15012, 15012), route(15017, 443)] },
  });
  return [gateway, virtualService];
}
