// The model's Prometheus arithmetic against the real Prometheus: the same counter samples,
// backfilled into a real TSDB at chosen times, queried with sum(rate(...[window])) at chosen
// instants, and computed by the model's ScrapedSeries. Deterministic: no scrape runs, no clock.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPrometheus, type TestPrometheus } from '@string-hashr/testing';
import { ScrapedSeries, summedRate } from '../src/scraped-series.js';
import { seededRandom } from '../src/scenarios.js';

const BASE = 1_600_000_000;

interface Dataset {
  name: string;
  scrape: number;
  offset: number;
  window: number;
  seconds: number;
  series: { primary: ScrapedSeries; burst: ScrapedSeries };
  lines: string[];
}

/**
 * Two counters (primary, burst) driven by a noisy load whose split flips between the sides every
 * few minutes, scraped every `scrape` seconds; primary's process restarts once (a counter reset)
 * and the burst counter is born only at the first flip.
 */
function dataset(name: string, scrape: number, offset: number, window: number, seconds: number): Dataset {
  const random = seededRandom(scrape * 1000 + window);
  const counters = { primary: 0, burst: 0 };
  const series = { primary: new ScrapedSeries(100_000), burst: new ScrapedSeries(100_000) };
  const lines: string[] = [];
  let next = offset;
  for (let t = 0; t < seconds; t++) {
    const load = 5 + 40 * random();
    const toBurst = Math.floor(t / 240) % 2 === 1 ? load : 0;
    if (t === Math.floor(seconds * 0.6)) counters.primary = 0;
    while (next < t + 1) {
      const fraction = next - t;
      for (const side of ['primary', 'burst'] as const) {
        const value = counters[side] + fraction * (side === 'burst' ? toBurst : load - toBurst);
        series[side].add(next, value);
        if (value > 0 || lines.some((l) => l.includes(`side="${side}",dataset="${name}"`)))
          lines.push(`istio_requests_total{side="${side}",dataset="${name}"} ${value} ${(BASE + next).toFixed(3)}`);
      }
      next += scrape;
    }
    counters.primary += load - toBurst;
    counters.burst += toBurst;
  }
  return { name, scrape, offset, window, seconds, series, lines };
}

const datasets = [dataset('istio', 15, 0.25, 60, 1800), dataset('local', 1, 0.6, 5, 600)];

describe("the model's rate() against a real Prometheus", () => {
  let prometheus: TestPrometheus;

  beforeAll(async () => {
    // OpenMetrics wants each series' samples together and in time order.
    const lines = datasets.flatMap((d) =>
      (['primary', 'burst'] as const).flatMap((side) => d.lines.filter((l) => l.includes(`side="${side}"`))),
    );
    prometheus = await startPrometheus({
      scrapeTargets: [],
      backfill: ['# TYPE istio_requests counter', ...lines, '# EOF', ''].join('\n'),
    });
  });

  afterAll(async () => {
    await prometheus?.stop();
  });

  async function query(promql: string, at: number): Promise<number | undefined> {
    const url = `${prometheus.url}/api/v1/query?query=${encodeURIComponent(promql)}&time=${(BASE + at).toFixed(3)}`;
    const answer = (await (await fetch(url)).json()) as { data: { result: Array<{ value: [number, string] }> } };
    const [first] = answer.data.result;
    return first ? Number(first.value[1]) : undefined;
  }

  it.each(datasets.map((d) => [d.name, d] as const))(
    '%s: sum(rate()) of both sides and of primary alone agree at every instant',
    async (_name, d) => {
      const random = seededRandom(7);
      let compared = 0;
      let answered = 0;
      for (let step = 0.1; step < d.seconds; step += d.scrape * (0.3 + 0.9 * random())) {
        // Prometheus keeps milliseconds.
        const at = Math.round(step * 1000) / 1000;
        for (const [selector, sides] of [
          [`dataset="${d.name}"`, [d.series.primary, d.series.burst]],
          [`dataset="${d.name}",side="primary"`, [d.series.primary]],
        ] as const) {
          const real = await query(`sum(rate(istio_requests_total{${selector}}[${d.window}s]))`, at);
          const model = summedRate(sides, at, d.window)?.rps;
          const where = `${selector} at t=${at.toFixed(3)}: real ${real}, model ${model}`;
          if (real === undefined) expect(model, where).toBeUndefined();
          else {
            expect(model, where).toBeDefined();
            expect(Math.abs((model ?? NaN) - real), where).toBeLessThanOrEqual(1e-6 * Math.max(1, real));
            answered++;
          }
          compared++;
        }
      }
      expect(compared).toBeGreaterThan(100);
      expect(answered).toBeGreaterThan(compared / 2);
    },
    60_000,
  );
});
