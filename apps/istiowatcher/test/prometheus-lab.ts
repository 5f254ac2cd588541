// A real Prometheus (1 s scrape) over a test exporter of Istio's counters, started for one test
// file, and the built watcher on it with the file router. Each file gets its own, so the files
// run side by side.
import { afterAll, beforeAll } from 'vitest';
import { defaultFreshnessQuery, defaultWatcherQuery, type Reading } from '@string-hashr/metric-reading';
import { NATURAL } from '@string-hashr/policy';
import {
  startIstioExporter,
  startPrometheus,
  waitFor,
  type IstioExporter,
  type RunningProcess,
  type TestPrometheus,
} from '@string-hashr/testing';
import { prometheusSource } from '../src/sources/prometheus.js';
import { metricSum, startFileWatcher, vsFileWeights, watcherMetrics } from './support.js';

export const within10 = (reading: Reading, expected: number) =>
  reading.kind === 'value' && Math.abs(reading.rps - expected) <= expected * 0.1;

/** Registers the lab's start and stop with the file's beforeAll/afterAll; read its parts inside tests. */
export function usePrometheusLab() {
  const lab = {
    exporter: undefined as unknown as IstioExporter,
    prometheus: undefined as unknown as TestPrometheus,
    /** The VirtualService file whose weights split the exporter's traffic (none: all primary). */
    routedBy: undefined as string | undefined,
    watcher: undefined as RunningProcess | undefined,
    source(window = '5s') {
      return prometheusSource({
        url: lab.prometheus.url,
        query: defaultWatcherQuery(window),
        freshnessQuery: defaultFreshnessQuery(),
        timeoutMs: 3000,
        rateWindowSeconds: 5,
      });
    },
    settled(rps: number) {
      return waitFor(
        `Prometheus reading about ${rps} req/s`,
        async () => within10(await lab.source().read(), rps),
        30_000,
        500,
      );
    },
    async decisions(port: number) {
      return metricSum(await watcherMetrics(port), 'istiowatcher_decisions_total');
    },
    /** The built watcher on this Prometheus (5 s window, 2 samples), started once the load is settled at `rps`. */
    async watcherAt(rps: number, env: Record<string, string>) {
      lab.exporter.setRate(rps);
      await lab.settled(rps);
      const started = await startFileWatcher({
        PROMETHEUS_URL: lab.prometheus.url,
        WATCHER_RATE_WINDOW: '5s',
        WATCHER_SAMPLES: '2',
        ...env,
      });
      lab.watcher = started.proc;
      return { proc: started.proc, port: started.port, file: started.file };
    },
  };
  beforeAll(async () => {
    lab.exporter = await startIstioExporter(20, {
      weights: () => (lab.routedBy ? vsFileWeights(lab.routedBy) : NATURAL),
    });
    lab.prometheus = await startPrometheus({ scrapeTargets: [lab.exporter.target], scrapeInterval: '1s' });
  });
  afterAll(async () => {
    await lab.watcher?.stop();
    await lab.prometheus?.stop();
    await lab.exporter?.stop();
  });
  return lab;
}
