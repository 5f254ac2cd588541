/**
 * Tracing to Istio's Jaeger addon (samples/addons/jaeger.yaml), off until asked for: the mesh
 * config names the provider (inert by itself), and the Telemetry object that turns it on is
 * applied only by `tools/cluster/install-istio.sh --with-kiali-jaeger`, with the addon.
 */
import { Telemetry } from '@kubernetes-models/istio/telemetry.istio.io/v1alpha1';
import { fqdn } from '@string-hashr/contract';

export const TRACING_PROVIDER = 'jaeger';
/** The addon's collector Service, and its OTLP gRPC port. */
const JAEGER_COLLECTOR = { service: fqdn('jaeger-collector', 'istio-system'), port: 4317 };
/** One call in ten: enough to find a slow burst call at demo rates, little cost at 500 req/s. */
const SAMPLING_PERCENT = 10;

/**
 * For the primary IstioOperator's meshConfig: the provider, used by nothing until the Telemetry;
 * `tracing: {}` turns off the legacy default (Zipkin at 1 %, to a Service that is not there).
 */
export function meshTracingConfig() {
  return {
    enableTracing: true,
    defaultConfig: { tracing: {} },
    extensionProviders: [{ name: TRACING_PROVIDER, opentelemetry: JAEGER_COLLECTOR }],
  };
}

/** Mesh-wide (in the root namespace): every sidecar of both clusters reports to Jaeger. */
export function meshTracing(): Telemetry {
  return new Telemetry({
    metadata: { name: 'mesh-default', namespace: 'istio-system' },
    spec: { tracing: [{ providers: [{ name: TRACING_PROVIDER }], randomSamplingPercentage: SAMPLING_PERCENT }] },
  });
}
