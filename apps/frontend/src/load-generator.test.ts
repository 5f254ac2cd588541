// The generator on fake timers and a fake clock: what it sends, drops and reports is exact.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LoadGenerator } from './load-generator.js';
import type { DropReason, Outcome, TrafficEvents } from './traffic-events.js';

function recorder() {
  const seen = {
    rates: [] as number[],
    sent: 0,
    dropped: { in_flight_limit: 0, behind_schedule: 0 } as Record<DropReason, number>,
    answered: [] as Array<[Outcome, number | null]>,
  };
  const events: TrafficEvents = {
    rateChanged: (rate) => void seen.rates.push(rate),
    sent: () => void seen.sent++,
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
  const generator = (events: TrafficEvents, send: () => Promise<number>, maxInFlight = 10) =>
    new LoadGenerator({ send, maxInFlight, events, now: () => Date.now() });

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
    expect(seen.sent).toBe(7);
    g.stop();
    g.setRate(100);
    await vi.advanceTimersByTimeAsync(5000);
    expect(seen.sent).toBe(7);
    expect(g.rate).toBe(0);
    expect(seen.rates).toEqual([50, 0, 50, 0]);
    expect(vi.getTimerCount()).toBe(0);
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
