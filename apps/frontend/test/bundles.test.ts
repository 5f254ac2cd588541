// The built bundles as they run in the cluster: dist/apps/frontend/main.js with the real
// dist/apps/worker/main.js, each test with its own redis-server on a free port.
import { type TestRedis, http, startNodeApp, startRedis, waitFor } from '@string-hashr/testing';
import type { TrafficStats } from '@string-hashr/traffic';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type PageClient,
  type RunningApp,
  builtApp,
  closedPortUrl,
  connectPage,
  metric,
  settledStats,
  startApp,
  startSink,
  startTrickler,
} from './support.js';
import { DROP_REASONS, type DropReason } from '../src/traffic-events.js';

const HASH = /^[A-Za-z0-9+/]{43}=$/;

describe('frontend bundle', () => {
  const cleanups: Array<() => Promise<unknown> | unknown> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  const track = <T extends { stop?: () => Promise<unknown>; close?: () => unknown }>(thing: T): T => {
    cleanups.push(() => (thing.stop ? thing.stop() : thing.close?.()));
    return thing;
  };
  const redisServer = async (): Promise<TestRedis> => track(await startRedis());
  const app = async (name: 'frontend' | 'worker', env: Record<string, string>): Promise<RunningApp> =>
    track(await startApp(name, env));
  const page = async (url: string): Promise<PageClient> => track(await connectPage(url));

  it('relays the real worker results to a page, and exits 0 on SIGTERM while sending', async () => {
    const redis = await redisServer();
    // Deadlines well past a busy machine's stalls (the defaults are 2 s): this test is about the relay, not latency.
    const worker = await app('worker', { REDIS_URL: redis.url, PUBLISH_TIMEOUT_MS: '8000' });
    const frontend = await app('frontend', {
      REDIS_URL: redis.url,
      PROCESSOR_URL: worker.url,
      REQUEST_TIMEOUT_MS: '10000',
    });
    await waitFor('frontend healthy', async () => (await http(`${frontend.url}/_healthz`)).status === 200);
    const client = await page(frontend.url);

    client.socket.emit('frequency', { freq: 20 });
    const first = await client.next<string>('calculation');
    expect(first).toMatch(HASH);
    // Rate accuracy is measured by `npm run bench`; here: sent, answered, published, relayed.
    const answered = await client.next<TrafficStats>('stats', (s) => s.okPerSecond > 0);
    expect(answered.targetRate).toBe(20);
    expect(answered.latencyP50Ms).toBeGreaterThan(0);
    const relayed = await client.next<TrafficStats>('stats', (s) => s.primaryPerSecond > 0);
    expect(relayed.burstShare).toBe(0);
    const [last] = await settledStats(client, 1, client.heard.length);
    expect(last!.totals.ok).toBeGreaterThan(0);
    expect(last!.totals.primary).toBeGreaterThan(0);
    expect(last!.totals.burst).toBe(0);
    expect(last!.totals.failed, `worker output:\n${worker.output()}`).toBe(0);

    const metrics = (await http(`${frontend.url}/metrics`)).body;
    expect(metric(metrics, 'frontend_requests_total{outcome="ok"}')).toBeGreaterThan(0);
    expect(metric(metrics, 'frontend_target_rate')).toBe(20);
    expect(metrics).toContain('frontend_process_resident_memory_bytes');

    expect(await frontend.stop()).toBe(0);
    expect(frontend.output()).toContain('SIGTERM received');
    expect(frontend.output()).toContain('stopped');
  });

  it('marks results from a burst worker (PREFIX=bursty-) as burst', async () => {
    const redis = await redisServer();
    const burst = await app('worker', { REDIS_URL: redis.url, PREFIX: 'bursty-' });
    const frontend = await app('frontend', { REDIS_URL: redis.url, PROCESSOR_URL: burst.url, INITIAL_RATE: '10' });
    const client = await page(frontend.url);
    const result = await client.next<string>('calculation');
    expect(result.startsWith('bursty-')).toBe(true);
    expect(result.slice('bursty-'.length)).toMatch(HASH);
    const stats = await client.next<TrafficStats>('stats', (s) => s.burstPerSecond > 0);
    expect(stats.primaryPerSecond).toBe(0);
    expect(stats.burstShare).toBe(1);
  });

  it('with a dead worker counts failures, keeps in-flight bounded, and stays healthy', async () => {
    const redis = await redisServer();
    const frontend = await app('frontend', {
      REDIS_URL: redis.url,
      PROCESSOR_URL: await closedPortUrl(),
      MAX_IN_FLIGHT: '32',
    });
    const client = await page(frontend.url);
    client.socket.emit('frequency', { freq: 500 });
    // Full windows at the new rate only: after the stats of the window the rate took effect in.
    await client.next<TrafficStats>('stats', (s) => s.targetRate === 500);
    const stats = await settledStats(client, 3, client.heard.length);
    for (const s of stats) {
      expect(s.inFlight).toBeLessThanOrEqual(32);
      expect(s.okPerSecond).toBe(0);
    }
    // Failures go on being counted: the last window's totals are past the first's.
    const ended = (s: TrafficStats) => s.totals.failed + s.totals.dropped;
    const last = stats.at(-1)!;
    expect(ended(last)).toBeGreaterThan(ended(stats[0]!));
    // Every request sent ended as a failure or is still in flight; none succeeded.
    expect(last.totals.ok).toBe(0);
    expect(last.totals.sent - last.totals.failed).toBe(last.inFlight);
    const metrics = (await http(`${frontend.url}/metrics`)).body;
    expect(metric(metrics, 'frontend_requests_total{outcome="failed"}')).toBeGreaterThanOrEqual(last.totals.failed);
    expect((await http(`${frontend.url}/_healthz`)).status).toBe(200);
    expect(frontend.child.exitCode).toBeNull();
    expect(await frontend.stop()).toBe(0);
  });

  it('with a worker that never answers holds at most MAX_IN_FLIGHT, drops the rest, and does not grow', async () => {
    const redis = await redisServer();
    const hung = track(await startSink(null));
    const frontend = await app('frontend', {
      REDIS_URL: redis.url,
      PROCESSOR_URL: hung.url,
      MAX_IN_FLIGHT: '16',
      REQUEST_TIMEOUT_MS: '60000',
    });
    const client = await page(frontend.url);
    client.socket.emit('frequency', { freq: 1000 });
    // The first 16 sends fall in whichever window was open when the rate took effect: start after
    // the stats that count them, so every window compared below sent nothing.
    await client.next<TrafficStats>('stats', (s) => s.totals.sent >= 16);
    const early = await settledStats(client, 2, client.heard.length);
    const rssEarly = metric((await http(`${frontend.url}/metrics`)).body, 'frontend_process_resident_memory_bytes')!;
    const from = client.heard.length;
    const late = await settledStats(client, 4, from);
    for (const s of [...early, ...late]) {
      expect(s.inFlight).toBe(16);
      expect(s.achievedRate).toBe(0);
    }
    expect(late.at(-1)!.totals.dropped).toBeGreaterThan(late[0]!.totals.dropped);
    expect(late.at(-1)!.totals.sent).toBe(16);
    expect(hung.requests()).toBe(16);
    const metrics = (await http(`${frontend.url}/metrics`)).body;
    expect(metric(metrics, 'frontend_requests_in_flight')).toBe(16);
    // Most drops are for the in-flight limit; a busy machine can also put some behind schedule.
    const dropped = (reason: DropReason) => metric(metrics, `frontend_requests_dropped_total{reason="${reason}"}`) ?? 0;
    expect(dropped('in_flight_limit')).toBeGreaterThan(0);
    expect(DROP_REASONS.reduce((sum, reason) => sum + dropped(reason), 0)).toBeGreaterThanOrEqual(
      late.at(-1)!.totals.dropped,
    );
    // Dropping costs no memory (a bound on bytes, not on time): generous, the machine is shared.
    expect(metric(metrics, 'frontend_process_resident_memory_bytes')! - rssEarly).toBeLessThan(40 * 1024 * 1024);
    expect(await frontend.stop()).toBe(0);
  });

  it('with a worker that trickles its answers, each request ends at REQUEST_TIMEOUT_MS and frees its slot', async () => {
    const redis = await redisServer();
    const trickler = await startTrickler(50, 'body');
    cleanups.push(trickler.close);
    const frontend = await app('frontend', {
      REDIS_URL: redis.url,
      PROCESSOR_URL: trickler.url,
      MAX_IN_FLIGHT: '8',
      REQUEST_TIMEOUT_MS: '300',
      INITIAL_RATE: '100',
    });
    const client = await page(frontend.url);
    // Slots are freed and used again: far more requests end (failed) than there are slots.
    const stats = await client.next<TrafficStats>('stats', (s) => s.totals.failed >= 5 * 8, { timeoutMs: 20_000 });
    expect(stats.inFlight).toBeLessThanOrEqual(8);
    expect(stats.totals.ok).toBe(0);
  });

  it('Redis killed and restarted while load runs: both apps keep running, /_healthz goes 503 then 200, results flow again', async () => {
    const redis = await redisServer();
    const worker = await app('worker', { REDIS_URL: redis.url });
    const frontend = await app('frontend', { REDIS_URL: redis.url, PROCESSOR_URL: worker.url, INITIAL_RATE: '20' });
    const health = async (target: RunningApp) => (await http(`${target.url}/_healthz`)).status;
    await waitFor('both healthy', async () => (await health(worker)) === 200 && (await health(frontend)) === 200);
    const client = await page(frontend.url);
    await client.next<string>('calculation');

    await redis.kill();
    await waitFor(
      'both unhealthy',
      async () => (await health(worker)) === 503 && (await health(frontend)) === 503,
      10_000,
    );
    // Load goes on while Redis is away: the worker answers 503, the frontend counts failures.
    const failing = await client.next<TrafficStats>('stats', (s) => s.failedPerSecond > 0, {
      from: client.heard.length,
    });
    expect(failing.targetRate).toBe(20);
    // A second window of failures: both apps lived through a whole second without Redis.
    await client.next<TrafficStats>('stats', (s) => s.failedPerSecond > 0, { from: client.heard.length });
    expect(worker.child.exitCode).toBeNull();
    expect(frontend.child.exitCode).toBeNull();

    await redis.restart();
    await waitFor(
      'both healthy again',
      async () => (await health(worker)) === 200 && (await health(frontend)) === 200,
      15_000,
    );
    const mark = client.heard.length;
    expect(await client.next<string>('calculation', () => true, { from: mark })).toMatch(HASH);
    // The first window after the restart may still hold failures; a whole clean one follows.
    await client.next<TrafficStats>('stats', (s) => s.failedPerSecond === 0 && s.okPerSecond > 0, {
      from: mark,
      timeoutMs: 10_000,
    });
    expect(worker.child.exitCode).toBeNull();
    expect(frontend.child.exitCode).toBeNull();
  });

  it('a frozen Redis (SIGSTOP): /_healthz goes 503 while it does not answer, 200 once it does', async () => {
    const redis = await redisServer();
    const frontend = await app('frontend', { REDIS_URL: redis.url, REDIS_STALL_MS: '300' });
    const health = async () => (await http(`${frontend.url}/_healthz`)).status;
    await waitFor('healthy', async () => (await health()) === 200);
    redis.freeze();
    try {
      await waitFor('unhealthy while frozen', async () => (await health()) === 503);
      expect(metric((await http(`${frontend.url}/metrics`)).body, 'frontend_redis_subscribed')).toBe(0);
    } finally {
      redis.thaw();
    }
    await waitFor('healthy again', async () => (await health()) === 200);
    expect(frontend.child.exitCode).toBeNull();
  });

  it('a flood of rate changes from 20 pages: each change is counted, the app stays up, and requests go on', async () => {
    const redis = await redisServer();
    const sink = track(await startSink(200));
    const frontend = await app('frontend', {
      REDIS_URL: redis.url,
      PROCESSOR_URL: sink.url,
      MAX_RATE: '10',
      INITIAL_RATE: '10',
    });
    const pages = await Promise.all(Array.from({ length: 20 }, () => page(frontend.url)));
    // Running at MAX_RATE already (its connection to the worker open), as when someone attacks.
    await waitFor('requests at the worker', () => sink.requests() >= 5, 10_000);
    // 10,000 changes between 10 and 9 req/s, in bursts. That no second sends more than MAX_RATE
    // whatever the changes is proven on a clock the test moves (src/rate-control.test.ts).
    for (let burst = 0; burst < 50; burst++) {
      for (const client of pages)
        for (let i = 0; i < 10; i++) client.socket.emit('frequency', { freq: (burst + i) % 2 === 0 ? 10 : 9 });
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
    // Barriers on every socket: all the changes were handled.
    for (const client of pages) await client.socket.timeout(10_000).emitWithAck('frequency', { freq: 10 });
    const counts = (await http(`${frontend.url}/metrics`)).body;
    const changes = ['applied', 'unchanged', 'too_many'].map(
      (result) => metric(counts, `frontend_rate_changes_total{result="${result}"}`) ?? 0,
    );
    expect(changes.reduce((a, b) => a + b, 0)).toBe(10_000 + 20);
    const atBarrier = sink.requests();
    await waitFor('20 more requests at the worker', () => sink.requests() >= atBarrier + 20, 10_000);
    expect((await http(`${frontend.url}/_healthz`)).status).toBe(200);
    expect(frontend.child.exitCode).toBeNull();
  });

  it('stops at start with a message naming a bad variable', async () => {
    const bad = startNodeApp(builtApp('frontend'), { MAX_IN_FLIGHT: 'lots' });
    expect(await bad.exited).toBe(1);
    expect(bad.output()).toMatch(/MAX_IN_FLIGHT="lots" is not valid/);
  });
});
