// The generator on fake timers and a fake clock: what it sends, drops and reports is exact.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LoadGenerator } from './load-generator.js';
import type { DropReason, Outcome, TrafficEvents } from './traffic-events.js';

function recorder() {
  const seen = {
    rates: [] as number[],
    sent: 0,
    dropped: { in_flight_limit: 0, behind_schedule: 0, max_rate: 0 } as Record<DropReason, number>,
    /** When each request went out (fake clock). */
    sentAt: [] as number[],
    answered: [] as Array<[Outcome, number | null]>,
  };
  const events: TrafficEvents = {
    rateChanged: (rate) => void seen.rates.push(rate),
    sent: () => {
      seen.sent++;
      seen.sentAt.push(Date.now());
    },
    dropped: (reason, count) => void (seen.dropped[reason] += count),
    answered: (outcome, latencyMs) => void seen.answered.push([outcome, latencyMs]),
  };
  return { seen, events };
}

const never = () => new Promise<number>(() => undefined);

describe('LoadGenerator', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });
  const generator = (events: TrafficEvents, send: () => Promise<number>, maxInFlight = 10, maxRate = 1000) =>
    new LoadGenerator({ send, maxInFlight, maxRate, events, now: () => Date.now() });
  /** The most requests sent in any window [t, t + 1000). */
  const busiestSecond = (times: number[]) =>
    Math.max(0, ...times.map((t) => times.filter((u) => u >= t && u < t + 1000).length));

  it('sends the first request at once and then one every 1000/rate ms', async () => {
    const { seen, events } = recorder();
    const g = generator(events, () => Promise.resolve(200), 100);
    g.setRate(10);
    expect(seen.sent).toBe(1);
    await vi.advanceTimersByTimeAsync(99);
    expect(seen.sent).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(seen.sent).toBe(2);
    await vi.advanceTimersByTimeAsync(900);
    expect(seen.sent).toBe(11);
    g.stop();
  });

  it('never holds more than maxInFlight requests and counts the rest as dropped', async () => {
    const { seen, events } = recorder();
    const g = generator(events, never, 5);
    g.setRate(200);
    await vi.advanceTimersByTimeAsync(1000);
    expect(seen.sent).toBe(5);
    expect(g.inFlight).toBe(5);
    // Due at 0, 5, 10, ... 1000 ms: 201 requests, of which 5 sent.
    expect(seen.dropped.in_flight_limit).toBe(196);
    g.stop();
  });

  it('tells answers (with latency), error statuses (with latency) and network errors (without) apart', async () => {
    const { seen, events } = recorder();
    const answers: Array<() => Promise<number>> = [
      () => new Promise((resolve) => setTimeout(() => resolve(200), 7)),
      () => new Promise((resolve) => setTimeout(() => resolve(503), 3)),
      () => Promise.reject(new Error('ECONNRESET')),
    ];
    let i = 0;
    const g = generator(events, () => (answers[i++] ?? never)());
    g.setRate(100);
    await vi.advanceTimersByTimeAsync(25);
    g.stop();
    expect(seen.answered).toEqual([
      ['ok', 7],
      ['failed', 3],
      ['failed', null],
    ]);
    expect(g.inFlight).toBe(0);
  });

  it('sends nothing at rate 0 and nothing after stop, and reports each rate in force', async () => {
    const { seen, events } = recorder();
    const g = generator(events, () => Promise.resolve(200));
    g.setRate(50);
    await vi.advanceTimersByTimeAsync(100);
    expect(seen.sent).toBe(6);
    g.setRate(0);
    await vi.advanceTimersByTimeAsync(5000);
    expect(seen.sent).toBe(6);
    g.setRate(50);
    // Started again long after the last request: the first goes out at once.
    expect(seen.sent).toBe(7);
    g.stop();
    g.setRate(100);
    await vi.advanceTimersByTimeAsync(5000);
    expect(seen.sent).toBe(7);
    expect(g.rate).toBe(0);
    expect(seen.rates).toEqual([50, 0, 50, 0]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a flood of rate changes sends no more than MAX_RATE in any second, and no request per change', async () => {
    const { seen, events } = recorder();
    const g = generator(events, () => Promise.resolve(200), 100, 10);
    // 3000 changes in 3 s between 10 and 9.5 req/s: a change must not start a request of its own.
    for (let i = 0; i < 3000; i++) {
      g.setRate(i % 2 === 0 ? 10 : 9.5);
      await vi.advanceTimersByTimeAsync(1);
    }
    await vi.advanceTimersByTimeAsync(2000);
    g.stop();
    expect(busiestSecond(seen.sentAt)).toBeLessThanOrEqual(10);
    expect(seen.sent).toBeGreaterThanOrEqual(45);
  });

  it('catching up after a stall never passes MAX_RATE in any second; what the cap holds back is dropped and counted', async () => {
    const { seen, events } = recorder();
    const g = generator(events, () => Promise.resolve(200), 100, 10);
    g.setRate(10);
    await vi.advanceTimersByTimeAsync(500);
    // The event loop stalls for 900 ms: the clock moves, no timer fires.
    vi.setSystemTime(Date.now() + 900);
    await vi.advanceTimersByTimeAsync(3000);
    g.stop();
    expect(busiestSecond(seen.sentAt)).toBeLessThanOrEqual(10);
    expect(seen.dropped.max_rate).toBeGreaterThan(0);
    // Every request due was sent or counted as dropped.
    expect(seen.sent + seen.dropped.max_rate + seen.dropped.behind_schedule).toBe(45);
  });

  it('reports nothing when the rate asked for is the one in force', () => {
    const { seen, events } = recorder();
    const g = generator(events, () => Promise.resolve(200));
    g.setRate(0);
    g.setRate(5);
    g.setRate(5);
    expect(seen.rates).toEqual([5]);
    g.stop();
  });
});
