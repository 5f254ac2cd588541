import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG_PATH, loadConfig } from './config.js';
import { primaryInstall } from './istio.js';
import { meshTracing } from './tracing.js';

describe('tracing, off until --with-kiali-jaeger applies the Telemetry', () => {
  const operator = primaryInstall(loadConfig(DEFAULT_CONFIG_PATH)).spec;
  const providers = meshTracing().spec?.tracing?.flatMap((t) => t.providers ?? []) ?? [];

  it('the Telemetry turns on a provider the primary mesh config defines', () => {
    expect(providers.length).toBeGreaterThan(0);
    const defined = operator?.meshConfig?.extensionProviders.map((p) => p.name) ?? [];
    for (const provider of providers) expect(defined).toContain(provider.name);
  });

  it("the mesh config alone traces nothing: the legacy Zipkin default is off and the provider goes to the Jaeger addon's collector", () => {
    expect(operator?.meshConfig?.defaultConfig).toEqual({ tracing: {} });
    expect(operator?.meshConfig?.extensionProviders).toEqual([
      { name: 'jaeger', opentelemetry: { service: 'jaeger-collector.istio-system.svc.cluster.local', port: 4317 } },
    ]);
  });
});
