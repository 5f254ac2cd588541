// The built watcher end to end on a real Prometheus (1 s scrape) with the file router: when the
// frontend's scrape breaks while bursting, Prometheus answers empty (not a decaying rate), and the
// watcher holds the weights, then counts it as no traffic, in that order.
import { describe, expect, it } from 'vitest';
import { waitFor } from '@string-hashr/testing';
import { usePrometheusLab } from './prometheus-lab.js';
import { vsFileWeights, watcherMetrics } from './support.js';

const lab = usePrometheusLab();

describe('the built watcher on a real Prometheus, file router', () => {
  it('an empty answer while bursting at high load: held first, back to natural after the hold', async () => {
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
    const lines = output.split('\n');
    const firstEmpty = lines.findIndex((l) => / rps=no-data /.test(l));
    const firstHeld = lines.findIndex((l) => /warn istiowatcher: no data: the weights are held/.test(l));
    const back = lines.findIndex((l) => /weights changed rps=no-data weights=100\/0/.test(l));
    // In order: the first empty answer holds the weights; the change back comes after the hold.
    // How long the hold lasts, to the tick, is proven on an injected clock (src/watcher-rules.test.ts).
    expect(firstEmpty, output).toBeGreaterThanOrEqual(0);
    expect(firstHeld, output).toBe(firstEmpty);
    expect(back, output).toBeGreaterThan(firstHeld);
    expect(lines[back]).toMatch(
      /reason="0\.00 req\/s below low threshold 10 \(no data for \d+\.\ds, taken as no traffic\)/,
    );
    // Once its series went stale, no rate was read from their old samples: after the first empty
    // answer every reading is empty until the change back.
    expect(lines.slice(firstEmpty, back + 1).filter((l) => / rps=\d/.test(l))).toEqual([]);
    // Every hold logged so far was counted (it goes on ticking: the count may have grown since).
    const held = lines.filter((l) => /warn istiowatcher: no data: the weights are held/.test(l)).length;
    expect(
      (await watcherMetrics(port)).get('istiowatcher_decisions_total{kind="no-data-hold"}'),
    ).toBeGreaterThanOrEqual(held);
    expect(await watcher.stop()).toBe(0);
  });
});
