// The built bundle (dist/apps/worker/main.js) as a child process, on a redis-server of the
// test's own, observed the way a client and the frontend see it.
import { createServer } from 'node:http';
import { HASH_LENGTH } from '@string-hashr/contract';
import { closeServer, listen } from '@string-hashr/runtime';
import { type TestRedis, freePort, startRedis, waitFor } from '@string-hashr/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Subscriber,
  type Worker,
  postJson,
  rawPost,
  refusesConnections,
  spawnWorker,
  startWorker,
  subscribe,
} from './support.js';

const BASE64_HASH = `[A-Za-z0-9+/]{${HASH_LENGTH - 1}}=`;

describe('the built worker', () => {
  let redis: TestRedis;
  let primary: Worker;
  let burst: Worker;
  let subscriber: Subscriber;

  beforeAll(async () => {
    redis = await startRedis();
    [primary, burst] = await Promise.all([
      startWorker({ REDIS_URL: redis.url }),
      startWorker({ REDIS_URL: redis.url, PREFIX: 'bursty-' }),
    ]);
    subscriber = await subscribe(redis.port);
  });
  afterAll(async () => {
    await subscriber?.close();
    await Promise.all([primary?.stop(), burst?.stop()]);
    await redis?.stop();
  });

  it.each([
    ['primary', '', () => primary],
    ['burst', 'bursty-', () => burst],
  ])('on %s publishes PREFIX "%s" + a 44-character base64 hash, and answers it back', async (_name, prefix, worker) => {
    const res = await postJson(worker().url, '{"str":"abcdefghij"}');
    expect(res.status).toBe(200);
    const result = res.json().result as string;
    expect(result).toMatch(new RegExp(`^${prefix}${BASE64_HASH}$`));
    await subscriber.receives(result);
  });

  it.each<{ name: string; body: string; headers: Record<string, string>; status: number }>([
    { name: 'missing str', body: '{}', headers: {}, status: 400 },
    { name: 'empty str', body: '{"str":""}', headers: {}, status: 400 },
    { name: 'numeric str', body: '{"str":42}', headers: {}, status: 400 },
    { name: 'null str', body: '{"str":null}', headers: {}, status: 400 },
    { name: 'object str with a huge length', body: '{"str":{"length":1e8}}', headers: {}, status: 400 },
    { name: 'array body', body: '[]', headers: {}, status: 400 },
    { name: 'string body', body: '"x"', headers: {}, status: 400 },
    { name: 'null body', body: 'null', headers: {}, status: 400 },
    { name: 'not JSON', body: 'str=abc', headers: {}, status: 400 },
    { name: 'empty body', body: '', headers: {}, status: 400 },
    { name: 'truncated JSON', body: '{"str":"ab', headers: {}, status: 400 },
    { name: 'gzip body', body: '{"str":"x"}', headers: { 'content-encoding': 'gzip' }, status: 415 },
  ])('refuses $name with $status, a JSON error, and keeps serving', async ({ body, headers, status }) => {
    const res = await postJson(primary.url, body, headers);
    expect(res.status).toBe(status);
    expect(res.type).toMatch(/^application\/json/);
    expect(res.json().error).toEqual(expect.any(String));
    expect((await postJson(primary.url, '{"str":"still here"}')).status).toBe(200);
    expect(primary.child.exitCode).toBeNull();
  });

  it('answers 413 for a 20 KiB body, declared or chunked, and keeps serving', async () => {
    const big = JSON.stringify({ str: 'a'.repeat(20 * 1024) });
    const declared = await postJson(primary.url, big);
    expect(declared.status).toBe(413);
    expect(declared.json().error).toBe('body is larger than 16384 bytes');

    const chunks = [big.slice(0, 8000), big.slice(8000, 16000), big.slice(16000)];
    const stream = new ReadableStream({
      pull(controller) {
        const next = chunks.shift();
        if (next === undefined) controller.close();
        else controller.enqueue(new TextEncoder().encode(next));
      },
    });
    const chunked = await fetch(`${primary.url}/`, { method: 'POST', body: stream, duplex: 'half' } as RequestInit);
    expect(chunked.status).toBe(413);
    expect(await chunked.json()).toEqual({ error: 'body is larger than 16384 bytes' });

    expect((await postJson(primary.url, '{"str":"after the big one"}')).status).toBe(200);
  });

  it.each(['http://127.0.0.1/', 'http://worker-service', '//', '///?from=proxy'])(
    'takes POST %s (absolute-form, repeated slashes) like POST /',
    async (target) => {
      const body = '{"str":"any spelling"}';
      const response = await rawPost(primary.port, body.length, body, target).response;
      expect(response).toMatch(/^HTTP\/1.1 200 OK\r\n/);
      await subscriber.receives(JSON.parse(response.slice(response.indexOf('\r\n\r\n') + 4)).result as string);
    },
  );

  it('serves GET / and GET /_healthz with ok, and Prometheus metrics', async () => {
    expect(await (await fetch(`${primary.url}/`)).text()).toBe('ok');
    expect(await (await fetch(`${primary.url}/_healthz`)).text()).toBe('ok');
    const res = await fetch(`${primary.url}/metrics`);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await res.text();
    expect(text).toMatch(/^worker_requests_total\{route="\/",outcome="published",status="200"\} \d+$/m);
    expect(text).toMatch(/^worker_requests_total\{route="\/",outcome="invalid_body",status="400"\} \d+$/m);
    expect(text).toMatch(/^worker_publish_duration_seconds_bucket\{le="0.005"\} \d+$/m);
    expect(text).toMatch(/^worker_redis_up 1$/m);
    expect(text).toMatch(/^worker_process_cpu_seconds_total \d/m);
    expect(text).toMatch(/^worker_nodejs_eventloop_lag_seconds /m);
  });

  it('logs refused requests but not published ones by default', async () => {
    await postJson(primary.url, '{"str":"quiet"}');
    await postJson(primary.url, '{"nope":1}');
    await waitFor('the 400 logged', () => /warn worker: POST \/ 400 ms=/.test(primary.output()));
    expect(primary.output()).not.toMatch(/worker: POST \/ 200/);
  });

  it('logs every request with LOG_REQUESTS=all', async () => {
    const chatty = await startWorker({ REDIS_URL: redis.url, LOG_REQUESTS: 'all' });
    try {
      expect((await postJson(chatty.url, '{"str":"loud"}')).status).toBe(200);
      await waitFor('the 200 logged', () => /info worker: POST \/ 200 ms=/.test(chatty.output()), 20_000).catch(
        (err: Error) => {
          throw new Error(`${err.message}; the worker printed:\n${chatty.output()}`);
        },
      );
    } finally {
      await chatty.stop();
    }
  });
});

describe('the built worker when Redis goes away', () => {
  let redis: TestRedis;
  let worker: Worker;

  beforeAll(async () => {
    redis = await startRedis();
    worker = await startWorker({ REDIS_URL: redis.url, PREFIX: 'bursty-', PUBLISH_TIMEOUT_MS: '300' });
  });
  afterAll(async () => {
    await worker?.stop();
    await redis?.stop();
  });

  it('answers 503 (never 200) while Redis is down, stays up, and publishes again once it is back', async () => {
    await redis.kill();
    await waitFor('readiness 503', async () => (await fetch(`${worker.url}/_healthz`)).status === 503);
    const refused = await postJson(worker.url, '{"str":"while down"}');
    expect(refused.status).toBe(503);
    expect(refused.json().error).toEqual(expect.any(String));
    expect(worker.child.exitCode).toBeNull();
    expect(await (await fetch(`${worker.url}/`)).text()).toBe('ok');

    await redis.restart();
    await waitFor('readiness 200', async () => (await fetch(`${worker.url}/_healthz`)).status === 200, 15_000);
    const subscriber = await subscribe(redis.port);
    try {
      const res = await postJson(worker.url, '{"str":"back again"}');
      expect(res.status).toBe(200);
      await subscriber.receives(res.json().result as string);
    } finally {
      await subscriber.close();
    }
    expect(worker.output()).toMatch(
      /redis publisher ready[\s\S]*redis publisher (reconnecting|unreachable)[\s\S]*redis publisher ready/,
    );
  });

  it('answers 503 when a connected Redis does not accept the publish in time', async () => {
    const admin = new Redis({ host: '127.0.0.1', port: redis.port });
    try {
      await admin.call('CLIENT', 'PAUSE', '2000', 'WRITE');
      const res = await postJson(worker.url, '{"str":"paused"}');
      expect(res.status).toBe(503);
      expect(res.json().error).toBe('redis did not accept the publish within 300 ms');
      await admin.call('CLIENT', 'UNPAUSE');
      expect((await postJson(worker.url, '{"str":"unpaused"}')).status).toBe(200);
    } finally {
      await admin.quit();
    }
  });
});

describe('the built worker when Redis freezes (SIGSTOP: the socket stays open, nothing answers)', () => {
  let redis: TestRedis;
  let worker: Worker;
  let subscriber: Subscriber;
  let admin: Redis;

  beforeAll(async () => {
    redis = await startRedis();
    // The stall is seen 1 to 2 times REDIS_STALL_MS after the freeze: 3 s lets the 200 requests reach
    // the frozen Redis first.
    worker = await startWorker({ REDIS_URL: redis.url, PUBLISH_TIMEOUT_MS: '300', REDIS_STALL_MS: '3000' });
    subscriber = await subscribe(redis.port);
    admin = new Redis({ host: '127.0.0.1', port: redis.port });
  });
  afterAll(async () => {
    redis?.thaw();
    admin?.disconnect();
    await subscriber?.close();
    await worker?.stop();
    await redis?.stop();
  });

  const readiness = async () => (await fetch(`${worker.url}/_healthz`)).status;
  /** The id of the worker's one publisher connection, as Redis lists it. */
  const publisherConnection = async () => {
    const list = String(await admin.call('CLIENT', 'LIST'));
    const ids = list
      .split('\n')
      .filter((line) => line.includes('name=string-hashr-publisher'))
      .map((line) => /\bid=(\d+)/.exec(line)?.[1]);
    expect(ids).toHaveLength(1);
    return ids[0];
  };

  it('readiness turns 503 while Redis does not answer, 200 when it does again; a 503 is never published later', async () => {
    const before = await publisherConnection();
    const answered200 = new Set<string>();
    const post = async (str: string) => {
      const res = await postJson(worker.url, JSON.stringify({ str }));
      if (res.status === 200) answered200.add(res.json().result as string);
      return res.status;
    };
    expect(await post('before the freeze')).toBe(200);

    redis.freeze();
    // Sent at once, before the worker can know: these reach the frozen Redis and wait in its socket.
    const during = await Promise.all(Array.from({ length: 200 }, (_, i) => post(`frozen ${i}`)));
    expect(during.every((status) => status === 503)).toBe(true);
    await waitFor('readiness 503', async () => (await readiness()) === 503, 20_000);
    expect(await post('while known frozen')).toBe(503);
    const metrics = await (await fetch(`${worker.url}/metrics`)).text();
    // Some of them were really written to the frozen Redis: the case that used to publish late.
    expect(Number(/outcome="publish_timeout",status="503"\} (\d+)/.exec(metrics)?.[1])).toBeGreaterThan(0);
    expect(metrics).toMatch(/^worker_redis_up 0$/m);

    redis.thaw();
    await waitFor('readiness 200 again', async () => (await readiness()) === 200);
    expect(await publisherConnection()).toBe(before);
    // Barrier: on that same connection the frozen requests' scripts ran before this one's.
    const marker = await postJson(worker.url, '{"str":"after the thaw"}');
    expect(marker.status).toBe(200);
    answered200.add(marker.json().result as string);
    await subscriber.receives(marker.json().result as string);
    expect(subscriber.received.filter((result) => !answered200.has(result))).toEqual([]);
  });
});

describe('the built worker on SIGTERM', () => {
  it('stops accepting, finishes the request in flight, and exits 0', async () => {
    const redis = await startRedis();
    const subscriber = await subscribe(redis.port);
    const worker = await startWorker({ REDIS_URL: redis.url });
    try {
      const body = '{"str":"in flight"}';
      const inFlight = rawPost(worker.port, body.length, body.slice(0, 8));
      // An idle keep-alive connection must not hold the shutdown up either.
      await fetch(`${worker.url}/`);
      worker.child.kill('SIGTERM');
      await waitFor('new connections refused', () => refusesConnections(worker.port));
      expect(worker.child.exitCode).toBeNull();

      inFlight.send(body.slice(8));
      const response = await inFlight.response;
      expect(response).toMatch(/^HTTP\/1.1 200 OK\r\n/);
      const result = JSON.parse(response.slice(response.indexOf('\r\n\r\n') + 4)).result as string;
      await subscriber.receives(result);

      expect(await worker.exited).toBe(0);
      expect(worker.output()).toMatch(/SIGTERM received, shutting down[\s\S]*stopped/);
    } finally {
      await worker.stop();
      await subscriber.close();
      await redis.stop();
    }
  });
});

describe('the built worker with a bad setting', () => {
  it.each([
    ['PORT', 'abc'],
    ['PORT', '99999'],
    ['REDIS_URL', 'http://x'],
    ['REDIS_URL', 'redis-cache-service'],
    ['LOG_REQUESTS', 'loud'],
    ['MAX_BODY_BYTES', 'lots'],
    ['PUBLISH_TIMEOUT_MS', '0'],
  ])('%s=%s exits 1 naming the variable', async (name, value) => {
    const worker = await spawnWorker({ REDIS_URL: '127.0.0.1:1', [name]: value });
    expect(await worker.exited).toBe(1);
    expect(worker.output()).toMatch(new RegExp(`configuration error: ${name}[ =]`));
  });

  it('a PORT already in use: exits 1 saying PORT=<port> is already in use, without a stack trace', async () => {
    const holder = createServer();
    const port = await listen(holder, 0);
    try {
      const worker = await spawnWorker({ REDIS_URL: '127.0.0.1:1', PORT: String(port) });
      expect(await worker.exited).toBe(1);
      expect(worker.output()).toContain(`cannot start: PORT=${port} is already in use`);
      expect(worker.output()).not.toMatch(/^\s+at /m);
      expect(worker.output()).not.toContain('EADDRINUSE');
    } finally {
      await closeServer(holder, 100);
    }
  });

  it.each([
    'redis://:s3cr3t@cache:70000',
    'redis://default:s3cr3t@cache:6379/db',
    'http://:s3cr3t@cache:6379',
    ':s3cr3t@cache:6379',
  ])('REDIS_URL=%s: exits 1 with the password masked, never printed', async (url) => {
    const worker = await spawnWorker({ REDIS_URL: url });
    expect(await worker.exited).toBe(1);
    expect(worker.output()).toMatch(/configuration error: REDIS_URL "[^"]*:\*\*\*@cache/);
    expect(worker.output()).not.toContain('s3cr3t');
  });

  it('a password in a good REDIS_URL is never logged while Redis is unreachable', async () => {
    const worker = await spawnWorker({ REDIS_URL: `redis://:s3cr3t@127.0.0.1:${await freePort()}` });
    try {
      await waitFor('the unreachable line', () => /redis publisher unreachable/.test(worker.output()));
      expect(worker.output()).not.toContain('s3cr3t');
    } finally {
      await worker.stop();
    }
  });
});
