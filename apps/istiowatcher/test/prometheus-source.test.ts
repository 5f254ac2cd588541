// The metric sources against a real Prometheus (1 s scrape) and a test exporter of Istio's
// counters: which series are read, their data times, the outcomes kept apart, the burst side's
// health, and the direct scrape. Every wait is for a condition; nothing sleeps and then counts, and
// no reading is held to a band around the exporter's rate (accuracy is `npm run bench`'s).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { burstHealthQueries, defaultWatcherQuery, type Reading } from '@string-hashr/metric-reading';
import { freePort, waitFor } from '@string-hashr/testing';
import { prometheusSource } from '../src/sources/prometheus.js';
import { scrapeSource } from '../src/sources/scrape.js';
import { usePrometheusLab } from './prometheus-lab.js';
import { writeVsFile } from './support.js';

const lab = usePrometheusLab();

describe('prometheus source', () => {
  it("reads the rate of the frontend's calls to the worker as its sidecar reports them, each scrape dated once", async () => {
    lab.exporter.setRate(20);
    const rate = lab.source();
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
      expect(reading.rps, JSON.stringify(reading)).toBeGreaterThan(0);
      dated.push(reading.dataAt ?? NaN);
    }
    // Data times are those of scrapes the exporter served: never later than now, never before the first.
    const [first] = lab.exporter.scrapes();
    for (const at of dated) {
      expect(at).toBeGreaterThanOrEqual((first ?? Infinity) - 1000);
      expect(at).toBeLessThanOrEqual(Date.now());
    }
    // Which series, at one evaluation time: exactly the source-reported frontend -> worker-service
    // ones, not the destination-reported ones nor another workload's (served at 3 and 2 times the rate).
    const at = (dated.at(-1) ?? 0) / 1000;
    const value = async (query: string) => {
      const res = await fetch(`${lab.prometheus.url}/api/v1/query?${new URLSearchParams({ query, time: String(at) })}`);
      const body = (await res.json()) as { data: { result: Array<{ value: [number, string] }> } };
      return Number(body.data.result[0]?.value[1]);
    };
    const worker = 'destination_service="worker-service.default.svc.cluster.local"';
    const read = await value(defaultWatcherQuery('5s'));
    expect(read).toBeGreaterThan(0);
    expect(read).toBe(
      await value(
        `sum(rate(istio_requests_total{reporter="source",source_workload="frontend-deployment",${worker}}[5s]))`,
      ),
    );
    expect(read).not.toBe(await value(`sum(rate(istio_requests_total{reporter="destination",${worker}}[5s]))`));
    expect(read).not.toBe(await value(`sum(rate(istio_requests_total{${worker}}[5s]))`));
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

  it('reads the burst side with the default queries: its requests only, the non-5xx share, the data time', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'burst-health-')), 'vs.yaml');
    writeVsFile(file, { primary: 50, burst: 50 });
    lab.routedBy = file;
    const health = prometheusSource({
      url: lab.prometheus.url,
      query: defaultWatcherQuery('5s'),
      timeoutMs: 3000,
      rateWindowSeconds: 5,
      health: { kind: 'default', queries: burstHealthQueries('5s', 'burst'), latency: false },
    });
    // Primary always fails 10% of its calls: a share of exactly 0 or exactly 1 is the burst side's alone.
    const share = (successRate: number) =>
      waitFor(
        `a burst success rate of ${successRate}`,
        async () => {
          const h = await health.readHealth?.();
          return h?.kind === 'health' && h.successRate === successRate ? h : undefined;
        },
        30_000,
        500,
      );
    try {
      lab.exporter.setBurstFailure(1);
      const failing = await share(0);
      expect(failing.requests).toBeGreaterThan(0);
      expect(failing.dataAt).toBeLessThanOrEqual(Date.now());
      lab.exporter.setBurstFailure(0);
      const healthy = await share(1);
      expect(healthy.requests).toBeGreaterThan(0);
      expect(healthy.dataAt).toBeGreaterThan(failing.dataAt ?? Infinity);
    } finally {
      lab.routedBy = undefined;
      lab.exporter.setBurstFailure(0);
    }
  });
});

describe('scrape source (no Prometheus)', () => {
  it("computes the rate from the counters' increase, dated by its own scrape, and a counter reset is not a negative rate", async () => {
    lab.exporter.setRate(20);
    const scrape = scrapeSource({
      url: lab.exporter.url,
      rateWindowSeconds: 3,
      timeoutMs: 3000,
      burstCluster: 'burst',
    });
    expect(await scrape.read()).toEqual({ kind: 'warming-up' });
    const before = Date.now();
    const moving = (r: Reading) => (r.kind === 'value' && r.rps > 0 ? r : undefined);
    const reading = await waitFor('a rate while the load runs', async () => moving(await scrape.read()), 10_000, 250);
    expect(reading.kind === 'value' && reading.dataAt !== undefined && reading.dataAt >= before).toBe(true);
    // No load: the counters stand still, and their increase, not their level, is the rate.
    lab.exporter.setRate(0);
    await waitFor(
      'exactly 0 once the window holds no growth',
      async () => {
        const r = await scrape.read();
        return r.kind === 'value' && r.rps === 0;
      },
      15_000,
      250,
    );
    lab.exporter.setRate(20);
    lab.exporter.reset();
    const afterReset = await waitFor('a reading after the reset', async () => {
      const r = await scrape.read();
      return r.kind === 'value' ? r : undefined;
    });
    expect(afterReset.kind === 'value' && afterReset.rps >= 0, JSON.stringify(afterReset)).toBe(true);
    await waitFor('a rate again', async () => moving(await scrape.read()), 15_000, 250);
  });
});
