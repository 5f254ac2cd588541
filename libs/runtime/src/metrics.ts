import type { RequestHandler } from 'express';
import { Registry, collectDefaultMetrics } from 'prom-client';

/** A registry per app with the Node process metrics, prefixed with the app's name. */
export function createMetricsRegistry(app: string): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: `${app.replace(/-/g, '_')}_` });
  return registry;
}

export function metricsHandler(registry: Registry): RequestHandler {
  return async (_req, res) => {
    res.set('Content-Type', registry.contentType);
    res.send(await registry.metrics());
  };
}
