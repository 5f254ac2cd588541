import { type Server as HttpServer, createServer } from 'node:http';
import { CALCULATION_CHANNEL } from '@string-hashr/contract';
import { type Logger, closeServer, createMetricsRegistry, metricsHandler } from '@string-hashr/runtime';
import { isRedisReady } from '@string-hashr/redis';
import { type TrafficStats, validateFrequency } from '@string-hashr/traffic';
import express, { type Express } from 'express';
import type { Redis } from 'ioredis';
import morgan from 'morgan';
import type { Registry } from 'prom-client';
import { Server as SocketServer } from 'socket.io';
import type { FrontendConfig } from './config.js';
import { LoadGenerator } from './load-generator.js';
import { type StaticDirs, staticDirs } from './static-files.js';
import { TrafficMonitor } from './traffic-monitor.js';

export interface FrontendDeps {
  config: Pick<FrontendConfig, 'maxRate' | 'maxInFlight' | 'initialRate' | 'burstPrefix' | 'logRequests'>;
  log: Logger;
  /** A Redis connection for subscribing (connectRedis(url, 'subscriber')); the caller closes it. */
  subscriber: Redis;
  /** Sends one request to the worker, resolving with the HTTP status (createProcessorClient). */
  sendToProcessor: () => Promise<number>;
  registry?: Registry;
  /** Length of a stats window; 1000 but for tests. */
  statsIntervalMs?: number;
  staticDirs?: StaticDirs;
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

export function createApp(deps: FrontendDeps): FrontendApp {
  const { config, log, subscriber } = deps;
  const registry = deps.registry ?? createMetricsRegistry('frontend');
  const app = express();
  const server = createServer(app);
  const io = new SocketServer(server, { serveClient: true });

  let subscribed = false;
  const subscriptionLive = () => subscribed && isRedisReady(subscriber);

  // The live figures are read when /metrics is scraped, after the generator exists.
  const monitor: TrafficMonitor = new TrafficMonitor(registry, config.burstPrefix, {
    targetRate: () => generator.rate,
    inFlight: () => generator.inFlight,
    socketClients: () => io.engine.clientsCount,
    redisSubscribed: subscriptionLive,
  });
  const generator: LoadGenerator = new LoadGenerator({
    send: deps.sendToProcessor,
    maxInFlight: config.maxInFlight,
    events: monitor,
  });

  // One rate for everyone: every page hears about each change.
  const setRate = (freq: number, by: string) => {
    const from = generator.rate;
    generator.setRate(freq);
    if (freq !== from) log.info('rate changed', { from, to: freq, by });
    io.emit('frequency', { freq: generator.rate });
  };
  setRate(config.initialRate, 'INITIAL_RATE');

  const onMessage = (channel: string, message: string) => {
    if (channel !== CALCULATION_CHANNEL) return;
    monitor.result(message);
    io.emit('calculation', message);
  };
  subscriber.on('message', onMessage);
  // ioredis queues this until Redis is reachable and re-subscribes after every reconnect.
  subscriber.subscribe(CALCULATION_CHANNEL).then(
    () => {
      subscribed = true;
      log.info('subscribed', { channel: CALCULATION_CHANNEL });
    },
    (err: Error) => log.error('subscribe failed', { channel: CALCULATION_CHANNEL, error: err.message }),
  );

  const history: TrafficStats[] = [];
  const statsTimer = setInterval(() => {
    const stats = monitor.closeWindow({ targetRate: generator.rate, inFlight: generator.inFlight });
    history.push(stats);
    if (history.length > HISTORY_LENGTH) history.shift();
    io.emit('stats', stats);
  }, deps.statsIntervalMs ?? 1000);

  io.on('connection', (socket) => {
    socket.emit('settings', { maxRate: config.maxRate, burstPrefix: config.burstPrefix });
    socket.emit('frequency', { freq: generator.rate });
    socket.emit('history', history);
    socket.on('frequency', (payload: unknown, ack?: unknown) => {
      const check = validateFrequency(payload, config.maxRate);
      if (check.ok) setRate(check.freq, `page ${socket.id}`);
      else socket.emit('error', { message: check.message });
      if (typeof ack === 'function') ack(check.ok ? { ok: true, freq: generator.rate } : check);
    });
  });

  app.disable('x-powered-by');
  const isProbe = (url: string | undefined) => url === '/_healthz' || url === '/metrics';
  // Probes and scrapes never: their state is in the Redis log lines and in /metrics.
  app.use(
    morgan('short', {
      skip: (req, res) => isProbe(req.url) || (config.logRequests === 'errors' && res.statusCode < 400),
    }),
  );
  app.get('/_healthz', (_req, res) => {
    if (subscriptionLive()) res.type('text').send('ok');
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
      return generator.rate;
    },
    async close() {
      generator.stop();
      clearInterval(statsTimer);
      subscriber.off('message', onMessage);
      io.disconnectSockets(true);
      io.engine.close();
      if (server.listening) await closeServer(server, 2000);
    },
  };
}
