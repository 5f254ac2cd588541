import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { HashSources } from '@string-hashr/hashing';
import type { DeadlinePublisher } from '@string-hashr/redis';
import type { Logger } from '@string-hashr/runtime';
import { metricsHandler } from '@string-hashr/runtime';
import express, { type ErrorRequestHandler, type Express } from 'express';
import type { Registry } from 'prom-client';
import type { LogRequests } from '@string-hashr/runtime';
import { isHashPath } from './hash-request.js';
import { createWorkerMetrics } from './metrics.js';
import { createPublishHandler } from './publish-handler.js';
import { createRequestLog } from './request-log.js';
import { pooledHexSalt } from './salt.js';

export interface WorkerDeps {
  /** Redis, watched and published to with a deadline (createDeadlinePublisher in production). */
  publisher: DeadlinePublisher;
  prefix: string;
  logRequests: LogRequests;
  maxBodyBytes: number;
  publishTimeoutMs: number;
  /** Gets the worker's metrics beside whatever it already holds (default process metrics). */
  registry: Registry;
  /** True once SIGTERM arrived: readiness turns 503 so no new traffic is routed here. */
  isStopping?: () => boolean;
  /** For failures of the Express routes (a 500 answer says no more than "internal error"). */
  log?: Logger;
  /** Where request log lines go (stdout by default). */
  logStream?: { write(line: string): void };
  /** Salt and clock of the hash; a pooled random salt and the real clock by default. */
  hashSources?: HashSources;
  /** Monotonic clock, ms, of request times and publish durations (performance.now by default). */
  now?: () => number;
}

export interface WorkerApp {
  /** The server's request listener: `POST /` on the lean handler, everything else on Express. */
  listener: RequestListener;
  /** The Express app behind it (probes, metrics, 404s). */
  express: Express;
}

const KNOWN_ROUTES = new Set(['/', '/_healthz', '/metrics']);

export function createApp(deps: WorkerDeps): WorkerApp {
  // Connected is not enough: a frozen Redis keeps its socket open and answers nothing.
  const isRedisUp = () => deps.publisher.answering();
  const isStopping = deps.isStopping ?? (() => false);
  const metrics = createWorkerMetrics(deps.registry, isRedisUp);
  const requestLog = createRequestLog(deps.logRequests, deps.logStream, deps.now);

  const app = express();
  app.disable('x-powered-by');
  app.use(requestLog.middleware);
  app.use((req, res, next) => {
    res.on('finish', () => {
      const route = KNOWN_ROUTES.has(req.path) ? req.path : 'other';
      metrics.countRequest(route, res.statusCode < 400 ? 'served' : 'failed', res.statusCode);
    });
    next();
  });

  app.get('/', (_req, res) => {
    res.type('text/plain').send('ok');
  });
  app.get('/_healthz', (_req, res) => {
    const problem = isStopping() ? 'shutting down' : isRedisUp() ? undefined : 'redis not answering';
    res
      .status(problem ? 503 : 200)
      .type('text/plain')
      .send(problem ?? 'ok');
  });
  app.get('/metrics', metricsHandler(deps.registry));
  app.all('/', (_req, res) => {
    res.set('Allow', 'GET, HEAD, POST').status(405).json({ error: 'method not allowed; POST {"str": "..."} or GET' });
  });
  app.use((req, res) => {
    res.status(404).json({ error: `no route for ${req.method} ${req.path}` });
  });
  const onError: ErrorRequestHandler = (
    err: { status?: number; statusCode?: number; message?: string },
    _req,
    res,
    _next,
  ) => {
    const status = err.status ?? err.statusCode ?? 500;
    if (status >= 500) deps.log?.error(`request failed: ${err.message ?? String(err)}`);
    res
      .status(status >= 400 && status < 600 ? status : 500)
      .json({ error: status < 500 ? (err.message ?? 'bad request') : 'internal error' });
  };
  app.use(onError);

  const publishHandler = createPublishHandler({
    ...deps,
    metrics,
    requestLog,
    hashSources: deps.hashSources ?? { salt: pooledHexSalt() },
  });
  const listener = (req: IncomingMessage, res: ServerResponse) => {
    if (req.method === 'POST' && isHashPath(req.url)) publishHandler(req, res);
    else app(req, res);
  };
  return { listener, express: app };
}
