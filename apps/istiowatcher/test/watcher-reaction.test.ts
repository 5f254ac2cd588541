// The built watcher end to end on a real Prometheus (1 s scrape) with the file router: load steps
// move the weights, and a Prometheus outage leaves them alone until it returns.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { http, waitFor } from '@string-hashr/testing';
import { usePrometheusLab } from './prometheus-lab.js';
import { VS_FILE_HEADER, loggedChanges, vsFileWeights, watcherMetrics } from './support.js';

const lab = usePrometheusLab();

describe('the built watcher on a real Prometheus, file router', () => {
  it('goes to burst at 30 req/s and back at 5, holds through a Prometheus outage, and recovers', async () => {
    const {
      proc: watcher,
      port,
      file,
    } = await lab.watcherAt(5, {
      WATCHER_MIN_DWELL_SECONDS: '2',
      WATCHER_FAILSAFE_AFTER: '3',
    });
    // Several decisions at 5 req/s: none of them a change.
    await waitFor('three decisions', async () => (await lab.decisions(port)) >= 3, 20_000, 200);
    expect(vsFileWeights(file)).toEqual({ primary: 100, burst: 0 });

    lab.exporter.setRate(30);
    await waitFor('burst 100', () => vsFileWeights(file).burst === 100, 30_000, 200);
    expect(readFileSync(file, 'utf8').startsWith(VS_FILE_HEADER)).toBe(true);
    const metrics = await watcherMetrics(port);
    expect(metrics.get('istiowatcher_burst_weight')).toBe(100);
    expect(metrics.get('istiowatcher_transitions_total{direction="up"}')).toBe(1);
    expect(metrics.get('istiowatcher_observed_rps')).toBeGreaterThan(15);
    expect(metrics.get('istiowatcher_phase{phase="burst"}')).toBe(1);

    // Prometheus goes away: reads fail, routing stays at burst (failsafe hold), errors counted.
    await lab.prometheus.kill();
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

    await lab.prometheus.restart();
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

    lab.exporter.setRate(5);
    await waitFor('back to natural', () => vsFileWeights(file).primary === 100, 30_000, 200);
    expect((await watcherMetrics(port)).get('istiowatcher_transitions_total{direction="down"}')).toBe(1);
    expect(await loggedChanges(watcher, 2)).toEqual(['0/100', '100/0']);

    expect(await watcher.stop()).toBe(0);
  });
});
