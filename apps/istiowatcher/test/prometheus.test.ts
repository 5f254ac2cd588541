// The metric sources against a real Prometheus (1 s scrape) and a test exporter of Istio's
// counters, then the built watcher end to end with the file router: load steps move the
// weights, and a Prometheus outage leaves them alone until it returns.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultWatcherQuery, type Reading } from '@string-hashr/metric-reading';
import {
  freePort,
  http,
  sleep,
  startIstioExporter,
  startNodeApp,
  startPrometheus,
  waitFor,
  type IstioExporter,
  type RunningProcess,
  type TestPrometheus,
} from '@string-hashr/testing';
import { prometheusSource } from '../src/sources/prometheus.js';
import { scrapeSource } from '../src/sources/scrape.js';
import { MAIN_JS, VS_FILE_HEADER, vsFileWeights, watcherMetrics, writeVsFile } from './support.js';

let exporter: IstioExporter;
let prometheus: TestPrometheus;

beforeAll(async () => {
  exporter = await startIstioExporter(20);
  prometheus = await startPrometheus({ scrapeTargets: [exporter.target], scrapeInterval: '1s' });
});

afterAll(async () => {
  await prometheus?.stop();
  await exporter?.stop();
});

const within10 = (reading: Reading, expected: number) =>
  reading.kind === 'value' && Math.abs(reading.rps - expected) <= expected * 0.1;

describe('prometheus source', () => {
  it('reads the source-reported rate within 10% with the default query', async () => {
    exporter.setRate(20);
    const source = prometheusSource({
      url: prometheus.url,
      query: defaultWatcherQuery('5s'),
      timeoutMs: 3000,
      rateWindowSeconds: 5,
    });
    // The 5 s window must fill with samples at the new rate first.
    await waitFor('a rate near 20 req/s', async () => within10(await source.read(), 20), 30_000, 500);
    await sleep(1500);
    for (let i = 0; i < 3; i++) {
      const reading = await source.read();
      expect(reading.kind === 'value' ? reading.rps : reading, JSON.stringify(reading)).toBeGreaterThan(18);
      expect(within10(reading, 20), JSON.stringify(reading)).toBe(true);
      await sleep(700);
    }
  });

  it('keeps the outcomes apart: no data, more than one series, bad query, unreachable, timeout', async () => {
    const read = (query: string, url = prometheus.url, timeoutMs = 3000) =>
      prometheusSource({ url, query, timeoutMs, rateWindowSeconds: 5 }).read();
    expect(await read('sum(rate(istio_requests_total{reporter="source",source_workload="nobody"}[5s]))')).toEqual({
      kind: 'no-data',
    });
    expect(await read('vector(0)')).toEqual({ kind: 'value', rps: 0 });
    expect(await read('rate(istio_requests_total[5s])')).toMatchObject({ kind: 'error', errorKind: 'multiple-series' });
    expect(await read('sum(rate(istio_requests_total[5s]')).toMatchObject({ kind: 'error', errorKind: 'prometheus' });
    expect(await read('0/0')).toMatchObject({ kind: 'error', errorKind: 'not-finite' });
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
});

describe('scrape source (no Prometheus)', () => {
  it('computes the rate from two samples of the counters, within 10%, and survives a counter reset', async () => {
    exporter.setRate(20);
    const source = scrapeSource({ url: exporter.url, rateWindowSeconds: 3, timeoutMs: 3000 });
    expect(await source.read()).toEqual({ kind: 'warming-up' });
    await sleep(2000);
    expect(within10(await source.read(), 20)).toBe(true);
    exporter.reset();
    await sleep(1000);
    const afterReset = await source.read();
    expect(afterReset.kind === 'value' && afterReset.rps >= 0 && afterReset.rps < 40, JSON.stringify(afterReset)).toBe(
      true,
    );
    await sleep(3500);
    expect(within10(await source.read(), 20)).toBe(true);
  });
});

describe('the built watcher with the file router', () => {
  let watcher: RunningProcess | undefined;
  afterAll(async () => {
    await watcher?.stop();
  });

  it('goes to burst at 30 req/s and back at 5, holds through a Prometheus outage, and recovers', async () => {
    exporter.setRate(5);
    // Start from a settled 5 req/s: the window still holds the earlier tests' 20 req/s for a while.
    const probe = prometheusSource({
      url: prometheus.url,
      query: defaultWatcherQuery('5s'),
      timeoutMs: 3000,
      rateWindowSeconds: 5,
    });
    await waitFor('Prometheus reading about 5 req/s', async () => within10(await probe.read(), 5), 30_000, 500);
    const dir = mkdtempSync(path.join(tmpdir(), 'istiowatcher-'));
    const vsFile = path.join(dir, 'worker-virtualservice.yaml');
    writeVsFile(vsFile, { primary: 100, burst: 0 });
    const port = await freePort();
    watcher = startNodeApp(MAIN_JS, {
      PORT: String(port),
      PROMETHEUS_URL: prometheus.url,
      WATCHER_RATE_WINDOW: '5s',
      WATCHER_INTERVAL_SECONDS: '1',
      WATCHER_SAMPLES: '2',
      WATCHER_MIN_DWELL_SECONDS: '2',
      WATCHER_FAILSAFE_AFTER: '3',
      WATCHER_ROUTER: 'file',
      WATCHER_VS_FILE: vsFile,
    });
    await waitFor(
      'watcher ready',
      async () => (await http(`http://127.0.0.1:${port}/readyz`)).status === 200,
      20_000,
      200,
    );
    await sleep(3000);
    expect(vsFileWeights(vsFile)).toEqual({ primary: 100, burst: 0 });

    exporter.setRate(30);
    await waitFor('burst 100', () => vsFileWeights(vsFile).burst === 100, 30_000, 200);
    expect(readFileSync(vsFile, 'utf8').startsWith(VS_FILE_HEADER)).toBe(true);
    const metrics = await watcherMetrics(port);
    expect(metrics.get('istiowatcher_burst_weight')).toBe(100);
    expect(metrics.get('istiowatcher_transitions_total{direction="up"}')).toBe(1);
    expect(metrics.get('istiowatcher_observed_rps')).toBeGreaterThan(15);

    // Prometheus goes away: reads fail, routing stays at burst (failsafe hold), errors counted.
    await prometheus.kill();
    await waitFor(
      'network errors counted',
      async () => ((await watcherMetrics(port)).get('istiowatcher_errors_total{kind="network"}') ?? 0) >= 5,
      20_000,
      250,
    );
    expect(vsFileWeights(vsFile)).toEqual({ primary: 0, burst: 100 });
    expect(watcher.child.exitCode).toBeNull();
    expect((await watcherMetrics(port)).get('istiowatcher_consecutive_failed_reads')).toBeGreaterThanOrEqual(3);
    await waitFor(
      'not ready during the outage',
      async () => (await http(`http://127.0.0.1:${port}/readyz`)).status === 503,
      20_000,
      250,
    );

    await prometheus.restart();
    await waitFor(
      'ready again',
      async () => (await http(`http://127.0.0.1:${port}/readyz`)).status === 200,
      30_000,
      250,
    );
    await waitFor(
      'reads again',
      async () => (await watcherMetrics(port)).get('istiowatcher_consecutive_failed_reads') === 0,
      30_000,
      250,
    );
    expect(vsFileWeights(vsFile)).toEqual({ primary: 0, burst: 100 });

    exporter.setRate(5);
    await waitFor('back to natural', () => vsFileWeights(vsFile).primary === 100, 30_000, 200);
    expect((await watcherMetrics(port)).get('istiowatcher_transitions_total{direction="down"}')).toBe(1);
    expect(watcher.output()).toMatch(/weights changed rps=\d+\.\d+ weights=0\/100/);
    expect(watcher.output()).toMatch(/weights changed rps=\d+\.\d+ weights=100\/0/);

    expect(await watcher.stop()).toBe(0);
  });
});
