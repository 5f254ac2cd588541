// Test support for the worker's integration tests: the built bundle on a free port, a
// subscriber that records what arrives on `calculation`, and a raw HTTP/1.1 client for
// requests that must stay in flight.
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CALCULATION_CHANNEL } from '@string-hashr/contract';
import { type RunningProcess, freePort, startNodeApp, waitFor } from '@string-hashr/testing';
import { Redis } from 'ioredis';

const mainJs = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../dist/apps/worker/main.js');

export interface Worker extends RunningProcess {
  port: number;
  url: string;
}

/** Runs dist/apps/worker/main.js (which `nx test worker` builds first) without waiting for it. */
export async function spawnWorker(env: Record<string, string>): Promise<Worker> {
  if (!existsSync(mainJs))
    throw new Error(`${mainJs} is missing: run \`npx nx build worker\` (or \`npx nx test worker\`, which does)`);
  const port = await freePort();
  return { ...startNodeApp(mainJs, { PORT: String(port), ...env }), port, url: `http://127.0.0.1:${port}` };
}

/** Runs the built worker and waits until it is ready (Redis connected). */
export async function startWorker(env: Record<string, string>): Promise<Worker> {
  const worker = await spawnWorker(env);
  await waitFor(
    `worker ready on ${worker.port}`,
    async () => {
      if (worker.child.exitCode !== null) throw new Error(`worker exited:\n${worker.output()}`);
      return (await fetch(`${worker.url}/_healthz`)).status === 200;
    },
    15_000,
  );
  return worker;
}

export async function postJson(url: string, body: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${url}/`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  const text = await res.text();
  return {
    status: res.status,
    type: res.headers.get('content-type'),
    body: text,
    json: () => JSON.parse(text) as Record<string, unknown>,
  };
}

export interface Subscriber {
  received: string[];
  /** Waits for `message` to arrive on `calculation`. */
  receives(message: string): Promise<void>;
  close(): Promise<void>;
}

export async function subscribe(redisPort: number): Promise<Subscriber> {
  const redis = new Redis({ host: '127.0.0.1', port: redisPort, lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  const received: string[] = [];
  redis.on('message', (_channel: string, message: string) => received.push(message));
  await redis.subscribe(CALCULATION_CHANNEL);
  return {
    received,
    receives: (message) =>
      waitFor(`"${message}" on ${CALCULATION_CHANNEL}`, () => received.includes(message)).then(() => undefined),
    close: async () => void (await redis.quit().catch(() => redis.disconnect())),
  };
}

/** A request written by hand, so a test decides when its body is complete. */
export interface RawRequest {
  /** Writes more of the body. */
  send(text: string): void;
  /** The whole response as text, once the server closes or answers. */
  response: Promise<string>;
}

export function rawPost(port: number, declaredLength: number, firstPart: string, target = '/'): RawRequest {
  return rawRequest(
    port,
    `POST ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${declaredLength}\r\n\r\n${firstPart}`,
  );
}

/** Writes `text` as is on a new connection (request line included). */
export function rawRequest(port: number, request: string): RawRequest {
  const socket = connect(port, '127.0.0.1');
  socket.write(request);
  let text = '';
  const response = new Promise<string>((resolve, reject) => {
    socket.on('data', (chunk) => {
      text += chunk.toString();
      // One response with a Content-Length is all this client waits for.
      const length = /content-length: (\d+)/i.exec(text)?.[1];
      const headEnd = text.indexOf('\r\n\r\n');
      if (length !== undefined && headEnd >= 0 && Buffer.byteLength(text) >= headEnd + 4 + Number(length)) {
        socket.end();
        resolve(text);
      }
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(text));
  });
  return { send: (part) => socket.write(part), response };
}

/** True once a fresh TCP connection to `port` is refused. */
export function refusesConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}
