import { describe, expect, it } from 'vitest';
import {
  addCounters,
  burstShare,
  emptyCounters,
  openWindow,
  percentile,
  recordLatency,
  resultOrigin,
  summarizeWindow,
} from './stats.js';

describe('percentile (nearest rank)', () => {
  const hundred = Array.from({ length: 100 }, (_, i) => i + 1);
  it.each([
    [[], 50, null],
    [[7], 50, 7],
    [[7], 99, 7],
    [[1, 2], 50, 1],
    [[1, 2, 3], 50, 2],
    [[1, 2, 3, 4], 50, 2],
    [[1, 2, 3, 4], 99, 4],
    [hundred, 50, 50],
    [hundred, 99, 99],
    [hundred, 100, 100],
    [hundred, 0, 1],
    [[...hundred, 1000], 99, 100],
  ])('%#: p%s', (values, p, expected) => {
    expect(percentile(values, p)).toBe(expected);
  });
});

describe('burst share and origin', () => {
  it.each([
    [0, 0, null],
    [10, 0, 0],
    [0, 10, 1],
    [15, 5, 0.25],
  ])('%s primary, %s burst -> %s', (primary, burst, share) => {
    expect(burstShare(primary, burst)).toBe(share);
  });

  it.each([
    ['bursty-abc', 'bursty-', 'burst'],
    ['abc', 'bursty-', 'primary'],
    ['bursty-abc', '', 'primary'],
    ['cloud-abc', 'cloud-', 'burst'],
  ] as const)('%s with prefix "%s" is %s', (result, prefix, origin) => {
    expect(resultOrigin(result, prefix)).toBe(origin);
  });
});

describe('stats window', () => {
  it.each([
    {
      name: 'one full second',
      windowMs: 1000,
      counts: { sent: 20, ok: 18, failed: 2, dropped: 0, primary: 15, burst: 3 },
      latencies: [5, 1, 3, 2, 4],
      expected: {
        achievedRate: 20,
        okPerSecond: 18,
        failedPerSecond: 2,
        droppedPerSecond: 0,
        primaryPerSecond: 15,
        burstPerSecond: 3,
        burstShare: 0.1667,
        latencyP50Ms: 3,
        latencyP99Ms: 5,
      },
    },
    {
      name: 'a late timer: 1000 sent over 1010 ms',
      windowMs: 1010,
      counts: { sent: 1010, ok: 1000, failed: 0, dropped: 10, primary: 0, burst: 1000 },
      latencies: [],
      expected: {
        achievedRate: 1000,
        okPerSecond: 990.1,
        droppedPerSecond: 9.9,
        burstShare: 1,
        latencyP50Ms: null,
        latencyP99Ms: null,
      },
    },
    {
      name: 'nothing happened',
      windowMs: 1000,
      counts: {},
      latencies: [],
      expected: { achievedRate: 0, okPerSecond: 0, burstShare: null, latencyP50Ms: null },
    },
    {
      name: 'half a second',
      windowMs: 500,
      counts: { sent: 10, primary: 4, burst: 4 },
      latencies: [0.123456],
      expected: { achievedRate: 20, primaryPerSecond: 8, burstShare: 0.5, latencyP50Ms: 0.12, latencyP99Ms: 0.12 },
    },
  ])('$name', ({ windowMs, counts, latencies, expected }) => {
    const window = Object.assign(openWindow(1_000), counts);
    for (const latency of latencies) recordLatency(window, latency);
    const totals = addCounters(emptyCounters(), window);
    const stats = summarizeWindow(window, 1_000 + windowMs, { at: 42, targetRate: 20, inFlight: 3, totals });
    expect(stats).toMatchObject({ ...expected, at: 42, targetRate: 20, inFlight: 3, windowMs, totals });
  });

  it('keeps a bounded, uniform sample of latencies', () => {
    const window = openWindow(0);
    let seed = 1;
    const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
    for (let i = 1; i <= 100_000; i++) recordLatency(window, i, random, 1000);
    expect(window.latencyCount).toBe(100_000);
    expect(window.latenciesMs).toHaveLength(1000);
    const sorted = [...window.latenciesMs].sort((a, b) => a - b);
    // A uniform sample of 1..100000 has its median near 50000.
    expect(percentile(sorted, 50)).toBeGreaterThan(45_000);
    expect(percentile(sorted, 50)).toBeLessThan(55_000);
  });

  it('adds counters', () => {
    const a = { sent: 1, ok: 2, failed: 3, dropped: 4, primary: 5, burst: 6 };
    expect(addCounters(a, a)).toEqual({ sent: 2, ok: 4, failed: 6, dropped: 8, primary: 10, burst: 12 });
  });
});
