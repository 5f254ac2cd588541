import { describe, expect, it } from 'vitest';
import { ScrapedSeries, summedRate } from './scraped-series.js';

/** A series scraped at the given [time, value] samples. */
function series(samples: Array<[number, number]>): ScrapedSeries {
  const s = new ScrapedSeries(16);
  for (const [t, v] of samples) s.add(t, v);
  return s;
}

// Expected values worked out by hand from Prometheus 2.x's extrapolatedRate (promql/functions.go).
describe('ScrapedSeries.increase: Prometheus rate() arithmetic', () => {
  it.each<[string, Array<[number, number]>, number, number | undefined]>([
    // Samples 45..90 in [40, 100]: 450 over 45 s, extrapolated 5 s back and 10 s ahead: 600.
    [
      'a steady 10 req/s, 15 s scrapes, 1m window',
      [
        [15, 150],
        [30, 300],
        [45, 450],
        [60, 600],
        [75, 750],
        [90, 900],
      ],
      100,
      600,
    ],
    // The counter is born at t=50 with 100 at t=60: extrapolated back only to its zero point (10 s).
    [
      'a series born inside the window stops at its zero point',
      [
        [60, 100],
        [75, 250],
        [90, 400],
      ],
      100,
      (300 * 50) / 30,
    ],
    // First sample 20 s after the window's start (beyond 1.1 x 15 s): half an interval (7.5 s).
    [
      'far from the start, half an interval',
      [
        [60, 10_000],
        [75, 10_150],
        [90, 10_300],
      ],
      100,
      (300 * 47.5) / 30,
    ],
    // 450 -> 600, reset, 50 -> 200: growth 350, then 5 s back and 10 s ahead over 45 s.
    [
      'a counter reset counts from zero',
      [
        [45, 450],
        [60, 600],
        [75, 50],
        [90, 200],
      ],
      100,
      (350 * 60) / 45,
    ],
    ['one sample in the window: no answer', [[90, 900]], 100, undefined],
    [
      'the window is closed at its start: a sample exactly at t - window counts',
      [
        [40, 400],
        [55, 550],
      ],
      100,
      // 150 over 15 s; start 0 s away, end 45 s away (beyond 16.5 s): + 7.5 s.
      (150 * 22.5) / 15,
    ],
  ])('%s', (_name, samples, at, expected) => {
    const result = series(samples).increase(at, 60);
    if (expected === undefined) expect(result).toBeUndefined();
    else expect(result?.value).toBeCloseTo(expected, 9);
  });

  it('a zero counter that never moved is no series yet', () => {
    const s = series([
      [0, 0],
      [15, 0],
    ]);
    expect(s.increase(20, 60)).toBeUndefined();
    s.add(30, 150);
    expect(s.increase(31, 60)).toBeUndefined();
  });

  it('answers the same whether or not earlier reads were cached', () => {
    const samples: Array<[number, number]> = [];
    for (let t = 0; t <= 300; t += 15) samples.push([t, t * t]);
    const warm = new ScrapedSeries(8);
    const readings: number[] = [];
    for (let t = 0.5, i = 0; t < 300; t += 1) {
      while (i < samples.length && (samples[i]?.[0] ?? Infinity) <= t) {
        const [st, sv] = samples[i++] ?? [0, 0];
        warm.add(st, sv);
      }
      const cold = series(samples.filter(([st]) => st <= t));
      expect(warm.increase(t, 60)).toEqual(cold.increase(t, 60));
      readings.push(warm.increase(t, 60)?.value ?? NaN);
    }
    expect(readings.filter(Number.isFinite).length).toBeGreaterThan(250);
  });
});

describe('summedRate: sum(rate(...))', () => {
  it('sums the series that answer and reports the newest sample behind them', () => {
    const a = series([
      [45, 450],
      [60, 600],
      [75, 750],
      [90, 900],
    ]);
    const b = series([[90, 5]]);
    expect(summedRate([a, b], 100, 60)).toEqual({ rps: 10, dataAt: 90 });
  });

  it('is empty (undefined) when no series has two samples in the window', () => {
    expect(summedRate([series([[90, 5]]), series([])], 100, 60)).toBeUndefined();
  });
});
