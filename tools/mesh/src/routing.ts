import type { Weights } from '@string-hashr/burst';

export type Subset = 'primary' | 'burst';

/** Weighted random choice of a subset, as Envoy's weighted clusters do; `random` is in [0, 1). */
export function pickSubset(weights: Weights, random: number): Subset {
  return random * (weights.primary + weights.burst) < weights.primary ? 'primary' : 'burst';
}

/** The labels Istio's source-side proxy puts on istio_requests_total for frontend -> worker. */
export function istioLabels(subset: Subset, responseCode: number) {
  return {
    reporter: 'source',
    source_workload: 'frontend-deployment',
    source_app: 'frontend',
    destination_service: 'worker-service.default.svc.cluster.local',
    destination_service_name: 'worker-service',
    destination_workload: 'worker-deployment',
    destination_cluster: subset,
    response_code: String(responseCode),
  };
}
