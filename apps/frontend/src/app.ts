import { type Server as HttpServer, createServer } from 'node:http';
import { type Logger, closeServer, createMetricsRegistry, metricsHandler, throttledLog } from '@string-hashr/runtime';
import express, { type Express } from 'express';
import helmet from 'helmet';
import type { Redis } from 'ioredis';
import morgan from 'morgan';
import { Counter, type Registry } from 'prom-client';
import { Server as SocketServer } from 'socket.io';
import { rateRule } from '@string-hashr/traffic';
import { checkOrigin } from './access.js';
import type { FrontendConfig } from './config.js';
import { createRateControl } from './rate-control.js';
import { createResultRelay } from './result-relay.js';
import { type StaticDirs, staticDirs } from './static-files.js';
import { TrafficMonitor, liveGauge } from './traffic-monitor.js';
import { createWatcherRelay } from './watcher-relay.js';

export interface FrontendDeps {
  config: Pick<FrontendConfig, 'maxRate' | 'maxInFlight' | 'initialRate' | 'burstPrefix' | 'logRequests'> &
    Partial<
      Pick<FrontendConfig, 'redisStallMs' | 'rateControl' | 'controlKey' | 'allowedOrigins' | 'watcherStatusUrl'>
    >;
  log: Logger;
  /** A Redis connection for subscribing (connectRedis(url, 'subscriber')); the caller closes it. */
  subscriber: Redis;
  /** Sends one request to the worker, resolving with the HTTP status (createProcessorClient). */
  sendToProcessor: () => Promise<number>;
  registry?: Registry;
  /** Length of a stats window; 1000 but for tests. */
  statsIntervalMs?: number;
  staticDirs?: StaticDirs;
  /** How often the watcher's status is read, and the deadline of one read; 1000 and 2000 but for tests. */
  watcherStatus?: { intervalMs?: number; timeoutMs?: number };
}

export interface FrontendApp {
  app: Express;
  /** The HTTP server with socket.io attached; the caller listens. */
  server: HttpServer;
  io: SocketServer;
  /** The one rate of the whole app. */
  readonly rate: number;
  /** Stops the generator and the stats, disconnects every page and closes the server. */
  close(): Promise<void>;
}

/** Charts on the page cover 2 minutes; a page that connects gets them at once. */
const HISTORY_LENGTH = 120;

/**
 * The page is served like a production site: everything it loads comes from here, so the CSP
 * allows only 'self' (plus data: images, which Bootstrap's CSS uses for its form icons), no
 * inline script or style, no framing, no Referer to anyone, no MIME sniffing. No
 * upgrade-insecure-requests: the local stack serves plain HTTP, and behind the gateway every URL
 * of the page is relative, so it stays on HTTPS anyway.
 */
export const SECURITY_HEADERS: Parameters<typeof helmet>[0] = {
  contentSecurityPolicy: {
    useDefaults: false,
    directives: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'"],
      scriptSrcAttr: ["'none'"],
      styleSrc: ["'self'"],
      imgSrc: ["'self'", 'data:'],
      fontSrc: ["'self'"],
      connectSrc: ["'self'"],
      objectSrc: ["'none'"],
      baseUri: ["'none'"],
      formAction: ["'self'"],
      frameAncestors: ["'none'"],
    },
  },
  referrerPolicy: { policy: 'no-referrer' },
  xFrameOptions: { action: 'deny' },
};

/** Largest socket.io message accepted: the page sends `{ "freq": number }`, nothing bigger. */
export const MAX_SOCKET_MESSAGE_BYTES = 4 * 1024;

/**
 * Wiring, one way: rate control (pages' `frequency`, the load generator) and the result relay
 * (Redis -> pages, stats) both report to the traffic monitor, which reports to nobody; the
 * watcher relay (WATCHER_STATUS_URL -> pages) stands apart and reports only to the pages.
 */
export function createApp(deps: FrontendDeps): FrontendApp {
  const { config, log } = deps;
  const registry = deps.registry ?? createMetricsRegistry('frontend');
  const app = express();
  const server = createServer(app);
  const refusedSockets = new Counter({
    name: 'frontend_sockets_refused_total',
    help: 'socket.io handshakes refused because the page came from another origin (not in ALLOWED_ORIGINS)',
    registers: [registry],
  });
  const refusals = throttledLog(log, 60_000);
  const allowedOrigins = config.allowedOrigins ?? [];
  const io = new SocketServer(server, {
    // The client script is served with the page's assets (/vendor/socket.io/), under the same headers.
    serveClient: false,
    maxHttpBufferSize: MAX_SOCKET_MESSAGE_BYTES,
    // Same origin only (plus ALLOWED_ORIGINS): a page on another site cannot open a socket here.
    allowRequest: (req, callback) => {
      const fetchSite = req.headers['sec-fetch-site'];
      const verdict = checkOrigin(
        {
          origin: req.headers.origin,
          host: req.headers.host,
          secFetchSite: typeof fetchSite === 'string' ? fetchSite : undefined,
        },
        allowedOrigins,
      );
      if (verdict.ok) return callback(null, true);
      refusedSockets.inc();
      refusals.warn('origin', 'socket.io handshake refused', { reason: verdict.reason });
      callback('origin not allowed', false);
    },
  });

  const monitor = new TrafficMonitor(registry, config.burstPrefix);
  liveGauge(registry, 'frontend_socket_clients', 'Pages connected over socket.io', () => io.engine.clientsCount);
  io.on('connection', (socket) => {
    socket.emit('settings', {
      maxRate: config.maxRate,
      burstPrefix: config.burstPrefix,
      rateRule: rateRule(config.maxRate),
    });
  });
  const rateControl = createRateControl({
    io,
    log,
    registry,
    mode: config.rateControl ?? 'open',
    controlKey: config.controlKey,
    maxRate: config.maxRate,
    initialRate: config.initialRate,
    send: deps.sendToProcessor,
    maxInFlight: config.maxInFlight,
    events: monitor,
  });
  const relay = createResultRelay({
    io,
    log,
    subscriber: deps.subscriber,
    monitor,
    registry,
    statsIntervalMs: deps.statsIntervalMs ?? 1000,
    historyLength: HISTORY_LENGTH,
    redisStallMs: config.redisStallMs ?? 1000,
  });
  const watcherRelay = config.watcherStatusUrl
    ? createWatcherRelay({
        io,
        log,
        registry,
        url: config.watcherStatusUrl,
        intervalMs: deps.watcherStatus?.intervalMs ?? 1000,
        timeoutMs: deps.watcherStatus?.timeoutMs ?? 2000,
      })
    : undefined;

  // socket.io answers /socket.io/ itself, before Express: its answers get the headers that matter there.
  io.engine.on('headers', (headers: Record<string, string>) => {
    headers['X-Content-Type-Options'] = 'nosniff';
  });

  app.disable('x-powered-by');
  app.use(helmet(SECURITY_HEADERS));
  const isProbe = (url: string | undefined) => url === '/_healthz' || url === '/metrics';
  // Probes and scrapes never: their state is in the Redis log lines and in /metrics.
  app.use(
    morgan('short', {
      skip: (req, res) => isProbe(req.url) || (config.logRequests === 'errors' && res.statusCode < 400),
    }),
  );
  app.get('/_healthz', (_req, res) => {
    if (relay.subscribed()) res.type('text').send('ok');
    else res.status(503).type('text').send('redis subscription down');
  });
  app.get('/metrics', metricsHandler(registry));
  const dirs = deps.staticDirs ?? staticDirs();
  for (const [prefix, dir] of Object.entries(dirs.vendor)) app.use(prefix, express.static(dir, { fallthrough: false }));
  app.use(express.static(dirs.page));

  return {
    app,
    server,
    io,
    get rate() {
      return rateControl.rate;
    },
    async close() {
      rateControl.stop();
      relay.close();
      watcherRelay?.close();
      io.disconnectSockets(true);
      io.engine.close();
      if (server.listening) await closeServer(server, 2000);
    },
  };
}
