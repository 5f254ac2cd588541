import express, { type Express } from 'express';
import type { Registry } from 'prom-client';
import { metricsHandler } from '@string-hashr/runtime';

/** The admin port: liveness, readiness (a good tick lately) and Prometheus metrics. */
export function createAdminApp(deps: { registry: Registry; isReady: () => boolean }): Express {
  const app = express();
  app.disable('x-powered-by');
  app.get('/healthz', (_req, res) => {
    res.type('text/plain').send('ok');
  });
  app.get('/readyz', (_req, res) => {
    const ready = deps.isReady();
    res
      .status(ready ? 200 : 503)
      .type('text/plain')
      .send(ready ? 'ok' : 'no successful tick lately');
  });
  app.get('/metrics', metricsHandler(deps.registry));
  return app;
}
