// Test support for the frontend's integration and browser tests: built bundles, socket.io
// clients that record what they hear, and stand-ins for the worker.
import { existsSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { closeRedis, connectRedis } from '@string-hashr/redis';
import { createLogger, listen } from '@string-hashr/runtime';
import {
  type RunningProcess,
  type TestRedis,
  freePort,
  http,
  startNodeApp,
  startRedis,
  waitFor,
} from '@string-hashr/testing';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll } from 'vitest';
import type { TrafficStats } from '@string-hashr/traffic';
import { type Socket, io } from 'socket.io-client';
import { type FrontendApp, type FrontendDeps, createApp } from '../src/app.js';
import { createProcessorClient } from '../src/processor-client.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** dist/apps/<app>/main.js, which `nx test frontend` builds first (frontend and worker). */
export function builtApp(app: 'frontend' | 'worker'): string {
  const main = path.join(root, 'dist/apps', app, 'main.js');
  if (!existsSync(main))
    throw new Error(
      `${main} is missing: run \`npx nx build frontend worker\` (or \`npx nx test frontend\`, which does)`,
    );
  return main;
}

export interface RunningApp extends RunningProcess {
  port: number;
  url: string;
}

/** Starts a built app on a free port and waits until it answers `GET /`. */
export async function startApp(app: 'frontend' | 'worker', env: Record<string, string>): Promise<RunningApp> {
  const port = await freePort();
  const proc = startNodeApp(builtApp(app), { PORT: String(port), ...env });
  const url = `http://127.0.0.1:${port}`;
  await waitFor(
    `${app} listening on ${port}`,
    async () => {
      if (proc.child.exitCode !== null) throw new Error(`${app} exited:\n${proc.output()}`);
      return (await http(`${url}/`)).status === 200;
    },
    // A hang guard: loading the bundle is slow when other test files keep both cores busy.
    30_000,
  );
  return { ...proc, port, url };
}

export interface Heard {
  event: string;
  args: unknown[];
  at: number;
}

export interface PageClient {
  socket: Socket;
  heard: Heard[];
  /** Everything heard of one event, in order. */
  all<T = unknown>(event: string): T[];
  /** The last payload of `event`, if any. */
  last<T = unknown>(event: string): T | undefined;
  /** Waits for an `event` heard after index `from` (default: any) whose payload passes `check`. */
  next<T = unknown>(
    event: string,
    check?: (payload: T) => boolean,
    options?: { from?: number; timeoutMs?: number },
  ): Promise<T>;
  close(): void;
}

export interface PageOptions {
  /** The handshake's `auth` (the control key: `{ key }`). */
  auth?: Record<string, unknown>;
  /** Extra handshake headers, e.g. an Origin of another site. */
  headers?: Record<string, string>;
  transports?: Array<'websocket' | 'polling'>;
}

/** A socket.io client, as a page would be, recording every event it hears. */
export async function connectPage(url: string, options: PageOptions = {}): Promise<PageClient> {
  const socket = io(url, {
    transports: options.transports ?? ['websocket'],
    reconnectionDelay: 100,
    reconnectionDelayMax: 500,
    auth: options.auth,
    extraHeaders: options.headers,
  });
  const heard: Heard[] = [];
  socket.onAny((event: string, ...args: unknown[]) => heard.push({ event, args, at: Date.now() }));
  await waitFor(`socket.io connection to ${url}`, () => socket.connected, 10_000);
  const payloads = (event: string, from = 0) =>
    heard
      .slice(from)
      .filter((h) => h.event === event)
      .map((h) => h.args[0]);
  return {
    socket,
    heard,
    all: <T>(event: string) => payloads(event) as T[],
    last: <T>(event: string) => payloads(event).at(-1) as T | undefined,
    next: <T>(
      event: string,
      check: (payload: T) => boolean = () => true,
      options: { from?: number; timeoutMs?: number } = {},
    ) =>
      waitFor(
        `a "${event}" event`,
        () => (payloads(event, options.from ?? 0) as T[]).find(check) ?? false,
        options.timeoutMs ?? 10_000,
        20,
      ) as Promise<T>,
    close: () => socket.close(),
  };
}

/** Tries a handshake that should be refused: resolves with the connect_error message (or throws if it connects). */
export function refusedHandshake(url: string, options: PageOptions): Promise<string> {
  const socket = io(url, {
    transports: options.transports ?? ['websocket'],
    reconnection: false,
    auth: options.auth,
    extraHeaders: options.headers,
  });
  return new Promise<string>((resolve, reject) => {
    socket.once('connect', () => {
      socket.close();
      reject(new Error('the handshake was accepted'));
    });
    socket.once('connect_error', (err: Error) => {
      socket.close();
      resolve(err.message);
    });
  });
}

/** Stats heard after `from`, skipping the first (its window mixes the old rate and the new). */
export async function settledStats(
  page: PageClient,
  count: number,
  from: number,
  timeoutMs = 20_000,
): Promise<TrafficStats[]> {
  await waitFor(
    `${count + 1} stats events`,
    () => page.heard.slice(from).filter((h) => h.event === 'stats').length >= count + 1,
    timeoutMs,
  );
  return page.heard
    .slice(from)
    .filter((h) => h.event === 'stats')
    .slice(1, count + 1)
    .map((h) => h.args[0] as TrafficStats);
}

/** A stand-in worker: answers every POST with `status` (or never, when `status` is null). */
export async function startSink(
  status: number | null = 200,
): Promise<{ url: string; requests: () => number; close: () => Promise<void> }> {
  let requests = 0;
  const server: Server = createServer((req, res) => {
    requests++;
    req.resume();
    if (status !== null) req.on('end', () => res.writeHead(status, { 'content-type': 'text/plain' }).end('ok'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests: () => requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A worker that answers 200 and then trickles its body, one byte every `everyMs`, for ever. */
export async function startTrickler(everyMs: number, phase: 'headers' | 'body') {
  const open = new Set<() => void>();
  const server: Server = createServer((req, res) => {
    req.resume();
    let timer: NodeJS.Timeout | undefined;
    const stop = () => clearInterval(timer);
    open.add(stop);
    res.on('close', () => {
      stop();
      open.delete(stop);
    });
    if (phase === 'headers') {
      // The status line, then one header byte at a time: headers never complete.
      res.socket?.write('HTTP/1.1 200 OK\r\nX-Slow: ');
      timer = setInterval(() => res.socket?.write('a'), everyMs);
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain' });
    timer = setInterval(() => res.write('.'), everyMs);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    /** Exchanges the server still holds open (it never ends one itself). */
    openExchanges: () => open.size,
    close: () =>
      new Promise<void>((resolve) => {
        for (const stop of open) stop();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A URL on which nothing listens. */
export async function closedPortUrl(): Promise<string> {
  return `http://127.0.0.1:${await freePort()}`;
}

/** A value of a metric in Prometheus text, e.g. metric(text, 'frontend_requests_total{outcome="ok"}'). */
export function metric(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(series + ' '));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

/**
 * createApp in-process (from source), sending to a sink of its own, ready (subscribed to Redis).
 * Everything it starts is pushed on `cleanups` (run them in reverse). `lines` is its log.
 */
export async function startInProcessFrontend(
  redisUrl: string,
  cleanups: Array<() => Promise<unknown> | unknown>,
  options: {
    config?: Partial<FrontendDeps['config']>;
    statsIntervalMs?: number;
    sinkStatus?: number | null;
    watcherStatus?: FrontendDeps['watcherStatus'];
  } = {},
) {
  const lines: string[] = [];
  const log = createLogger('frontend', (line) => lines.push(line));
  const sink = await startSink(options.sinkStatus === undefined ? 200 : options.sinkStatus);
  cleanups.push(() => sink.close());
  const subscriber = connectRedis(redisUrl, 'subscriber', log);
  cleanups.push(() => closeRedis(subscriber));
  const processor = createProcessorClient(sink.url, {
    maxConnections: 16,
    timeoutMs: 1000,
    maxPerSecond: options.config?.maxRate ?? 1000,
  });
  cleanups.push(() => processor.close(100));
  const frontend: FrontendApp = createApp({
    config: {
      maxRate: 1000,
      maxInFlight: 16,
      initialRate: 0,
      burstPrefix: 'bursty-',
      logRequests: 'errors',
      ...options.config,
    },
    log,
    subscriber,
    sendToProcessor: processor.send,
    statsIntervalMs: options.statsIntervalMs ?? 1000,
    watcherStatus: options.watcherStatus,
  });
  cleanups.push(() => frontend.close());
  const url = `http://127.0.0.1:${await listen(frontend.server, 0, '127.0.0.1')}`;
  await waitFor('the Redis subscription', async () => (await http(`${url}/_healthz`)).status === 200);
  const page = async (pageOptions?: PageOptions) => {
    const client = await connectPage(url, pageOptions);
    cleanups.push(() => client.close());
    return client;
  };
  return { frontend, url, sink, page, lines };
}

/**
 * For a file of in-process frontend tests: one redis-server and a publisher on it for all of them,
 * and `cleanups` that each test pushes to, run newest first after it.
 */
export function inProcessSuite(): {
  redis: TestRedis;
  publisher: Redis;
  cleanups: Array<() => Promise<unknown> | unknown>;
} {
  const suite = { cleanups: [] } as unknown as {
    redis: TestRedis;
    publisher: Redis;
    cleanups: Array<() => Promise<unknown> | unknown>;
  };
  beforeAll(async () => {
    suite.redis = await startRedis();
    suite.publisher = new Redis(suite.redis.port, '127.0.0.1');
  });
  afterEach(async () => {
    for (const cleanup of suite.cleanups.splice(0).reverse()) await cleanup();
  });
  afterAll(async () => {
    suite.publisher?.disconnect();
    await suite.redis?.stop();
  });
  return suite;
}
