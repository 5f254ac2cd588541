// The built bundle as users run it: --once, dry run, a bad setting, SIGTERM. The scrape source
// reads a test exporter directly, so no Prometheus is needed here.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  freePort,
  http,
  BURSTING_RPS,
  startIstioExporter,
  startNodeApp,
  startProcess,
  waitFor,
  type IstioExporter,
} from '@string-hashr/testing';
import { BURST_ANNOTATIONS, WATCHER_STATUS_PATH, parseWatcherStatus } from '@string-hashr/contract';
import {
  MAIN_JS,
  VS_FILE_HEADER,
  annotateVsFile,
  vsFileAnnotations,
  vsFileWeights,
  watcherMetrics,
  writeVsFile,
} from './support.js';

let exporter: IstioExporter;
beforeAll(async () => {
  exporter = await startIstioExporter(BURSTING_RPS);
});
afterAll(async () => {
  await exporter?.stop();
});

function vsFile(): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'istiowatcher-cli-')), 'vs.yaml');
  writeVsFile(file, { primary: 100, burst: 0 });
  return file;
}

const scrapeEnv = (file: string) => ({
  WATCHER_SOURCE: 'scrape',
  WATCHER_SCRAPE_URL: exporter.url,
  WATCHER_RATE_WINDOW: '2s',
  WATCHER_INTERVAL_SECONDS: '1',
  WATCHER_ROUTER: 'file',
  WATCHER_VS_FILE: file,
});

describe('istiowatcher (built)', () => {
  it('--once prints the observed rate and the decision, changes nothing, exits 0', async () => {
    const file = vsFile();
    const before = readFileSync(file, 'utf8');
    const proc = startProcess(process.execPath, [MAIN_JS, '--once'], { env: scrapeEnv(file) });
    expect(await proc.exited).toBe(0);
    const out = proc.output();
    // The exporter serves 60 req/s; what a 2 s window of two scrapes reads on a busy machine varies
    // (rates are measured by the bench), so: a rate, above the high threshold the decision names.
    expect(Number(/observed: (\d+\.\d{3}) req\/s/.exec(out)?.[1])).toBeGreaterThan(15);
    expect(out).toMatch(/weights in force: primary 100 \/ burst 0/);
    expect(out).toMatch(/target: primary 0 \/ burst 100/);
    expect(out).toMatch(/decision: .*above high threshold 15/);
    expect(out).toMatch(/no change made/);
    expect(readFileSync(file, 'utf8')).toBe(before);
  });

  it('--once exits 1 when the read fails, saying why', async () => {
    const proc = startProcess(process.execPath, [MAIN_JS, '--once'], {
      env: {
        ...scrapeEnv(vsFile()),
        WATCHER_SOURCE: 'prometheus',
        PROMETHEUS_URL: `http://127.0.0.1:${await freePort()}`,
      },
    });
    expect(await proc.exited).toBe(1);
    expect(proc.output()).toMatch(/observed: error \(network\)/);
  });

  it('dry run decides and logs, changes nothing', async () => {
    const file = vsFile();
    const before = readFileSync(file, 'utf8');
    const port = await freePort();
    const proc = startNodeApp(MAIN_JS, {
      ...scrapeEnv(file),
      PORT: String(port),
      WATCHER_DRY_RUN: 'true',
      WATCHER_SAMPLES: '1',
      WATCHER_MIN_DWELL_SECONDS: '0',
    });
    try {
      await waitFor(
        'would set',
        () => /dry run: would set weights primary=0 burst=100/.test(proc.output()),
        20_000,
        200,
      );
      expect(readFileSync(file, 'utf8')).toBe(before);
      expect(
        (await watcherMetrics(port)).get(
          'istiowatcher_mode{mode="switch",source="scrape",router="file",dry_run="true"}',
        ),
      ).toBe(1);
    } finally {
      expect(await proc.stop(), proc.output()).toBe(0);
    }
  });

  it('a bad setting stops it at start with the variable named', async () => {
    const proc = startNodeApp(MAIN_JS, { ...scrapeEnv(vsFile()), BURST_HIGH_RPS: '10', BURST_LOW_RPS: '12' });
    expect(await proc.exited).toBe(1);
    expect(proc.output()).toMatch(
      /configuration error: BURST_LOW_RPS is not valid: must be below BURST_HIGH_RPS \(10\), got 12/,
    );
  });

  it.each([
    [{ WATCHER_ROUTE_KIND: 'Ingress' }, /configuration error: WATCHER_ROUTE_KIND="Ingress" is not valid/],
    [{ WATCHER_ROUTE_KIND: 'HTTPRoute' }, /configuration error: WATCHER_VS_FILE is set, .* set WATCHER_ROUTE_FILE/],
  ])('%j stops it at start naming the variable', async (env, message) => {
    const proc = startNodeApp(MAIN_JS, { ...scrapeEnv(vsFile()), ...env });
    expect(await proc.exited).toBe(1);
    expect(proc.output()).toMatch(message);
  });

  it('serves /healthz, /readyz and /metrics, acts, and exits 0 on SIGTERM', async () => {
    const file = vsFile();
    const port = await freePort();
    const proc = startNodeApp(MAIN_JS, {
      ...scrapeEnv(file),
      PORT: String(port),
      WATCHER_SAMPLES: '2',
      WATCHER_MIN_DWELL_SECONDS: '1',
    });
    try {
      await waitFor(
        'healthz',
        async () => (await http(`http://127.0.0.1:${port}/healthz`)).status === 200,
        10_000,
        100,
      );
      await waitFor('burst', () => vsFileWeights(file).burst === 100, 20_000, 200);
      expect((await http(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
      const metrics = await watcherMetrics(port);
      expect(metrics.get('istiowatcher_burst_weight')).toBe(100);
      expect(metrics.get('istiowatcher_primary_weight')).toBe(0);
      expect(metrics.get('istiowatcher_is_leader')).toBe(1);
      // What it burst on: a reading above the high threshold (15), not a band around the exporter's 60.
      expect(metrics.get('istiowatcher_observed_rps')).toBeGreaterThan(15);
      expect(metrics.get('istiowatcher_transitions_total{direction="up"}')).toBe(1);
    } finally {
      expect(await proc.stop(), proc.output()).toBe(0);
    }
    expect(proc.output()).toMatch(/SIGTERM received/);
  });

  it('file router: the state goes into the file with the weights; suspend and pin in the file are obeyed', async () => {
    const file = vsFile();
    const port = await freePort();
    const proc = startNodeApp(MAIN_JS, {
      ...scrapeEnv(file),
      PORT: String(port),
      POD_NAME: 'local-watcher',
      WATCHER_SAMPLES: '2',
      WATCHER_MIN_DWELL_SECONDS: '1',
      // This test counts the ticks that say what the orders do.
      WATCHER_LOG_TICKS: 'true',
    });
    const ticksSaying = (text: string) =>
      proc
        .output()
        .split('\n')
        .filter((l) => l.includes(text)).length;
    try {
      await waitFor('burst', () => vsFileWeights(file).burst === 100, 20_000, 200);
      expect(vsFileAnnotations(file)).toMatchObject({
        [BURST_ANNOTATIONS.phase]: 'burst',
        [BURST_ANNOTATIONS.changedAt]: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
        [BURST_ANNOTATIONS.reason]: expect.stringMatching(/above high threshold 15/),
        [BURST_ANNOTATIONS.owner]: 'local-watcher',
        note: 'kept as is',
      });
      expect(readFileSync(file, 'utf8').startsWith(VS_FILE_HEADER)).toBe(true);

      // Suspended, the load going does not bring it back.
      annotateVsFile(file, { [BURST_ANNOTATIONS.suspend]: 'true' });
      exporter.setRate(5);
      await waitFor(
        'suspended',
        () => /suspended: burst.string-hashr.dev\/suspend is set/.test(proc.output()),
        10_000,
        100,
      );
      const suspendedTicks = ticksSaying('suspended by the operator');
      await waitFor(
        'several suspended ticks',
        () => ticksSaying('suspended by the operator') >= suspendedTicks + 3,
        10_000,
        100,
      );
      expect(vsFileWeights(file)).toEqual({ primary: 0, burst: 100 });
      expect((await watcherMetrics(port)).get('istiowatcher_suspended')).toBe(1);

      // Pinned to burst at 5 req/s: held.
      annotateVsFile(file, { [BURST_ANNOTATIONS.suspend]: undefined, [BURST_ANNOTATIONS.pin]: 'burst' });
      await waitFor('pinned', () => ticksSaying('holding 0/100') >= 3, 10_000, 100);
      expect(vsFileWeights(file)).toEqual({ primary: 0, burst: 100 });
      expect((await watcherMetrics(port)).get('istiowatcher_pinned{pin="burst"}')).toBe(1);

      // Pinned to natural at 60 req/s: at once.
      exporter.setRate(BURSTING_RPS);
      annotateVsFile(file, { [BURST_ANNOTATIONS.pin]: 'natural' });
      await waitFor('pinned natural', () => vsFileWeights(file).primary === 100, 10_000, 100);
      expect(vsFileAnnotations(file)[BURST_ANNOTATIONS.reason]).toMatch(/pinned natural/);
    } finally {
      exporter.setRate(BURSTING_RPS);
      expect(await proc.stop(), proc.output()).toBe(0);
    }
  });

  it('GET /status says what it does and why (the shape readers check), and the log stays quiet: changes and a summary', async () => {
    const file = vsFile();
    const port = await freePort();
    const proc = startNodeApp(MAIN_JS, {
      ...scrapeEnv(file),
      PORT: String(port),
      POD_NAME: 'status-watcher',
      WATCHER_SAMPLES: '3',
      WATCHER_SAMPLES_DOWN: '2',
      WATCHER_MIN_DWELL_SECONDS: '1',
      WATCHER_MIN_DWELL_DOWN_SECONDS: '30',
      WATCHER_LOG_SUMMARY_SECONDS: '2',
    });
    const status = async () => {
      const res = await http(`http://127.0.0.1:${port}${WATCHER_STATUS_PATH}`);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.headers['cache-control']).toBe('no-store');
      const parsed = parseWatcherStatus(JSON.parse(res.body));
      if (!parsed.ok) throw new Error(`not a status: ${parsed.problem}\n${res.body}`);
      return parsed.status;
    };
    try {
      // On its way up: samples so far of those needed, toward 0/100.
      const climbing = await waitFor(
        'a pending change up',
        async () => {
          const s = await status();
          return s.pending?.direction === 'up' ? s : undefined;
        },
        20_000,
        100,
      );
      expect(climbing).toMatchObject({
        mode: 'switch',
        dryRun: false,
        leadership: { role: 'leader', identity: 'status-watcher', token: 'status-watcher' },
        phase: 'natural',
        weights: { primary: 100, burst: 0 },
        thresholds: { highRps: 15, lowRps: 10, primaryCapacityRps: null, weightStep: null },
        rate: { reading: 'value', error: null },
        pending: { direction: 'up', to: { primary: 0, burst: 100 }, samplesNeeded: 3 },
        health: { gate: 'off', failuresNeeded: 2, minSuccessRate: 0.95 },
        suspend: false,
        pin: null,
      });
      // The reading that makes the change pending: above the high threshold. Not a band around the
      // exporter's 60 req/s: on a busy machine a 2 s window of live scrapes read 30 req/s as 19.6
      // (speed and accuracy are `npm run bench`'s).
      expect(climbing.rate.rps).toBeGreaterThan(15);
      await waitFor('burst', () => vsFileWeights(file).burst === 100, 20_000, 100);

      // Coming back is held by the 30 s dwell: the status counts it down.
      exporter.setRate(3);
      const held = await waitFor(
        'a pending change down, held by the dwell',
        async () => {
          const s = await status();
          return s.pending?.direction === 'down' && s.pending.samples >= 2 ? s : undefined;
        },
        20_000,
        100,
      );
      expect(held).toMatchObject({
        phase: 'burst',
        weights: { primary: 0, burst: 100 },
        reason: expect.stringMatching(/below low threshold 10: dwell \d+\.\ds of 30\.0s before 100\/0/),
        pending: { direction: 'down', to: { primary: 100, burst: 0 }, samplesNeeded: 2 },
        health: { gate: 'on' },
        changes: [
          {
            from: { primary: 100, burst: 0 },
            to: { primary: 0, burst: 100 },
            reason: expect.stringMatching(/^\d+\.\d\d req\/s above high threshold 15$/),
            kind: 'change',
            by: 'watcher',
          },
        ],
      });
      expect(held.pending?.dwellLeftMs).toBeGreaterThan(0);
      expect(held.pending?.dwellLeftMs).toBeLessThanOrEqual(30_000);
      expect(Date.parse(held.changes[0]?.at ?? '')).toBe(
        Date.parse(vsFileAnnotations(file)[BURST_ANNOTATIONS.changedAt] ?? ''),
      );

      // Other paths of the admin port are not the status; the status takes no method but GET (and HEAD).
      expect((await http(`http://127.0.0.1:${port}/status/x`)).status).toBe(404);
      expect((await http(`http://127.0.0.1:${port}/status`, { method: 'POST' })).status).toBe(404);

      await waitFor(
        'a summary line',
        () => / info istiowatcher: summary ticks=\d+ role=leader /.test(proc.output()),
        10_000,
        100,
      );
      const lines = proc.output().split('\n');
      expect(lines.filter((l) => / istiowatcher: tick /.test(l))).toEqual([]);
      expect(lines.filter((l) => / istiowatcher: weights changed /.test(l))).toHaveLength(1);
    } finally {
      exporter.setRate(BURSTING_RPS);
      expect(await proc.stop(), proc.output()).toBe(0);
    }
  });
});
