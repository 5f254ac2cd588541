// The metric sources against a real Prometheus (1 s scrape) and a test exporter of Istio's
// counters, then the built watcher end to end with the file router: load steps move the weights,
// a Prometheus outage leaves them alone until it returns, steps climb while the burst side is
// healthy and roll back when it fails, and an empty answer holds the weights for the hold.
// Every wait is for a condition; nothing sleeps and then counts.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  burstHealthQueries,
  defaultFreshnessQuery,
  defaultWatcherQuery,
  type Reading,
} from '@string-hashr/metric-reading';
import { NATURAL } from '@string-hashr/policy';
import {
  freePort,
  http,
  startIstioExporter,
  startPrometheus,
  waitFor,
  type IstioExporter,
  type RunningProcess,
  type TestPrometheus,
} from '@string-hashr/testing';
import { prometheusSource } from '../src/sources/prometheus.js';
import { scrapeSource } from '../src/sources/scrape.js';
import {
  VS_FILE_HEADER,
  firstLineAt,
  metricSum,
  startFileWatcher,
  vsFileWeights,
  watcherMetrics,
  weightChanges,
  writeVsFile,
} from './support.js';

let exporter: IstioExporter;
let prometheus: TestPrometheus;
/** The VirtualService file whose weights split the exporter's traffic (none: all primary). */
let routedBy: string | undefined;

beforeAll(async () => {
  exporter = await startIstioExporter(20, { weights: () => (routedBy ? vsFileWeights(routedBy) : NATURAL) });
  prometheus = await startPrometheus({ scrapeTargets: [exporter.target], scrapeInterval: '1s' });
});

afterAll(async () => {
  await prometheus?.stop();
  await exporter?.stop();
});

const within10 = (reading: Reading, expected: number) =>
  reading.kind === 'value' && Math.abs(reading.rps - expected) <= expected * 0.1;

const source = (window = '5s') =>
  prometheusSource({
    url: prometheus.url,
    query: defaultWatcherQuery(window),
    freshnessQuery: defaultFreshnessQuery(),
    timeoutMs: 3000,
    rateWindowSeconds: 5,
  });

describe('prometheus source', () => {
  it('reads the source-reported rate within 10% with the default query, each scrape dated once', async () => {
    exporter.setRate(20);
    const rate = source();
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
      expect(within10(reading, 20), JSON.stringify(reading)).toBe(true);
      dated.push(reading.dataAt ?? NaN);
    }
    // Data times are those of scrapes the exporter served: never later than now, never before the first.
    const [first] = exporter.scrapes();
    for (const at of dated) {
      expect(at).toBeGreaterThanOrEqual((first ?? Infinity) - 1000);
      expect(at).toBeLessThanOrEqual(Date.now());
    }
  });

  it('keeps the outcomes apart: no data, more than one series, bad query, not a rate, unreachable, timeout', async () => {
    const read = (query: string, url = prometheus.url, timeoutMs = 3000) =>
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
    routedBy = file;
    exporter.setBurstFailure(0.2);
    const health = prometheusSource({
      url: prometheus.url,
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
      routedBy = undefined;
      exporter.setBurstFailure(0);
    }
  });
});

describe('scrape source (no Prometheus)', () => {
  it('computes the rate from the counters within 10%, dated by its own scrape, and survives a counter reset', async () => {
    exporter.setRate(20);
    const scrape = scrapeSource({ url: exporter.url, rateWindowSeconds: 3, timeoutMs: 3000, burstCluster: 'burst' });
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
    exporter.reset();
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

describe('the built watcher with the file router', () => {
  let watcher: RunningProcess | undefined;
  afterAll(async () => {
    await watcher?.stop();
  });
  const settled = (rps: number) =>
    waitFor(`Prometheus reading about ${rps} req/s`, async () => within10(await source().read(), rps), 30_000, 500);
  const decisions = async (port: number) => metricSum(await watcherMetrics(port), 'istiowatcher_decisions_total');
  /** The built watcher on this Prometheus (5 s window, 2 samples), started once the load is settled at `rps`. */
  async function watcherAt(rps: number, env: Record<string, string>) {
    exporter.setRate(rps);
    await settled(rps);
    const started = await startFileWatcher({
      PROMETHEUS_URL: prometheus.url,
      WATCHER_RATE_WINDOW: '5s',
      WATCHER_SAMPLES: '2',
      ...env,
    });
    watcher = started.proc;
    return { proc: started.proc, port: started.port, file: started.file };
  }

  it('goes to burst at 30 req/s and back at 5, holds through a Prometheus outage, and recovers', async () => {
    const {
      proc: watcher,
      port,
      file,
    } = await watcherAt(5, {
      WATCHER_MIN_DWELL_SECONDS: '2',
      WATCHER_FAILSAFE_AFTER: '3',
    });
    // Several decisions at 5 req/s: none of them a change.
    await waitFor('three decisions', async () => (await decisions(port)) >= 3, 20_000, 200);
    expect(vsFileWeights(file)).toEqual({ primary: 100, burst: 0 });

    exporter.setRate(30);
    await waitFor('burst 100', () => vsFileWeights(file).burst === 100, 30_000, 200);
    expect(readFileSync(file, 'utf8').startsWith(VS_FILE_HEADER)).toBe(true);
    const metrics = await watcherMetrics(port);
    expect(metrics.get('istiowatcher_burst_weight')).toBe(100);
    expect(metrics.get('istiowatcher_transitions_total{direction="up"}')).toBe(1);
    expect(metrics.get('istiowatcher_observed_rps')).toBeGreaterThan(15);
    expect(metrics.get('istiowatcher_phase{phase="burst"}')).toBe(1);

    // Prometheus goes away: reads fail, routing stays at burst (failsafe hold), errors counted.
    await prometheus.kill();
    await waitFor(
      'network errors counted',
      async () => ((await watcherMetrics(port)).get('istiowatcher_errors_total{kind="network"}') ?? 0) >= 5,
      20_000,
      250,
    );
    expect(vsFileWeights(file)).toEqual({ primary: 0, burst: 100 });
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
    expect(vsFileWeights(file)).toEqual({ primary: 0, burst: 100 });

    exporter.setRate(5);
    await waitFor('back to natural', () => vsFileWeights(file).primary === 100, 30_000, 200);
    expect((await watcherMetrics(port)).get('istiowatcher_transitions_total{direction="down"}')).toBe(1);
    expect(weightChanges(watcher.output())).toEqual(['0/100', '100/0']);

    expect(await watcher.stop()).toBe(0);
  });

  it('climbs 75/25, 50/50, 25/75, 0/100 a step at a time; comes back in one move; stops climbing and rolls back when the burst side fails', async () => {
    const {
      proc: watcher,
      port,
      file,
    } = await watcherAt(5, {
      WATCHER_MIN_DWELL_SECONDS: '0',
      WATCHER_STEP_PERCENT: '25',
      WATCHER_STEP_SECONDS: '4',
    });
    routedBy = file;
    try {
      exporter.setRate(30);
      await waitFor('burst 100', () => vsFileWeights(file).burst === 100, 60_000, 100);
      expect(weightChanges(watcher.output())).toEqual(['75/25', '50/50', '25/75', '0/100']);
      expect(watcher.output()).toMatch(/weights changed .*weights=50\/50 .*step 75\/25 -> 50\/50.*kind=step/);

      exporter.setRate(5);
      await waitFor('back to natural', () => vsFileWeights(file).primary === 100, 30_000, 100);
      expect(weightChanges(watcher.output()).slice(4)).toEqual(['100/0']);

      // The second climb: the burst side fails as soon as it gets its first 25%.
      exporter.setRate(30);
      await waitFor('the first step', () => vsFileWeights(file).burst === 25, 30_000, 50);
      exporter.setBurstFailure(1);
      await waitFor('rolled back', () => vsFileWeights(file).primary === 100, 30_000, 100);
      expect(weightChanges(watcher.output()).slice(5)).toEqual(['75/25', '100/0']);
      expect(watcher.output()).toMatch(
        /warn istiowatcher: rolled back: the burst side failed the health gate .*reason="burst side failing 2\/2: success rate 0\.\d+ < 0\.95/,
      );
      const metrics = await watcherMetrics(port);
      expect(metrics.get('istiowatcher_rollbacks_total')).toBe(1);
      expect(metrics.get('istiowatcher_phase{phase="unhealthy"}')).toBe(1);
      // The load stays high: in the cool-down it does not burst again.
      await waitFor('a cool-down decision', () => /kind=cooldown/.test(watcher.output()), 10_000, 200);
      expect(vsFileWeights(file)).toEqual({ primary: 100, burst: 0 });
    } finally {
      routedBy = undefined;
      exporter.setBurstFailure(0);
    }
    expect(await watcher.stop()).toBe(0);
  });

  it('an empty answer while bursting at high load holds the weights until the hold ends', async () => {
    const {
      proc: watcher,
      port,
      file,
    } = await watcherAt(30, {
      WATCHER_MIN_DWELL_SECONDS: '0',
      WATCHER_NO_DATA_HOLD_SECONDS: '8',
    });
    await waitFor('burst 100', () => vsFileWeights(file).burst === 100, 30_000, 200);
    // The frontend's scrape breaks: Prometheus marks its series stale and the query answers empty.
    exporter.setAvailable(false);
    try {
      await waitFor('back to natural after the hold', () => vsFileWeights(file).primary === 100, 60_000, 200);
    } finally {
      exporter.setAvailable(true);
    }
    const output = watcher.output();
    const firstEmpty = firstLineAt(output, /warn istiowatcher: no data: the weights are held/);
    const back = firstLineAt(output, /weights changed rps=no-data weights=100\/0/);
    expect(firstEmpty, output).toBeDefined();
    expect(back, output).toBeDefined();
    // The hold counts from the first empty answer: the change comes no sooner than 8 s after it.
    expect((back ?? 0) - (firstEmpty ?? Infinity)).toBeGreaterThanOrEqual(8000);
    expect(output).toMatch(
      /reason="0\.00 req\/s below low threshold 10 \(no data for [89]\.\d+s, taken as no traffic\)/,
    );
    // Once its series went stale the rate was not read from their old samples either: no rate below 25 req/s.
    const rates = [...output.matchAll(/ rps=(\d+\.\d+) /g)].map(([, r]) => Number(r));
    expect(Math.min(...rates)).toBeGreaterThan(25);
    expect((await watcherMetrics(port)).get('istiowatcher_decisions_total{kind="no-data-hold"}')).toBeGreaterThan(3);
    expect(await watcher.stop()).toBe(0);
  });
});
