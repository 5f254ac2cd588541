// `POST /` on a clock the test moves: when each answer is given, measured from the arrival.
// Requests and responses are stand-ins; Redis is a publisher told what to do.
import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DeadlinePublisher, PublishOutcome } from '@string-hashr/redis';
import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createWorkerMetrics } from './metrics.js';
import { createPublishHandler } from './publish-handler.js';
import { createRequestLog } from './request-log.js';

const TIMEOUT_MS = 80;
const SETTLED_IN_MS = TIMEOUT_MS + 5;

/** A response as the handler and morgan use it; `answeredAt` is when it ended (test clock). */
class StandInResponse extends EventEmitter {
  statusCode = 200;
  headersSent = false;
  finished = false;
  body: string | undefined;
  answeredAt: number | undefined;
  private headers: Record<string, string | number> = {};
  getHeader(name: string) {
    return this.headers[name];
  }
  setHeader(name: string, value: string | number) {
    this.headers[name.toLowerCase()] = value;
  }
  writeHead(status: number, headers: Record<string, string | number> = {}) {
    this.statusCode = status;
    for (const [name, value] of Object.entries(headers)) this.setHeader(name, value);
    this.headersSent = true;
    return this;
  }
  end(body: string) {
    this.body = body;
    this.answeredAt = Date.now();
    this.finished = true;
    this.emit('finish');
  }
}

function harness(outcome: () => Promise<PublishOutcome>) {
  const registry = new Registry();
  const lines: string[] = [];
  const publisher: DeadlinePublisher = {
    answering: () => true,
    publishWithin: () => ({ outcome: outcome(), settledInMs: SETTLED_IN_MS }),
  };
  const handle = createPublishHandler({
    publisher,
    prefix: '',
    maxBodyBytes: 16384,
    publishTimeoutMs: TIMEOUT_MS,
    metrics: createWorkerMetrics(registry, () => true),
    requestLog: createRequestLog('errors', { write: (line) => void lines.push(line) }, () => Date.now()),
    now: () => Date.now(),
  });
  /** POSTs `{"str":"x"}`: the body arrives at once, the answer when the handler gives it. */
  const post = () => {
    const req = Object.assign(new EventEmitter(), {
      method: 'POST',
      url: '/',
      headers: {},
      resume: () => {},
    });
    const res = new StandInResponse();
    handle(req as unknown as IncomingMessage, res as unknown as ServerResponse);
    req.emit('data', Buffer.from('{"str":"x"}'));
    req.emit('end');
    return res;
  };
  const error = (res: StandInResponse) => (JSON.parse(res.body ?? '{}') as { error?: string }).error;
  return { post, lines, registry, error };
}

describe('POST / on a moved clock', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 0 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('the connection broke after the publish was sent: 503 only once Redis can no longer run it', async () => {
    const { post, error, lines } = harness(() => Promise.reject(new Error('Connection is closed.')));
    const res = post();
    await vi.advanceTimersByTimeAsync(SETTLED_IN_MS - 1);
    // Until then Redis might still run it: no answer yet.
    expect(res.answeredAt).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(res.statusCode).toBe(503);
    expect(res.answeredAt).toBe(SETTLED_IN_MS);
    expect(error(res)).toBe('the connection to redis broke before it confirmed the publish; not published');
    // The log line is timed from the arrival, not from when it was written.
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(` error worker: POST / 503 ms=${SETTLED_IN_MS}\\.000 `));
  });

  it('Redis never answers: 503 at the deadline, timed from the arrival', async () => {
    const { post, error, lines } = harness(() => new Promise(() => {}));
    const res = post();
    await vi.advanceTimersByTimeAsync(SETTLED_IN_MS - 1);
    expect(res.answeredAt).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(res.statusCode).toBe(503);
    expect(error(res)).toBe(`redis did not accept the publish within ${TIMEOUT_MS} ms`);
    expect(lines[0]).toMatch(new RegExp(` POST / 503 ms=${SETTLED_IN_MS}\\.000 `));
  });

  it('Redis says the deadline passed: 503 at once', async () => {
    const { post, error } = harness(() => Promise.resolve({ kind: 'too_late' }));
    const res = post();
    await vi.advanceTimersByTimeAsync(0);
    expect(res.answeredAt).toBe(0);
    expect(res.statusCode).toBe(503);
    expect(error(res)).toBe(`redis did not accept the publish within ${TIMEOUT_MS} ms`);
  });

  it('published: 200 as soon as Redis accepts, the publish timed on the clock, and no log line', async () => {
    const { post, registry, lines } = harness(
      () => new Promise((resolve) => setTimeout(() => resolve({ kind: 'published' }), 7)),
    );
    const res = post();
    await vi.advanceTimersByTimeAsync(7);
    expect(res.statusCode).toBe(200);
    expect(res.answeredAt).toBe(7);
    const exposition = await registry.metrics();
    expect(exposition).toMatch(/^worker_publish_duration_seconds_sum 0\.007$/m);
    // The deadline's timer was cleared: nothing answers twice.
    await vi.advanceTimersByTimeAsync(SETTLED_IN_MS);
    expect(vi.getTimerCount()).toBe(0);
    expect(lines).toEqual([]);
  });
});
