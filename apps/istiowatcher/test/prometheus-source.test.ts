// The metric sources against a real Prometheus (1 s scrape) and a test exporter of Istio's
// counters: rates and their data times, the outcomes kept apart, the burst side's health, and the
// direct scrape. Every wait is for a condition; nothing sleeps and then counts.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { burstHealthQueries, defaultWatcherQuery } from '@string-hashr/metric-reading';
import { freePort, waitFor } from '@string-hashr/testing';
import { prometheusSource } from '../src/sources/prometheus.js';
import { scrapeSource } from '../src/sources/scrape.js';
import { usePrometheusLab, within10 } from './prometheus-lab.js';
import { writeVsFile } from './support.js';

const lab = usePrometheusLab();

describe('prometheus source', () => {
  it('reads the source-reported rate (near 20 req/s, not a wrong series) with the default query, each scrape dated once', async () => {
    lab.exporter.setRate(20);
    const rate = lab.source();
    // The 5 s window must fill with samples at the new rate first.
    await waitFor('a rate near 20 req/s', async () => within10(await rate.read(), 20), 30_000, 500);
    const dated: number[] = [];
    for (let i = 0; i < 3; i++) {
      const reading = await waitFor(
        'a reading of a newer scrape',
        async () => {
          const r = await rate.read();
          return r.kind === 'value' && r.dataAt !== undefined && r.dataAt > (dated.at(-1) ?? 0) ? r : undefined;
        },
        10_000,
        200,
      );
      // Near 20, not 10% near: Prometheus dates a sample when it starts the scrape and the exporter
      // counts when it answers, and on a busy machine that gap moves (16.9 req/s was read once).
      // A wrong series (destination-reported, another workload) would read 60 or more.
      expect(reading.rps, JSON.stringify(reading)).toBeGreaterThan(20 * 0.75);
      expect(reading.rps, JSON.stringify(reading)).toBeLessThan(20 * 1.25);
      dated.push(reading.dataAt ?? NaN);
    }
    // Data times are those of scrapes the exporter served: never later than now, never before the first.
    const [first] = lab.exporter.scrapes();
    for (const at of dated) {
      expect(at).toBeGreaterThanOrEqual((first ?? Infinity) - 1000);
      expect(at).toBeLessThanOrEqual(Date.now());
    }
  });

  it('keeps the outcomes apart: no data, more than one series, bad query, not a rate, unreachable, timeout', async () => {
    const read = (query: string, url = lab.prometheus.url, timeoutMs = 3000) =>
      prometheusSource({ url, query, timeoutMs, rateWindowSeconds: 5 }).read();
    expect(await read('sum(rate(istio_requests_total{reporter="source",source_workload="nobody"}[5s]))')).toEqual({
      kind: 'no-data',
    });
    expect(await read('vector(0)')).toMatchObject({ kind: 'value', rps: 0 });
    expect(await read('rate(istio_requests_total[5s])')).toMatchObject({ kind: 'error', errorKind: 'multiple-series' });
    expect(await read('sum(rate(istio_requests_total[5s]')).toMatchObject({ kind: 'error', errorKind: 'prometheus' });
    expect(await read('0/0')).toMatchObject({ kind: 'error', errorKind: 'not-finite' });
    expect(await read('vector(-5)')).toMatchObject({ kind: 'error', errorKind: 'parse' });
    expect(await read('up', `http://127.0.0.1:${await freePort()}`)).toMatchObject({
      kind: 'error',
      errorKind: 'network',
    });
    // A server that accepts and never answers.
    const { createServer } = await import('node:net');
    const silent = createServer(() => {}).listen(0, '127.0.0.1');
    await new Promise((resolve) => silent.once('listening', resolve));
    const port = (silent.address() as { port: number }).port;
    expect(await read('up', `http://127.0.0.1:${port}`, 300)).toMatchObject({ kind: 'error', errorKind: 'timeout' });
    silent.close();
  });

  it('reads the burst side with the default queries: requests, the non-5xx share, the data time', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'burst-health-')), 'vs.yaml');
    writeVsFile(file, { primary: 50, burst: 50 });
    lab.routedBy = file;
    lab.exporter.setBurstFailure(0.2);
    const health = prometheusSource({
      url: lab.prometheus.url,
      query: defaultWatcherQuery('5s'),
      timeoutMs: 3000,
      rateWindowSeconds: 5,
      health: { kind: 'default', queries: burstHealthQueries('5s', 'burst'), latency: false },
    });
    try {
      const reading = await waitFor(
        'a burst success rate near 0.8',
        async () => {
          const h = await health.readHealth?.();
          return h?.kind === 'health' && h.successRate !== undefined && Math.abs(h.successRate - 0.8) < 0.05
            ? h
            : undefined;
        },
        30_000,
        500,
      );
      expect(reading.requests).toBeGreaterThan(10);
      expect(reading.dataAt).toBeLessThanOrEqual(Date.now());
    } finally {
      lab.routedBy = undefined;
      lab.exporter.setBurstFailure(0);
    }
  });
});

describe('scrape source (no Prometheus)', () => {
  it('computes the rate from the counters within 10%, dated by its own scrape, and survives a counter reset', async () => {
    lab.exporter.setRate(20);
    const scrape = scrapeSource({
      url: lab.exporter.url,
      rateWindowSeconds: 3,
      timeoutMs: 3000,
      burstCluster: 'burst',
    });
    expect(await scrape.read()).toEqual({ kind: 'warming-up' });
    const before = Date.now();
    const reading = await waitFor(
      'a rate near 20 req/s',
      async () => {
        const r = await scrape.read();
        return within10(r, 20) ? r : undefined;
      },
      10_000,
      250,
    );
    expect(reading.kind === 'value' && reading.dataAt !== undefined && reading.dataAt >= before).toBe(true);
    lab.exporter.reset();
    const afterReset = await waitFor('a reading after the reset', async () => {
      const r = await scrape.read();
      return r.kind === 'value' ? r : undefined;
    });
    expect(afterReset.kind === 'value' && afterReset.rps >= 0 && afterReset.rps < 40, JSON.stringify(afterReset)).toBe(
      true,
    );
    await waitFor('a rate near 20 req/s again', async () => within10(await scrape.read(), 20), 15_000, 250);
  });
});
