import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workerTrafficLabels, type RouteKind } from '@string-hashr/contract';
import { scrapeSource } from './scrape.js';

// A scripted metrics endpoint: the test sets the counters each scrape shows.
let counters = { primary: 0, burstOk: 0, burstFailed: 0, fast: 0, slow: 0 };
/** The route the endpoint's traffic went through: it names the destination_service. */
let routedBy: RouteKind = 'VirtualService';
const series = (labels: Record<string, string>, value: number, name = 'istio_requests_total') =>
  `${name}{${Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .join(',')}} ${value}`;
const server = createServer((_req, res) => {
  const burst = workerTrafficLabels('burst', 200, routedBy);
  const bucket = (le: string, value: number) =>
    series({ ...burst, le }, value, 'istio_request_duration_milliseconds_bucket');
  res
    .writeHead(200, { 'content-type': 'text/plain' })
    .end(
      [
        series(workerTrafficLabels('primary', 200, routedBy), counters.primary),
        series(burst, counters.burstOk),
        series(workerTrafficLabels('burst', 503, routedBy), counters.burstFailed),
        bucket('10', counters.fast),
        bucket('1000', counters.fast + counters.slow),
        bucket('+Inf', counters.fast + counters.slow),
        '',
      ].join('\n'),
    );
});
let url = '';
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('scrapeSource', () => {
  it('computes the rate over the window, dated by its own scrape, and the burst side from the same scrapes', async () => {
    let now = 10_000;
    const source = scrapeSource({ url, rateWindowSeconds: 5, timeoutMs: 1000, burstCluster: 'burst', now: () => now });
    counters = { primary: 100, burstOk: 0, burstFailed: 0, fast: 0, slow: 0 };
    expect(await source.read()).toEqual({ kind: 'warming-up' });
    expect(await source.readHealth?.()).toEqual({ kind: 'no-data' });
    now += 2000;
    counters = { primary: 120, burstOk: 36, burstFailed: 4, fast: 30, slow: 10 };
    expect(await source.read()).toEqual({ kind: 'value', rps: 30, dataAt: 12_000 });
    const health = await source.readHealth?.();
    expect(health).toMatchObject({ kind: 'health', requests: 40, successRate: 0.9, dataAt: 12_000 });
    // 40 requests, 30 within 10 ms, 10 within 1000 ms: the 99th percentile is in the second bucket.
    expect(health?.kind === 'health' ? health.p99Ms : undefined).toBeCloseTo(10 + (990 * (39.6 - 30)) / 10, 6);
  });

  it.each([
    ['HTTPRoute', 'HTTPRoute', 30],
    ['VirtualService', 'HTTPRoute', 0],
    ['HTTPRoute', 'VirtualService', 0],
  ] as const)('a source for a %s reads traffic routed by a %s at %d req/s', async (routeKind, routed, rps) => {
    routedBy = routed;
    let now = 10_000;
    const source = scrapeSource({
      url,
      rateWindowSeconds: 5,
      timeoutMs: 1000,
      burstCluster: 'burst',
      routeKind,
      now: () => now,
    });
    counters = { primary: 100, burstOk: 0, burstFailed: 0, fast: 0, slow: 0 };
    await source.read();
    now += 2000;
    counters = { primary: 120, burstOk: 36, burstFailed: 4, fast: 30, slow: 10 };
    const reading = await source.read();
    routedBy = 'VirtualService';
    expect(reading).toEqual({ kind: 'value', rps, dataAt: 12_000 });
  });

  it('names the cap and drops a scrape larger than it', async () => {
    const source = scrapeSource({ url, rateWindowSeconds: 5, timeoutMs: 1000, burstCluster: 'burst', maxBytes: 50 });
    expect(await source.read()).toMatchObject({
      kind: 'error',
      errorKind: 'too-large',
      message: expect.stringContaining('50 bytes'),
    });
  });
});
