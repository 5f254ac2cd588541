import express, { type Express } from 'express';
import type { Registry } from 'prom-client';
import { WATCHER_STATUS_PATH, type WatcherStatus } from '@string-hashr/contract';
import { metricsHandler } from '@string-hashr/runtime';

/** The admin port: liveness, readiness (a good tick lately), Prometheus metrics and the status. */
export function createAdminApp(deps: {
  registry: Registry;
  isReady: () => boolean;
  /** What the watcher is doing and why (GET /status). */
  status: () => WatcherStatus;
}): Express {
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
  app.get(WATCHER_STATUS_PATH, (_req, res) => {
    // Built per request from the loop's state: always current, never cached by anyone on the way.
    res.set('Cache-Control', 'no-store').json(deps.status());
  });
  return app;
}
