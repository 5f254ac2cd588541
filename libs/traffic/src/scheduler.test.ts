import { describe, expect, it } from 'vitest';
import { type RateSchedule, changeRate, dueCount, msUntilNextSend, startSchedule, tick } from './scheduler.js';

/** A small seeded PRNG so the simulated timer jitter is the same on every run. */
function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Simulation {
  /** Send times (ms) of every request. */
  sends: number[];
  skipped: number;
  schedule: RateSchedule;
}

/**
 * Runs the generator's wake loop on simulated time: every wake happens late by a random 0..maxLateMs
 * (a busy event loop), and `changes` switch the rate at given times, as a page would.
 */
function simulate(
  changes: Array<{ at: number; rate: number }>,
  untilMs: number,
  opts: { maxLateMs?: number; seed?: number; stallAt?: number; stallMs?: number; restartOnChange?: boolean } = {},
): Simulation {
  const random = mulberry32(opts.seed ?? 1);
  const sends: number[] = [];
  let skipped = 0;
  let schedule = startSchedule(0, 0);
  let now = 0;
  let pending = [...changes].sort((a, b) => a.at - b.at);
  let wakeAt: number | null = null;
  let stalled = false;
  for (;;) {
    const nextChange = pending[0]?.at ?? Infinity;
    const next = Math.min(wakeAt ?? Infinity, nextChange);
    if (next >= untilMs) break;
    now = Math.max(now, next);
    if (nextChange <= now) {
      // As the generator does (changeRate), or as it did before (a fresh schedule at each change).
      schedule = opts.restartOnChange
        ? startSchedule(pending[0]!.rate, now)
        : changeRate(schedule, pending[0]!.rate, now);
      pending = pending.slice(1);
    }
    if (opts.stallAt !== undefined && !stalled && now >= opts.stallAt) {
      stalled = true;
      now += opts.stallMs ?? 0;
    }
    const result = tick(schedule, now, { minWakeMs: 1 });
    for (let i = 0; i < result.send; i++) sends.push(now);
    skipped += result.skipped;
    schedule = result.schedule;
    wakeAt = result.wakeInMs === null ? null : now + result.wakeInMs + random() * (opts.maxLateMs ?? 0);
  }
  return { sends, skipped, schedule };
}

const countBetween = (sends: number[], from: number, to: number) => sends.filter((t) => t >= from && t < to).length;

/** The most sends in any window [t, t + 1000) of the run (each window starting at a send). */
const busiestSecond = (sends: number[]) => Math.max(0, ...sends.map((t) => countBetween(sends, t, t + 1000)));

describe('rate scheduler on simulated time', () => {
  it.each([1, 7, 100, 1000, 0.5, 333.3])('sends %s req/s within 2%% over 10 s, with late wakes', (rate) => {
    const { sends } = simulate([{ at: 0, rate }], 10_000, { maxLateMs: 15, seed: Math.round(rate * 10) });
    const expected = rate * 10;
    expect(Math.abs(sends.length - expected)).toBeLessThanOrEqual(Math.max(1, expected * 0.02));
  });

  it.each([1, 7, 100, 1000])(
    'at %s req/s every whole second past the first holds the rate within 2%% (or one request)',
    (rate) => {
      const { sends } = simulate([{ at: 0, rate }], 10_000, { maxLateMs: 15, seed: 3 });
      for (let second = 1; second < 9; second++) {
        const count = countBetween(sends, second * 1000, (second + 1) * 1000);
        expect(Math.abs(count - rate)).toBeLessThanOrEqual(Math.max(1, rate * 0.02));
      }
    },
  );

  it('does not drift over a long run: after a simulated hour the count is exact', () => {
    const hour = 3_600_000;
    const { sends } = simulate([{ at: 0, rate: 1000 }], hour, { maxLateMs: 20, seed: 7 });
    // Requests 0..n are due at n ms; the loop stops before `hour`, so the last wake may lag by up to 21 ms.
    expect(sends.length).toBeGreaterThanOrEqual(hour - 25);
    expect(sends.length).toBeLessThanOrEqual(hour);
    const { sends: slow } = simulate([{ at: 0, rate: 7 }], hour, { maxLateMs: 50, seed: 9 });
    expect(Math.abs(slow.length - 7 * 3600)).toBeLessThanOrEqual(1);
  });

  it('follows rate changes mid-way, counting each from when it took effect', () => {
    const { sends } = simulate(
      [
        { at: 0, rate: 100 },
        { at: 5_000, rate: 1000 },
        { at: 10_000, rate: 7 },
        { at: 15_000, rate: 0 },
      ],
      20_000,
      { maxLateMs: 10, seed: 11 },
    );
    expect(Math.abs(countBetween(sends, 0, 5_000) - 500)).toBeLessThanOrEqual(2);
    expect(Math.abs(countBetween(sends, 5_000, 10_000) - 5_000)).toBeLessThanOrEqual(100);
    expect(Math.abs(countBetween(sends, 10_000, 15_000) - 35)).toBeLessThanOrEqual(1);
    expect(countBetween(sends, 15_000, 20_000)).toBe(0);
  });

  it('a flood of rate changes (one a millisecond) never sends faster than the fastest rate asked for', () => {
    const flood = Array.from({ length: 3000 }, (_, i) => ({ at: i, rate: i % 2 === 0 ? 10 : 5 }));
    const { sends } = simulate(flood, 5_000, { maxLateMs: 3, seed: 13 });
    expect(busiestSecond(sends)).toBeLessThanOrEqual(10);
    expect(sends.length).toBeGreaterThan(0);
    // The defect this replaces: a fresh schedule at each change sent one request per change.
    const { sends: restarted } = simulate(flood, 5_000, { maxLateMs: 3, seed: 13, restartOnChange: true });
    expect(busiestSecond(restarted)).toBeGreaterThan(900);
  });

  it('stop and start again at once does not send an extra request', () => {
    const { sends } = simulate(
      [
        { at: 0, rate: 10 },
        { at: 150, rate: 0 },
        { at: 151, rate: 10 },
      ],
      1_000,
    );
    expect(sends).toEqual([0, 100, 200, 300, 400, 500, 600, 700, 800, 900]);
  });

  it('skips, rather than bursts, what fell more than a second behind after a stall', () => {
    const { sends, skipped } = simulate([{ at: 0, rate: 100 }], 10_000, { stallAt: 2_000, stallMs: 3_000, seed: 5 });
    expect(skipped).toBeGreaterThan(150);
    // At most one second's worth goes out on the wake after the stall.
    const burstAfterStall = countBetween(sends, 5_000, 5_001);
    expect(burstAfterStall).toBeLessThanOrEqual(100);
    expect(sends.length + skipped).toBeGreaterThanOrEqual(999);
  });
});

describe('scheduler steps', () => {
  it.each([
    // rate, elapsed ms, already sent -> due
    [0, 5_000, 0, 0],
    [1, 0, 0, 1],
    [1, 999, 1, 0],
    [1, 1_000, 1, 1],
    [7, 1_000, 0, 8],
    [1000, 10, 5, 6],
    [1000, 10, 11, 0],
    [0.5, 1_999, 1, 0],
    [0.5, 2_000, 1, 1],
  ])('rate %s after %s ms with %s sent: %s due', (rate, elapsed, sent, due) => {
    expect(dueCount({ rate, startedAt: 100, sent }, 100 + elapsed)).toBe(due);
  });

  it.each([
    [0, 0, null],
    [10, 1, 100],
    [10, 3, 300],
    [1000, 1, 1],
  ])('rate %s with %s sent: next send in %s ms from the start', (rate, sent, wait) => {
    expect(msUntilNextSend({ rate, startedAt: 0, sent }, 0)).toBe(wait);
  });

  it.each([
    // last due, new rate, now -> first due of the new rate
    [-Infinity, 10, 500, 500],
    [400, 10, 450, 500],
    [400, 10, 600, 600],
    [400, 1, 450, 1_400],
    [400, 1000, 450, 450],
    [400, 0, 450, 450],
  ])('after a request due at %s, rate %s set at %s: the next is due at %s', (lastDueAt, rate, now, firstDue) => {
    const before: RateSchedule = { rate: 3, startedAt: 0, sent: 2, lastDueAt };
    const after = changeRate(before, rate, now);
    expect(after).toMatchObject({ rate, startedAt: firstDue, sent: 0, lastDueAt });
    if (rate > 0) expect(dueCount(after, firstDue - 0.001)).toBe(0);
    if (rate > 0) expect(dueCount(after, firstDue)).toBe(1);
  });

  it('remembers when the last request was due across wakes', () => {
    const first = tick(startSchedule(10, 1_000), 1_250);
    expect(first.send).toBe(3);
    expect(first.schedule.lastDueAt).toBe(1_200);
  });

  it('treats a bad or negative rate as stopped', () => {
    expect(startSchedule(Number.NaN, 0).rate).toBe(0);
    expect(startSchedule(-5, 0).rate).toBe(0);
    expect(tick(startSchedule(-5, 0), 1_000)).toEqual({
      schedule: startSchedule(0, 0),
      send: 0,
      skipped: 0,
      wakeInMs: null,
    });
  });

  it('waits at least minWakeMs and rounds waits up to whole ms', () => {
    expect(tick(startSchedule(1000, 0), 0, { minWakeMs: 4 }).wakeInMs).toBe(4);
    expect(tick(startSchedule(3, 0), 0).wakeInMs).toBe(334);
  });
});
