// The built watcher end to end on a real Prometheus (1 s scrape) with the file router: an empty
// answer while bursting holds the weights for the hold, then counts as no traffic.
import { describe, expect, it } from 'vitest';
import { waitFor } from '@string-hashr/testing';
import { usePrometheusLab } from './prometheus-lab.js';
import { firstLineAt, vsFileWeights, watcherMetrics } from './support.js';

const lab = usePrometheusLab();

describe('the built watcher on a real Prometheus, file router', () => {
  it('an empty answer while bursting at high load holds the weights until the hold ends', async () => {
    const {
      proc: watcher,
      port,
      file,
    } = await lab.watcherAt(30, {
      WATCHER_MIN_DWELL_SECONDS: '0',
      WATCHER_NO_DATA_HOLD_SECONDS: '8',
    });
    await waitFor('burst 100', () => vsFileWeights(file).burst === 100, 30_000, 200);
    // The frontend's scrape breaks: Prometheus marks its series stale and the query answers empty.
    lab.exporter.setAvailable(false);
    try {
      // The file first, then the log line: the line comes through the watcher's stdout after it.
      await waitFor(
        'back to natural after the hold, and its log line',
        () =>
          vsFileWeights(file).primary === 100 && /weights changed rps=no-data weights=100\/0/.test(watcher.output()),
        60_000,
        200,
      );
    } finally {
      lab.exporter.setAvailable(true);
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
