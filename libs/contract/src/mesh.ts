/**
 * The mesh's side of the contract: the worker VirtualService and its subsets, the cluster names
 * Istio reports, and the request metric the watcher reads, with the labels the frontend's sidecar
 * puts on it. The manifests, the mesh stand-in, the watcher's default query and the test support
 * all take these from here, so a rename cannot make the watcher read 0 req/s.
 */
import { APP_LABELS, DEFAULT_NAMESPACE, DEPLOYMENTS, SERVICES, fqdn } from './workloads.js';

export const WORKER_VIRTUAL_SERVICE = 'worker-virtual-service';
export const WORKER_DESTINATION_RULE = 'worker-destination-rule';

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
 * The series the frontend's own sidecar reports for its calls to the worker. `reporter="source"`
 * because on a current Istio each cluster's Prometheus scrapes only its own proxies: after a flip
 * to burst the destination-reported series live in burst's Prometheus, and a query on them in
 * primary's would read 0 and flip straight back.
 */
export const WORKER_TRAFFIC_SELECTOR: Readonly<Record<string, string>> = {
  reporter: 'source',
  source_workload: DEPLOYMENTS.frontend,
  destination_service: fqdn(SERVICES.worker.name, DEFAULT_NAMESPACE),
};

/**
 * The labels of one `istio_requests_total` series as the frontend's sidecar reports a call to the
 * worker that went to `cluster` and got `responseCode` (a subset of what Istio puts there).
 */
export function workerTrafficLabels(cluster: keyof typeof CLUSTER_NAMES, responseCode: number): Record<string, string> {
  return {
    ...WORKER_TRAFFIC_SELECTOR,
    source_app: APP_LABELS.frontend,
    destination_service_name: SERVICES.worker.name,
    destination_workload: DEPLOYMENTS.worker,
    [ISTIO_METRIC_LABELS.destinationCluster]: CLUSTER_NAMES[cluster],
    [ISTIO_METRIC_LABELS.responseCode]: String(responseCode),
  };
}
