/**
 * The mesh's side of the contract: the worker's route (a VirtualService with subsets, or an
 * HTTPRoute with a backend Service per cluster), the cluster names
 * Istio reports, and the request metric the watcher reads, with the labels the frontend's sidecar
 * puts on it. The manifests, the mesh stand-in, the watcher's default query and the test support
 * all take these from here, so a rename cannot make the watcher read 0 req/s.
 */
import { APP_LABELS, DEFAULT_NAMESPACE, DEPLOYMENTS, SERVICES, fqdn } from './workloads.js';

export const WORKER_VIRTUAL_SERVICE = 'worker-virtual-service';
export const WORKER_DESTINATION_RULE = 'worker-destination-rule';

/** The two APIs the worker's weights can live in, with what the Kubernetes API calls them. */
export const ROUTE_KINDS = {
  VirtualService: { group: 'networking.istio.io', version: 'v1', plural: 'virtualservices' },
  HTTPRoute: { group: 'gateway.networking.k8s.io', version: 'v1', plural: 'httproutes' },
} as const;
export type RouteKind = keyof typeof ROUTE_KINDS;
export const ROUTE_KIND_NAMES = Object.keys(ROUTE_KINDS) as RouteKind[];
export const DEFAULT_ROUTE_KIND: RouteKind = 'VirtualService';

/** The name of a route kind's CustomResourceDefinition (`<plural>.<group>`). */
export function routeCrdName(kind: RouteKind): string {
  return `${ROUTE_KINDS[kind].plural}.${ROUTE_KINDS[kind].group}`;
}

/** `group/version` of a route kind, as an object's apiVersion says it. */
export function routeApiVersion(kind: RouteKind): string {
  return `${ROUTE_KINDS[kind].group}/${ROUTE_KINDS[kind].version}`;
}

/**
 * The worker HTTPRoute (Gateway API, mesh routing: GAMMA). Its parentRef is the worker Service;
 * an HTTPRoute cannot name DestinationRule subsets, so each cluster's workers are a Service of
 * their own (WORKER_BACKENDS) and the weights sit on the two backendRefs.
 */
export const WORKER_HTTP_ROUTE = 'worker-route';
export const WORKER_ROUTE_PARENT = SERVICES.worker.name;

export interface BackendNames {
  primary: string;
  burst: string;
}

/** The HTTPRoute's backend Services, one per cluster type (CLUSTER_TYPES), on the worker Service's port. */
export const WORKER_BACKENDS: BackendNames = { primary: 'worker-primary', burst: 'worker-burst' };

/** The worker route's name in each kind. */
export const WORKER_ROUTE_NAMES: Readonly<Record<RouteKind, string>> = {
  VirtualService: WORKER_VIRTUAL_SERVICE,
  HTTPRoute: WORKER_HTTP_ROUTE,
};

export interface SubsetNames {
  primary: string;
  burst: string;
}

/** The DestinationRule's subsets, one per cluster type (CLUSTER_TYPES). */
export const DEFAULT_SUBSETS: SubsetNames = { primary: 'primary', burst: 'burst' };

/**
 * The cluster names (Istio's `multiCluster.clusterName`, reported as `destination_cluster`); the
 * watcher's `BURST_CLUSTER` defaults to the burst one.
 */
export const CLUSTER_NAMES = { primary: 'primary', burst: 'burst' } as const;

/** Istio's standard request counter. */
export const WORKER_TRAFFIC_METRIC = 'istio_requests_total';
/** Istio's standard request duration histogram (milliseconds), with the counter's labels. */
export const WORKER_LATENCY_METRIC = 'istio_request_duration_milliseconds';

/** The labels of Istio's standard metrics that dashboards group and filter by. */
export const ISTIO_METRIC_LABELS = {
  destinationCluster: 'destination_cluster',
  responseCode: 'response_code',
} as const;

/** The labels Istio puts the destination cluster and the answer's status code in. */
export const DESTINATION_CLUSTER_LABEL = ISTIO_METRIC_LABELS.destinationCluster;
export const RESPONSE_CODE_LABEL = ISTIO_METRIC_LABELS.responseCode;

/**
 * The response codes Istio reports for a call that failed: a 5xx, or 0 when no answer came at all
 * (a reset, or the caller gave up first). A PromQL regex, and the same rule as a function.
 */
export const FAILED_RESPONSE_CODES = '0|5..';
export function isFailedResponseCode(code: string): boolean {
  return code === '0' || /^5\d\d$/.test(code);
}

/**
 * A series selector: each label equal to a value, or (a list) to any one of the values; PromQL
 * writes a list as `=~"a|b"`.
 */
export type SeriesSelector = Readonly<Record<string, string | readonly string[]>>;

/**
 * The series the frontend's own sidecar reports for its calls to the worker, through a
 * VirtualService. `reporter="source"` because on a current Istio each cluster's Prometheus scrapes
 * only its own proxies: after a flip to burst the destination-reported series live in burst's
 * Prometheus, and a query on them in primary's would read 0 and flip straight back.
 */
export const WORKER_TRAFFIC_SELECTOR: Readonly<Record<string, string>> = {
  reporter: 'source',
  source_workload: DEPLOYMENTS.frontend,
  destination_service: fqdn(SERVICES.worker.name, DEFAULT_NAMESPACE),
};

/**
 * The Service a source-reported series names as `destination_service(_name)` for a call that went
 * to `cluster`: through a VirtualService the host it routes (subsets keep it), through an
 * HTTPRoute the backendRef's Service, which differs per cluster.
 */
export function workerDestinationService(kind: RouteKind, cluster: keyof typeof CLUSTER_NAMES): string {
  return kind === 'HTTPRoute' ? WORKER_BACKENDS[cluster] : SERVICES.worker.name;
}

/** The frontend's calls to the worker as its sidecar reports them under each route kind. */
export function workerTrafficSelector(kind: RouteKind = DEFAULT_ROUTE_KIND): SeriesSelector {
  if (kind === 'VirtualService') return WORKER_TRAFFIC_SELECTOR;
  return {
    ...WORKER_TRAFFIC_SELECTOR,
    destination_service: (['primary', 'burst'] as const).map((cluster) =>
      fqdn(workerDestinationService(kind, cluster), DEFAULT_NAMESPACE),
    ),
  };
}

/**
 * The labels of one `istio_requests_total` series as the frontend's sidecar reports a call to the
 * worker that went to `cluster` and got `responseCode` (a subset of what Istio puts there), with
 * the worker routed by `kind`.
 */
export function workerTrafficLabels(
  cluster: keyof typeof CLUSTER_NAMES,
  responseCode: number,
  kind: RouteKind = DEFAULT_ROUTE_KIND,
): Record<string, string> {
  const service = workerDestinationService(kind, cluster);
  return {
    ...WORKER_TRAFFIC_SELECTOR,
    destination_service: fqdn(service, DEFAULT_NAMESPACE),
    source_app: APP_LABELS.frontend,
    destination_service_name: service,
    destination_workload: DEPLOYMENTS.worker,
    [ISTIO_METRIC_LABELS.destinationCluster]: CLUSTER_NAMES[cluster],
    [ISTIO_METRIC_LABELS.responseCode]: String(responseCode),
  };
}
