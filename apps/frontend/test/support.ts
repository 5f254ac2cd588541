// Test support for the frontend's integration and browser tests: built bundles, socket.io
// clients that record what they hear, and stand-ins for the worker.
import { existsSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type RunningProcess, freePort, http, startNodeApp, waitFor } from '@string-hashr/testing';
import type { TrafficStats } from '@string-hashr/traffic';
import { type Socket, io } from 'socket.io-client';

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
    15_000,
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

/** A socket.io client, as a page would be, recording every event it hears. */
export async function connectPage(url: string): Promise<PageClient> {
  const socket = io(url, { transports: ['websocket'], reconnectionDelay: 100, reconnectionDelayMax: 500 });
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

export const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);

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
