// The app in-process (createApp from source) with a real Redis and a stand-in worker:
// the shared rate, the validation of `frequency`, the relay of results and the stats.
import { CALCULATION_CHANNEL } from '@string-hashr/contract';
import { closeRedis, connectRedis } from '@string-hashr/redis';
import { createLogger, listen } from '@string-hashr/runtime';
import { type TestRedis, http, sleep, startRedis, waitFor } from '@string-hashr/testing';
import type { TrafficStats } from '@string-hashr/traffic';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type FrontendApp, createApp } from '../src/app.js';
import { createProcessorClient } from '../src/processor-client.js';
import { type PageClient, connectPage, metric, startSink } from './support.js';

const quiet = createLogger('frontend', () => undefined);

describe('frontend sockets (in-process)', () => {
  let redis: TestRedis;
  let sink: Awaited<ReturnType<typeof startSink>>;
  let subscriber: Redis;
  let publisher: Redis;
  let processor: ReturnType<typeof createProcessorClient>;
  let frontend: FrontendApp;
  let url: string;
  const pages: PageClient[] = [];
  const page = async () => {
    const client = await connectPage(url);
    pages.push(client);
    return client;
  };

  beforeAll(async () => {
    redis = await startRedis();
    sink = await startSink(200);
    subscriber = connectRedis(redis.url, 'subscriber', quiet);
    publisher = new Redis(redis.port, '127.0.0.1');
    processor = createProcessorClient(sink.url, { maxConnections: 16, timeoutMs: 1000 });
    frontend = createApp({
      config: { maxRate: 1000, maxInFlight: 16, initialRate: 0, burstPrefix: 'bursty-', logRequests: 'errors' },
      log: quiet,
      subscriber,
      sendToProcessor: processor.send,
    });
    url = `http://127.0.0.1:${await listen(frontend.server, 0, '127.0.0.1')}`;
    await waitFor('the Redis subscription', async () => (await http(`${url}/_healthz`)).status === 200);
  });

  afterEach(() => {
    for (const client of pages.splice(0)) client.close();
  });

  afterAll(async () => {
    await frontend?.close();
    await processor?.close();
    await closeRedis(subscriber);
    publisher?.disconnect();
    await sink?.close();
    await redis?.stop();
  });

  it('serves the page and its assets itself', async () => {
    const page = await http(`${url}/`);
    expect(page.status).toBe(200);
    expect(page.body).toContain("What's the frequency?");
    expect(page.body).not.toMatch(/https?:\/\/(cdn|unpkg|code\.jquery|stackpath)/);
    for (const asset of [
      '/app.js',
      '/style.css',
      '/socket.io/socket.io.js',
      '/vendor/bootstrap/css/bootstrap.min.css',
      '/vendor/bootstrap/js/bootstrap.bundle.min.js',
      '/vendor/chart.js/chart.umd.min.js',
    ]) {
      expect((await http(`${url}${asset}`)).status, asset).toBe(200);
    }
    expect((await http(`${url}/vendor/chart.js/nope.js`)).status).toBe(404);
  });

  it('tells every page each change of the one rate, and a page that connects later the rate in force', async () => {
    const first = await page();
    const second = await page();
    await first.next('frequency', (p: { freq: number }) => p.freq === 0);
    await second.next('frequency', (p: { freq: number }) => p.freq === 0);
    expect(first.last('settings')).toEqual({ maxRate: 1000, burstPrefix: 'bursty-' });

    const before = sink.requests();
    first.socket.emit('frequency', { freq: 20 });
    await first.next('frequency', (p: { freq: number }) => p.freq === 20);
    await second.next('frequency', (p: { freq: number }) => p.freq === 20);
    expect(frontend.rate).toBe(20);

    const later = await page();
    await later.next('frequency');
    expect(later.all('frequency')).toEqual([{ freq: 20 }]);

    // The rate is really sent: about 20 requests a second reach the worker.
    await sleep(1500);
    const sent = sink.requests() - before;
    expect(sent).toBeGreaterThanOrEqual(20);
    expect(sent).toBeLessThanOrEqual(45);

    second.socket.emit('frequency', { freq: 0 });
    await later.next('frequency', (p: { freq: number }) => p.freq === 0);
    await sleep(200);
    const stopped = sink.requests();
    await sleep(500);
    expect(sink.requests()).toBe(stopped);
  });

  it.each([
    ['no payload', []],
    ['a string', ['abc']],
    ['a numeric string', [{ freq: '20' }]],
    ['NaN (null on the wire)', [{ freq: Number.NaN }]],
    ['a negative rate', [{ freq: -5 }]],
    ['over MAX_RATE', [{ freq: 1001 }]],
    ['an empty object', [{}]],
    ['an object as freq', [{ freq: { length: 1e8 } }]],
    ['an array', [[20]]],
    ['null', [null]],
  ])('rejects %s with an error to that page only and keeps the rate', async (_name, args) => {
    const sender = await page();
    const other = await page();
    sender.socket.emit('frequency', { freq: 7 });
    await other.next('frequency', (p: { freq: number }) => p.freq === 7);
    const mark = sender.heard.length;
    const otherMark = other.heard.length;

    sender.socket.emit('frequency', ...args);
    const error = await sender.next<{ message: string }>('error', () => true, { from: mark });
    expect(error.message).toMatch(/freq|frequency/);
    await sleep(150);
    expect(frontend.rate).toBe(7);
    expect(sender.heard.slice(mark).filter((h) => h.event === 'frequency')).toEqual([]);
    expect(other.heard.slice(otherMark).filter((h) => h.event === 'error' || h.event === 'frequency')).toEqual([]);
    sender.socket.emit('frequency', { freq: 0 });
    await sender.next('frequency', (p: { freq: number }) => p.freq === 0, { from: mark });
  });

  it('answers an acknowledgement when the page asks for one', async () => {
    const client = await page();
    await expect(client.socket.timeout(5000).emitWithAck('frequency', { freq: 'x' })).resolves.toMatchObject({
      ok: false,
      message: expect.any(String),
    });
    await expect(client.socket.timeout(5000).emitWithAck('frequency', { freq: 0 })).resolves.toEqual({
      ok: true,
      freq: 0,
    });
  });

  it('relays every result to the pages, one string per event, and counts them by origin in stats and metrics', async () => {
    const client = await page();
    const mark = client.heard.length;
    const primary = 'A'.repeat(43) + '=';
    const burst = 'bursty-' + 'B'.repeat(43) + '=';
    for (let i = 0; i < 30; i++) await publisher.publish(CALCULATION_CHANNEL, primary);
    for (let i = 0; i < 10; i++) await publisher.publish(CALCULATION_CHANNEL, burst);
    await waitFor(
      '40 calculation events',
      () => client.heard.slice(mark).filter((h) => h.event === 'calculation').length >= 40,
    );
    const relayed = client.heard.slice(mark).filter((h) => h.event === 'calculation');
    expect(relayed.map((h) => h.args)).toEqual([...Array(30).fill([primary]), ...Array(10).fill([burst])]);

    // Stats windows are one second long: the results land in one or two of them.
    const stats = await waitFor('stats with the results', () => {
      const seen = client.all<TrafficStats>('stats');
      const last = seen.at(-1);
      return last && last.totals.primary >= 30 && last.totals.burst >= 10 ? seen : undefined;
    });
    const last = stats.at(-1)!;
    expect(last.totals).toMatchObject({ primary: 30, burst: 10 });
    const windows = stats.filter((s) => s.primaryPerSecond + s.burstPerSecond > 0);
    const share =
      windows.reduce((sum, s) => sum + s.burstPerSecond, 0) /
      windows.reduce((sum, s) => sum + s.primaryPerSecond + s.burstPerSecond, 0);
    expect(share).toBeCloseTo(0.25, 1);
    for (const field of [
      'targetRate',
      'achievedRate',
      'okPerSecond',
      'failedPerSecond',
      'droppedPerSecond',
      'inFlight',
      'latencyP50Ms',
      'latencyP99Ms',
      'primaryPerSecond',
      'burstPerSecond',
      'burstShare',
      'windowMs',
      'at',
    ]) {
      expect(last).toHaveProperty(field);
    }

    const metrics = (await http(`${url}/metrics`)).body;
    expect(metric(metrics, 'frontend_results_total{origin="primary"}')).toBe(30);
    expect(metric(metrics, 'frontend_results_total{origin="burst"}')).toBe(10);
    expect(metrics).toContain('frontend_request_duration_seconds_bucket');
    expect(metrics).toContain('frontend_process_cpu_seconds_total');
  });
});
