import { describe, expect, it } from 'vitest';
import { RateCap } from './rate-cap.js';

/** The most of `times` in any window [t, t + 1000). */
const busiestSecond = (times: number[]) =>
  Math.max(0, ...times.map((t) => times.filter((u) => u >= t && u < t + 1000).length));

describe('RateCap', () => {
  it('allows at most the limit in any second, then again as the oldest send turns a second old', () => {
    const cap = new RateCap(3);
    expect([0, 10, 20, 30, 999].map((t) => cap.tryTake(t))).toEqual([true, true, true, false, false]);
    expect(cap.tryTake(1000)).toBe(true);
    expect(cap.tryTake(1009)).toBe(false);
    expect(cap.tryTake(1010)).toBe(true);
  });

  it.each([
    ['a burst all at once', () => Array.from({ length: 5000 }, () => 0)],
    ['one every millisecond', () => Array.from({ length: 5000 }, (_, i) => i)],
    ['bursts of 7 every 333 ms', () => Array.from({ length: 210 }, (_, i) => Math.floor(i / 7) * 333)],
    ['random times', () => Array.from({ length: 3000 }, (_, i) => (i * 7919) % 4000).sort((a, b) => a - b)],
  ])('%s: never more than the limit in any second', (_name, times) => {
    for (const limit of [1, 10, 250]) {
      const cap = new RateCap(limit);
      const allowed = times().filter((t) => cap.tryTake(t));
      expect(busiestSecond(allowed)).toBeLessThanOrEqual(limit);
      expect(allowed.length).toBeGreaterThan(0);
    }
  });

  it('rounds a fractional limit down, to at least 1', () => {
    expect(new RateCap(10.9).limit).toBe(10);
    expect(new RateCap(0.5).limit).toBe(1);
  });
});
