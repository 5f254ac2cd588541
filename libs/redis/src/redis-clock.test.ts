import { describe, expect, it } from 'vitest';
import {
  KEPT_SAMPLES,
  type WatchState,
  checked,
  clockEstimate,
  initialWatch,
  isAnswering,
  probeAnswered,
  probeFailed,
  probeSent,
  reconnected,
} from './redis-clock.js';

/** Sends a probe at `sentAt` and answers it at `answeredAt` with Redis time `redisMs`. */
function roundTrip(state: WatchState, sentAt: number, answeredAt: number, redisMs: number | null): WatchState {
  const sent = probeSent(state, sentAt);
  if (sent.id === null) throw new Error('a probe was already waiting');
  return probeAnswered(sent.state, sent.id, answeredAt, redisMs);
}

describe('the Redis watch', () => {
  it('knows the clock offset within half the round trip', () => {
    const state = roundTrip(initialWatch(), 1000, 1004, 501_002);
    expect(clockEstimate(state)).toEqual({ offset: 500_000, uncertainty: 2 });
  });

  it('keeps the most certain of the latest samples', () => {
    let state = initialWatch();
    state = roundTrip(state, 0, 10, 5_000);
    state = roundTrip(state, 100, 101, 5_100.5);
    state = roundTrip(state, 200, 230, 5_215);
    expect(clockEstimate(state)).toEqual({ offset: 5_000, uncertainty: 0.5 });
    for (let i = 0; i < KEPT_SAMPLES; i++) state = roundTrip(state, 1000 + i * 100, 1000 + i * 100 + 8, 9_000);
    expect(state.samples).toHaveLength(KEPT_SAMPLES);
    expect(clockEstimate(state)?.uncertainty).toBe(4);
  });

  /** A probe sent at `sentAt`, then checks at the given times. */
  const checks = (state: WatchState, sentAt: number, times: number[]) => {
    let s = probeSent(state, sentAt).state;
    for (const t of times) s = checked(s, t, 1000);
    return s;
  };
  const known = (s: WatchState) => roundTrip(s, 0, 1, 0);

  it.each<[string, (s: WatchState) => WatchState, boolean, boolean]>([
    ['nothing known yet, no clock needed', (s) => s, false, true],
    ['nothing known yet, clock needed', (s) => s, true, false],
    ['a probe waiting, not past the limit at either check', (s) => checks(known(s), 10, [510, 1010]), true, true],
    ['past the limit at one check only', (s) => checks(known(s), 10, [510, 1011]), true, true],
    ['past the limit at two checks in a row: stalled', (s) => checks(known(s), 10, [1011, 1511]), true, false],
    [
      'stalled, then the probe answered at last',
      (s) => probeAnswered(checks(known(s), 10, [1011, 1511]), 2, 5000, 5000),
      true,
      true,
    ],
    ['a PING answer: answering, but no clock', (s) => roundTrip(s, 0, 1, null), true, false],
    [
      'a failed probe: nothing waits, nothing stalls',
      (s) => checked(checked(probeFailed(probeSent(s, 0).state, 1), 5000, 1000), 6000, 1000),
      false,
      true,
    ],
    ['reconnected: the clock must be learned again', (s) => reconnected(known(s)), true, false],
    [
      'reconnected while stalled: not stalled any more',
      (s) => reconnected(checks(known(s), 10, [1011, 1511])),
      false,
      true,
    ],
  ])('%s', (_name, build, needsClock, answering) => {
    expect(isAnswering(build(initialWatch()), needsClock)).toBe(answering);
  });

  it('an answer read between two checks clears the first one (a busy process does not blame Redis)', () => {
    let state = probeSent(roundTrip(initialWatch(), 0, 1, 0), 10).state;
    state = checked(state, 1500, 1000);
    expect(state.overdue).toBe(true);
    state = probeAnswered(state, 2, 1501, 1501);
    state = checked(state, 2000, 1000);
    expect(isAnswering(state, true)).toBe(true);
  });

  it('sends one probe at a time and ignores answers to probes it no longer waits for', () => {
    const first = probeSent(initialWatch(), 0);
    expect(first.id).toBe(1);
    expect(probeSent(first.state, 500).id).toBeNull();
    const afterReconnect = reconnected(first.state);
    const second = probeSent(afterReconnect, 600);
    expect(second.id).toBe(2);
    // The first probe's late answer changes nothing: probe 2 still waits.
    expect(probeAnswered(second.state, 1, 700, 123)).toBe(second.state);
    expect(probeFailed(second.state, 1)).toBe(second.state);
  });
});
