// The app in-process (createApp from source) with a real Redis and a stand-in worker: the shared
// rate, the validation of `frequency`, the relay of results and the stats. Every test starts its
// own app (the rate is app state); they share only the redis-server. No test sleeps: each waits
// for what it expects, and "nothing happened" is shown after a barrier (an acknowledged event, a
// whole stats window) that anything earlier must have crossed first.
import { CALCULATION_CHANNEL } from '@string-hashr/contract';
import { http, waitFor } from '@string-hashr/testing';
import { type TrafficStats, rateRule } from '@string-hashr/traffic';
import { describe, expect, it } from 'vitest';
import type { FrontendDeps } from '../src/app.js';
import { type PageClient, inProcessSuite, metric, startInProcessFrontend } from './support.js';

describe('frontend sockets (in-process)', () => {
  const suite = inProcessSuite();

  const startFrontend = (config: Partial<FrontendDeps['config']> = {}, statsIntervalMs = 1000) =>
    startInProcessFrontend(suite.redis.url, suite.cleanups, { config, statsIntervalMs });

  /** Sets the rate from `client` and waits for its acknowledgement (a barrier on that socket). */
  const setRate = (client: PageClient, freq: number) =>
    client.socket.timeout(5000).emitWithAck('frequency', { freq }) as Promise<{ ok: boolean; freq?: number }>;
  const heardAfter = (client: PageClient, mark: number, event: string) =>
    client.heard.slice(mark).filter((h) => h.event === event);

  it('serves the page and its assets itself', async () => {
    const { url } = await startFrontend();
    const page = await http(`${url}/`);
    expect(page.status).toBe(200);
    expect(page.body).toContain("What's the frequency?");
    expect(page.body).not.toMatch(/https?:\/\/(cdn|unpkg|code\.jquery|stackpath)/);
    for (const asset of [
      '/app.js',
      '/app/watcher-panel.js',
      '/style.css',
      '/vendor/socket.io/socket.io.min.js',
      '/favicon.ico',
      '/favicon.svg',
      '/vendor/bootstrap/css/bootstrap.min.css',
      '/vendor/bootstrap/js/bootstrap.bundle.min.js',
      '/vendor/chart.js/chart.umd.min.js',
    ]) {
      expect((await http(`${url}${asset}`)).status, asset).toBe(200);
    }
    expect((await http(`${url}/vendor/chart.js/nope.js`)).status).toBe(404);
  });

  it('tells every page each change of the one rate, and a page that connects later the rate in force', async () => {
    const { frontend, page } = await startFrontend();
    const first = await page();
    const second = await page();
    await first.next('frequency', (p: { freq: number }) => p.freq === 0);
    await second.next('frequency', (p: { freq: number }) => p.freq === 0);
    expect(first.last('settings')).toEqual({ maxRate: 1000, burstPrefix: 'bursty-', rateRule: rateRule(1000) });

    await expect(setRate(first, 20)).resolves.toEqual({ ok: true, freq: 20 });
    await first.next('frequency', (p: { freq: number }) => p.freq === 20);
    await second.next('frequency', (p: { freq: number }) => p.freq === 20);
    expect(frontend.rate).toBe(20);

    const later = await page();
    await later.next('frequency');
    expect(later.all('frequency')).toEqual([{ freq: 20 }]);
  });

  it('sends the rate to the worker, and nothing once it is 0', async () => {
    const { sink, page } = await startFrontend({}, 200);
    const client = await page();
    await setRate(client, 50);
    await waitFor('requests at the worker', () => sink.requests() >= 10);

    await setRate(client, 0);
    // A whole stats window at rate 0 with nothing sent, then another: the sink saw nothing in between.
    const idle = (s: TrafficStats) => s.targetRate === 0 && s.achievedRate === 0 && s.inFlight === 0;
    let mark = client.heard.length;
    await client.next('stats', idle, { from: mark });
    const stopped = sink.requests();
    mark = client.heard.length;
    await client.next('stats', idle, { from: mark });
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
    const { frontend, page } = await startFrontend();
    const sender = await page();
    const other = await page();
    await setRate(sender, 7);
    await other.next('frequency', (p: { freq: number }) => p.freq === 7);
    const mark = sender.heard.length;
    const otherMark = other.heard.length;

    sender.socket.emit('frequency', ...args);
    const error = await sender.next<{ message: string }>('error', () => true, { from: mark });
    // One wording for every bad rate, the page's own, with no field name of the protocol.
    expect(error.message).toBe(rateRule(1000));
    // Barriers: the server handled the bad event before these acknowledgements.
    await expect(setRate(sender, 7)).resolves.toEqual({ ok: true, freq: 7 });
    await setRate(other, 7);
    expect(frontend.rate).toBe(7);
    const ratesHeard = (client: PageClient, from: number) =>
      heardAfter(client, from, 'frequency').map((h) => (h.args[0] as { freq: number }).freq);
    expect(ratesHeard(sender, mark).filter((freq) => freq !== 7)).toEqual([]);
    expect(ratesHeard(other, otherMark).filter((freq) => freq !== 7)).toEqual([]);
    expect(heardAfter(other, otherMark, 'error')).toEqual([]);
  });

  it('answers an acknowledgement when the page asks for one', async () => {
    const { page } = await startFrontend();
    const client = await page();
    await expect(client.socket.timeout(5000).emitWithAck('frequency', { freq: 'x' })).resolves.toMatchObject({
      ok: false,
      message: expect.any(String),
    });
    await expect(setRate(client, 0)).resolves.toEqual({ ok: true, freq: 0 });
  });

  it('relays every result to the pages, one string per event, and counts them by origin in stats and metrics', async () => {
    const { url, page } = await startFrontend();
    const client = await page();
    const mark = client.heard.length;
    const primary = 'A'.repeat(43) + '=';
    const burst = 'bursty-' + 'B'.repeat(43) + '=';
    for (let i = 0; i < 30; i++) await suite.publisher.publish(CALCULATION_CHANNEL, primary);
    for (let i = 0; i < 10; i++) await suite.publisher.publish(CALCULATION_CHANNEL, burst);
    await waitFor('40 calculation events', () => heardAfter(client, mark, 'calculation').length >= 40);
    expect(heardAfter(client, mark, 'calculation').map((h) => h.args)).toEqual([
      ...Array(30).fill([primary]),
      ...Array(10).fill([burst]),
    ]);

    // The results land in one or more stats windows; their sum is exact.
    const stats = await waitFor('stats with the results', () => {
      const seen = client.all<TrafficStats>('stats');
      const last = seen.at(-1);
      return last && last.totals.primary + last.totals.burst >= 40 ? seen : undefined;
    });
    const last = stats.at(-1)!;
    expect(last.totals).toMatchObject({ primary: 30, burst: 10 });
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
