/**
 * The mesh's millisecond reaction to a failing worker (config.safetyNet), in the form each
 * routing flavour takes it: outlier ejection on the DestinationRule(s), the request timeout on the
 * route, and retries on the VirtualService route or, for an HTTPRoute (whose `retry` is only in
 * Gateway API's experimental channel), as the mesh's default retry policy, which Istio applies to
 * every route that sets none.
 */
import type { ManifestConfig } from './config.js';

/** A DestinationRule's `trafficPolicy.outlierDetection`. */
export function outlierDetection(config: ManifestConfig) {
  return { ...config.safetyNet.outlierDetection };
}

/**
 * A VirtualService route's `retries`, and meshConfig.defaultHttpRetryPolicy (the same fields) for
 * the routes that cannot carry their own. Istio reads the numbers in `retryOn` as status codes.
 */
export function retryPolicy(config: ManifestConfig) {
  const { attempts, perTryTimeout, retryOn } = config.safetyNet.retries;
  return { attempts, perTryTimeout, retryOn };
}

/** The whole call's timeout, retries included: a VirtualService's `timeout`, an HTTPRoute rule's `timeouts.request`. */
export function requestTimeout(config: ManifestConfig): string {
  return config.safetyNet.requestTimeout;
}
