import { describe, expect, it } from 'vitest';
import {
  KEPT_SAMPLES,
  type WatchState,
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

  it.each<[string, (s: WatchState) => WatchState, number, boolean, boolean]>([
    ['nothing known yet, no clock needed', (s) => s, 0, false, true],
    ['nothing known yet, clock needed', (s) => s, 0, true, false],
    ['a probe waiting 999 ms of 1000', (s) => probeSent(roundTrip(s, 0, 1, 0), 10).state, 1009, true, true],
    ['a probe waiting 1001 ms of 1000', (s) => probeSent(roundTrip(s, 0, 1, 0), 10).state, 1011, true, false],
    ['the stuck probe answered at last', (s) => roundTrip(roundTrip(s, 0, 1, 0), 10, 5000, 5000), 5001, true, true],
    ['a PING answer: answering, but no clock', (s) => roundTrip(s, 0, 1, null), 2, true, false],
    ['a failed probe: nothing waits', (s) => probeFailed(probeSent(s, 0).state, 1), 5000, false, true],
    ['reconnected: the clock must be learned again', (s) => reconnected(roundTrip(s, 0, 1, 0)), 2, true, false],
  ])('%s', (_name, build, now, needsClock, answering) => {
    expect(isAnswering(build(initialWatch()), now, 1000, needsClock)).toBe(answering);
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
