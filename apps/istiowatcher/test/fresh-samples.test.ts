// K samples are K scrapes: with Prometheus scraping every 15 s (as Istio's addon does) and the
// watcher reading every second, WATCHER_SAMPLES=3 must wait for three distinct scrapes after the
// load step, not re-read one scrape three times.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startIstioExporter,
  startPrometheus,
  waitFor,
  type IstioExporter,
  type RunningProcess,
  type TestPrometheus,
} from '@string-hashr/testing';
import { startFileWatcher, vsFileWeights } from './support.js';

let exporter: IstioExporter;
let prometheus: TestPrometheus;
let watcher: RunningProcess | undefined;

beforeAll(async () => {
  exporter = await startIstioExporter(5);
  prometheus = await startPrometheus({ scrapeTargets: [exporter.target], scrapeInterval: '15s' });
});

afterAll(async () => {
  await watcher?.stop();
  await prometheus?.stop();
  await exporter?.stop();
});

describe('fresh samples with a 15 s scrape', () => {
  it('with K=3 the first change comes no sooner than three distinct scrapes after the load step', async () => {
    const started = await startFileWatcher({
      PROMETHEUS_URL: prometheus.url,
      WATCHER_RATE_WINDOW: '1m',
      WATCHER_SAMPLES: '3',
      WATCHER_MIN_DWELL_SECONDS: '0',
    });
    watcher = started.proc;
    // The watcher has read a rate (Prometheus needs two scrapes for one) at the low load.
    await waitFor(
      'a rate read at 5 req/s',
      () => / tick rps=[0-9.]+ weights=100\/0/.test(watcher?.output() ?? ''),
      60_000,
      250,
    );
    const step = Date.now();
    exporter.setRate(100);
    await waitFor('burst', () => vsFileWeights(started.file).burst === 100, 120_000, 100);
    const changed = Date.now();
    const scrapesBetween = exporter.scrapes().filter((at) => at > step && at < changed);
    expect(
      scrapesBetween.length,
      `scrapes after the step: ${scrapesBetween.map((at) => at - step).join(', ')} ms`,
    ).toBeGreaterThanOrEqual(3);
    // Re-reads of a scrape already counted were seen and not counted.
    expect(watcher.output()).toMatch(/fresh samples toward 0\/100, no new data/);
    expect(await watcher.stop()).toBe(0);
  }, 240_000);
});
