/**
 * Is Redis answering, and what time is it on Redis? The pure core of `watchRedis`: a probe
 * (`TIME`, or `PING` where only that is allowed) is sent every so often, one at a time. Redis
 * stops "answering" when a probe has waited longer than the stall limit at two checks in a row,
 * so a frozen Redis (SIGSTOP, a stuck disk, a full network buffer) is seen as such even though
 * its socket stays open. Two checks, because between them the event loop has read its sockets:
 * an answer that came in while our own process was busy is counted, and a busy process does not
 * blame Redis. Each `TIME` reply is a clock sample: Redis's clock minus ours, known within half
 * the round trip. Times are ms on the caller's monotonic clock.
 */
export interface ClockSample {
  /** Redis time minus local time, ms. */
  offset: number;
  /** The offset is right within this many ms (half the probe's round trip). */
  uncertainty: number;
}

export interface WatchState {
  /** The probe waiting for its answer, if any. */
  probe: { id: number; sentAt: number } | null;
  nextId: number;
  /** The latest clock samples, newest last. */
  samples: ClockSample[];
  /** The waiting probe was past the stall limit at the last check. */
  overdue: boolean;
  /** ... and at the check before: Redis is not answering until a probe is answered. */
  stalled: boolean;
}

/** Clock samples kept: the best of the latest few stands for the offset. */
export const KEPT_SAMPLES = 8;

export const initialWatch = (): WatchState => ({
  probe: null,
  nextId: 1,
  samples: [],
  overdue: false,
  stalled: false,
});

/** A periodic check at `now`: a probe past `stallMs` twice in a row means Redis is not answering. */
export function checked(state: WatchState, now: number, stallMs: number): WatchState {
  const late = state.probe !== null && now - state.probe.sentAt > stallMs;
  if (!late) return state.overdue ? { ...state, overdue: false } : state;
  return state.overdue ? { ...state, stalled: true } : { ...state, overdue: true };
}

/** A probe goes out now, unless one is still waiting (then `id` is null and nothing is sent). */
export function probeSent(state: WatchState, now: number): { state: WatchState; id: number | null } {
  if (state.probe !== null) return { state, id: null };
  const id = state.nextId;
  return { state: { ...state, probe: { id, sentAt: now }, nextId: id + 1 }, id };
}

/** Probe `id` was answered at `now`; `redisMs` is Redis's time for a `TIME` probe, null for `PING`. */
export function probeAnswered(state: WatchState, id: number, now: number, redisMs: number | null): WatchState {
  if (state.probe?.id !== id) return state;
  const { sentAt } = state.probe;
  const answered = { ...state, probe: null, overdue: false, stalled: false };
  if (redisMs === null) return answered;
  const sample = { offset: redisMs - (sentAt + now) / 2, uncertainty: Math.max(0, now - sentAt) / 2 };
  return { ...answered, samples: [...state.samples, sample].slice(-KEPT_SAMPLES) };
}

/** Probe `id` failed (the connection broke): nothing is waiting any more. */
export function probeFailed(state: WatchState, id: number): WatchState {
  return state.probe?.id === id ? { ...state, probe: null, overdue: false } : state;
}

/** A new connection (maybe to another Redis): no probe waits, no clock is known. */
export const reconnected = (state: WatchState): WatchState => ({
  ...state,
  probe: null,
  samples: [],
  overdue: false,
  stalled: false,
});

/** The sample with the smallest uncertainty, or undefined before the first `TIME` answer. */
export function clockEstimate(state: WatchState): ClockSample | undefined {
  let best: ClockSample | undefined;
  for (const sample of state.samples) if (best === undefined || sample.uncertainty < best.uncertainty) best = sample;
  return best;
}

/** Redis answers unless the checks found it stalled; with `needsClock`, only once a clock is known. */
export function isAnswering(state: WatchState, needsClock: boolean): boolean {
  return !state.stalled && (!needsClock || state.samples.length > 0);
}
