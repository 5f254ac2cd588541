// The page's stream logic (public/app/) on a clock the test moves: how often the hash list is
// drawn, and what the tiles count.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createDrawPacer } from './public/app/draw-pacer.js';
import { createResultTotals, createStreamWindow, hashOrigin } from './public/app/stream-counts.js';

describe('the draw pacer of the hash list', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  /** Requests at `arrivals` (ms from the start), a draw serving every request made before it. */
  const paced = async (arrivals: number[]) => {
    const start = Date.now();
    const draws: Array<{ at: number; serves: number }> = [];
    let asked = 0;
    const pacer = createDrawPacer({
      everyMs: 250,
      now: () => Date.now() - start,
      draw: () => void draws.push({ at: Date.now() - start, serves: asked }),
    });
    for (const at of arrivals) {
      // Requests at the same time come in the same turn of the event loop.
      if (at > Date.now() - start) await vi.advanceTimersByTimeAsync(at - (Date.now() - start));
      asked++;
      pacer.request();
    }
    await vi.advanceTimersByTimeAsync(1000);
    return draws;
  };

  it('at 400 hashes a second draws at most once every 250 ms, and draws the last hash', async () => {
    const arrivals = Array.from({ length: 1200 }, (_, i) => i * 2.5);
    const draws = await paced(arrivals);
    const gaps = draws.slice(1).map((d, i) => d.at - (draws[i]?.at ?? 0));
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(250);
    expect(draws.length).toBeLessThanOrEqual(Math.ceil(3000 / 250) + 1);
    expect(draws.at(-1)?.serves).toBe(arrivals.length);
  });

  it('no hash waits longer than one pause for its draw', async () => {
    const arrivals = Array.from({ length: 400 }, (_, i) => i * 2.5 + (i % 7)).sort((a, b) => a - b);
    const draws = await paced(arrivals);
    arrivals.forEach((at, i) => {
      const drawn = draws.find((d) => d.serves > i);
      expect(drawn && drawn.at - at).toBeLessThanOrEqual(250);
    });
  });

  it('a hash after a quiet spell is drawn at once, with the ones of the same turn', async () => {
    const draws = await paced([0, 0, 0, 5000, 5000]);
    expect(draws).toEqual([
      { at: 0, serves: 3 },
      { at: 5000, serves: 5 },
    ]);
  });
});

describe('the stream tiles', () => {
  it('count each origin over the last 2 s, per second, and the burst share', () => {
    const recent = createStreamWindow(2000);
    for (let i = 0; i < 10; i++) recent.add('burst', 1000 + i * 10);
    expect(recent.read(1100)).toEqual({ primaryPerSecond: 0, burstPerSecond: 5, burstShare: 1 });
    for (let i = 0; i < 30; i++) recent.add('primary', 1500 + i);
    expect(recent.read(1600)).toEqual({ primaryPerSecond: 15, burstPerSecond: 5, burstShare: 0.25 });
    // The burst hashes leave the window 2 s after they came, the primary ones later.
    expect(recent.read(3085)).toEqual({ primaryPerSecond: 15, burstPerSecond: 0.5, burstShare: 1 / 31 });
    expect(recent.read(3600)).toEqual({ primaryPerSecond: 0, burstPerSecond: 0, burstShare: null });
  });

  it('take the totals of each stats event and add the hashes that came since', () => {
    const totals = createResultTotals();
    totals.counted('burst');
    expect(totals.seen()).toBeNull();
    totals.fromStats({ primary: 100, burst: 7 });
    totals.counted('burst');
    totals.counted('primary');
    totals.counted('primary');
    expect(totals.seen()).toEqual({ primary: 102, burst: 8 });
    totals.fromStats({ primary: 102, burst: 8 });
    expect(totals.seen()).toEqual({ primary: 102, burst: 8 });
  });

  it.each([
    ['bursty-abc', 'bursty-', 'burst'],
    ['abc', 'bursty-', 'primary'],
    ['bursty-abc', '', 'primary'],
    ['burst-abc', 'burst-', 'burst'],
  ])('%s with prefix %j is %s', (hash, prefix, origin) => {
    expect(hashOrigin(hash, prefix)).toBe(origin);
  });
});
