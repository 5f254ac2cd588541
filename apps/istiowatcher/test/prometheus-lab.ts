// A real Prometheus (1 s scrape) over a test exporter of Istio's counters, started for one test
// file, and the built watcher on it with the file router. Each file gets its own, so the files
// run side by side.
import { afterAll, beforeAll } from 'vitest';
import { defaultFreshnessQuery, defaultWatcherQuery } from '@string-hashr/metric-reading';
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
    /** Waits for a reading whose whole 5 s window was scraped after `since` (the last change of load). */
    settled(since: number) {
      return waitFor(
        'a reading of a window scraped wholly after the change of load',
        async () => {
          const reading = await lab.source().read();
          return reading.kind === 'value' && reading.dataAt !== undefined && reading.dataAt - 5000 > since;
        },
        30_000,
        500,
      );
    },
    async decisions(port: number) {
      return metricSum(await watcherMetrics(port), 'istiowatcher_decisions_total');
    },
    /** The built watcher on this Prometheus (5 s window, 2 samples), started once Prometheus's window holds only load at `rps`. */
    async watcherAt(rps: number, env: Record<string, string>) {
      lab.exporter.setRate(rps);
      await lab.settled(Date.now());
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
