// createApp in-process with a stand-in publisher, for what a real Redis cannot be made to do on
// cue: refuse a publish, never answer one. The real thing is in worker.test.ts.
import { createServer } from 'node:http';
import { calculationResult } from '@string-hashr/hashing';
import { closeServer, listen } from '@string-hashr/runtime';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { type WorkerDeps, createApp } from '../src/app.js';
import type { DeadlinePublisher, PublishOutcome } from '@string-hashr/redis';

/** Redis as the deadline publisher sees it, told by the test what to do. */
class StandInRedis implements DeadlinePublisher {
  isAnswering = true;
  published: string[] = [];
  /**
   * What the next publishes do: publish (default), refused by Redis with an error reply, run after
   * the deadline by the script, never answered, or the connection lost with the fate unknown.
   */
  behaviour: 'accept' | 'refuse' | 'too_late' | 'hang' | 'lost' = 'accept';
  answering() {
    return this.isAnswering;
  }
  publishWithin(channel: string, message: string, timeoutMs: number) {
    const outcome = ((): Promise<PublishOutcome> => {
      switch (this.behaviour) {
        case 'refuse':
          return Promise.resolve({ kind: 'refused', reason: 'NOAUTH Authentication required.' });
        case 'too_late':
          return Promise.resolve({ kind: 'too_late' });
        case 'hang':
          return new Promise(() => {});
        case 'lost':
          return Promise.reject(new Error('Connection is closed.'));
        default:
          this.published.push(`${channel} ${message}`);
          return Promise.resolve({ kind: 'published' });
      }
    })();
    return { outcome, settledInMs: timeoutMs + 5 };
  }
}

const servers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((close) => close()));
});

async function serve(overrides: Partial<WorkerDeps> = {}) {
  const redis = new StandInRedis();
  const lines: string[] = [];
  let stopping = false;
  const { listener } = createApp({
    publisher: redis,
    prefix: '',
    logRequests: 'errors',
    maxBodyBytes: 16384,
    publishTimeoutMs: 2000,
    registry: new Registry(),
    isStopping: () => stopping,
    logStream: { write: (line) => lines.push(line) },
    ...overrides,
  });
  const server = createServer(listener);
  const url = `http://127.0.0.1:${await listen(server, 0, '127.0.0.1')}`;
  servers.push(() => closeServer(server, 100));
  const post = async (body: string) => {
    const res = await fetch(`${url}/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    return { status: res.status, body: await res.text() };
  };
  const request = async (method: string, path: string) => {
    const res = await fetch(url + path, { method });
    return { status: res.status, body: await res.text(), type: res.headers.get('content-type') };
  };
  const get = (path: string) => request('GET', path);
  return { redis, lines, post, get, request, stop: () => (stopping = true) };
}

describe('createApp', () => {
  it('publishes PREFIX + hash and answers it back', async () => {
    const sources = { salt: (n: number) => 'f'.repeat(n), now: () => new Date('2024-05-01T13:00:00Z') };
    const app = await serve({ prefix: 'bursty-', hashSources: sources });
    const expected = calculationResult('bursty-', 'abcdefghij', sources);
    expect(await app.post('{"str":"abcdefghij"}')).toEqual({ status: 200, body: JSON.stringify({ result: expected }) });
    expect(app.redis.published).toEqual([`calculation ${expected}`]);
  });

  it('answers 503, never 200, when Redis refuses the publish', async () => {
    const app = await serve();
    app.redis.behaviour = 'refuse';
    const res = await app.post('{"str":"x"}');
    expect(res.status).toBe(503);
    expect(JSON.parse(res.body).error).toBe('redis refused the publish: NOAUTH Authentication required.');
  });

  it('answers 503 at once when the script ran after the deadline (nothing was published)', async () => {
    const app = await serve({ publishTimeoutMs: 60_000 });
    app.redis.behaviour = 'too_late';
    const res = await app.post('{"str":"x"}');
    expect(res.status).toBe(503);
    expect(JSON.parse(res.body).error).toBe('redis did not accept the publish within 60000 ms');
  });

  it('when the connection breaks after the publish was sent, answers 503 only once Redis can no longer run it', async () => {
    const app = await serve({ publishTimeoutMs: 80 });
    app.redis.behaviour = 'lost';
    const res = await app.post('{"str":"x"}');
    expect(res.status).toBe(503);
    expect(JSON.parse(res.body).error).toBe(
      'the connection to redis broke before it confirmed the publish; not published',
    );
    // That it comes no sooner than the deadline is proven on a moved clock: src/publish-handler.test.ts.
    expect((await app.get('/metrics')).body).toMatch(/outcome="publish_failed",status="503"\} 1$/m);
  });

  it('answers 503 when Redis does not accept the publish in time', async () => {
    const app = await serve({ publishTimeoutMs: 50 });
    app.redis.behaviour = 'hang';
    const res = await app.post('{"str":"x"}');
    expect(res.status).toBe(503);
    expect(JSON.parse(res.body).error).toBe('redis did not accept the publish within 50 ms');
    expect(app.lines.join('\n')).toMatch(/error worker: POST \/ 503 ms=\d/);
  });

  it('answers 503 without publishing while Redis is not answering, and readiness says so', async () => {
    const app = await serve();
    app.redis.isAnswering = false;
    const res = await app.post('{"str":"x"}');
    expect(res.status).toBe(503);
    expect(JSON.parse(res.body).error).toBe('redis is not answering; not published, try again later');
    expect(app.redis.published).toEqual([]);
    expect(await app.get('/_healthz')).toMatchObject({ status: 503, body: 'redis not answering' });
    expect((await app.get('/metrics')).body).toMatch(/^worker_redis_up 0$/m);
  });

  it('serves liveness, readiness and metrics', async () => {
    const app = await serve();
    expect(await app.get('/')).toMatchObject({ status: 200, body: 'ok' });
    expect(await app.get('/_healthz')).toMatchObject({ status: 200, body: 'ok' });
    await app.post('{"str":"x"}');
    await app.post('{"str":1}');
    const metrics = await app.get('/metrics');
    expect(metrics.type).toMatch(/^text\/plain/);
    expect(metrics.body).toMatch(/^worker_requests_total\{route="\/",outcome="published",status="200"\} 1$/m);
    expect(metrics.body).toMatch(/^worker_requests_total\{route="\/",outcome="invalid_body",status="400"\} 1$/m);
    expect(metrics.body).toMatch(/^worker_requests_total\{route="\/_healthz",outcome="served",status="200"\} 1$/m);
    expect(metrics.body).toMatch(/^worker_publish_duration_seconds_count 1$/m);
    expect(metrics.body).toMatch(/^worker_redis_up 1$/m);
  });

  it('turns readiness off once stopping', async () => {
    const app = await serve();
    app.stop();
    expect(await app.get('/_healthz')).toMatchObject({ status: 503, body: 'shutting down' });
  });

  it.each([
    ['GET', '/nowhere', 404],
    ['POST', '/nowhere', 404],
    ['PUT', '/', 405],
    ['DELETE', '/', 405],
  ])('%s %s -> %i with a JSON error', async (method, path, status) => {
    const app = await serve();
    const res = await app.request(method, path);
    expect(res.status).toBe(status);
    expect(res.type).toMatch(/^application\/json/);
    expect(JSON.parse(res.body).error).toEqual(expect.any(String));
  });

  it('logs only what is not 2xx by default', async () => {
    const app = await serve({ publishTimeoutMs: 30 });
    await app.post('{"str":"fine"}');
    await app.get('/');
    await app.post('{"str":""}');
    app.redis.behaviour = 'hang';
    await app.post('{"str":"slow"}');
    await app.get('/missing');
    app.redis.isAnswering = false;
    expect((await app.get('/_healthz')).status).toBe(503);
    expect(app.lines).toHaveLength(3);
    expect(app.lines[0]).toMatch(/^\S+Z warn worker: POST \/ 400 ms=[\d.]+ bytes=\d+ remote=\S+\n?$/);
    // Timed from the arrival (src/publish-handler.test.ts shows it on a moved clock).
    expect(app.lines[1]).toMatch(/^\S+Z error worker: POST \/ 503 ms=[\d.]+ bytes=\d+ remote=\S+\n?$/);
    expect(app.lines[2]).toMatch(/warn worker: GET \/missing 404 /);
  });

  it('logs every request with LOG_REQUESTS=all', async () => {
    const app = await serve({ logRequests: 'all' });
    await app.post('{"str":"fine"}');
    await app.get('/_healthz');
    await app.post('nope');
    app.redis.isAnswering = false;
    await app.get('/_healthz');
    expect(app.lines.map((line) => line.split(' ').slice(1, 6).join(' '))).toEqual([
      'info worker: POST / 200',
      'info worker: GET /_healthz 200',
      'warn worker: POST / 400',
      'info worker: GET /_healthz 503',
    ]);
  });
});
