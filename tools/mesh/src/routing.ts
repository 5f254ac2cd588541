import { DEFAULT_ROUTE_KIND, workerTrafficLabels, type RouteKind } from '@string-hashr/contract';
import type { Weights } from '@string-hashr/policy';

export type Subset = 'primary' | 'burst';

/** Weighted random choice of a subset, as Envoy's weighted clusters do; `random` is in [0, 1). */
export function pickSubset(weights: Weights, random: number): Subset {
  return random * (weights.primary + weights.burst) < weights.primary ? 'primary' : 'burst';
}

/**
 * The labels Istio's source-side proxy puts on istio_requests_total for frontend -> worker, routed
 * by `kind` (through an HTTPRoute, destination_service is the backend Service of the cluster).
 */
export function istioLabels(
  subset: Subset,
  responseCode: number,
  kind: RouteKind = DEFAULT_ROUTE_KIND,
): Record<string, string> {
  return workerTrafficLabels(subset, responseCode, kind);
}
