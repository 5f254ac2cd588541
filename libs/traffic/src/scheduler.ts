/**
 * The rate scheduler: which requests are due, computed from when the current rate took effect.
 * The n-th request (0-based) of a rate `r` is due at `startedAt + n * 1000 / r` ms, so late timer
 * wakes never accumulate into drift: the next wake simply finds more requests due.
 * Pure: times are plain numbers (ms on a monotonic clock) given by the caller.
 */
export interface RateSchedule {
  /** Requests per second in force; 0 means stopped. */
  readonly rate: number;
  /** When this rate took effect (ms). */
  readonly startedAt: number;
  /** Requests accounted for (sent or skipped) since `startedAt`. */
  readonly sent: number;
  /** When the last request accounted for was due, under this rate or an earlier one (-Infinity: none yet). */
  readonly lastDueAt: number;
}

/** What the due-time arithmetic needs of a schedule. */
type Timing = Pick<RateSchedule, 'rate' | 'startedAt' | 'sent'>;

export interface TickOptions {
  /**
   * Most requests sent on one wake. When the process was stalled longer than that, the excess
   * is skipped rather than fired as one burst. Default: one second's worth (at least 1).
   */
  maxCatchUp?: number;
  /** Shortest wait before the next wake, so high rates go out in small batches. Default 1 ms. */
  minWakeMs?: number;
}

export interface Tick {
  schedule: RateSchedule;
  /** Requests to send now. */
  send: number;
  /** Requests that were due but are skipped because the process fell too far behind. */
  skipped: number;
  /** When to wake next (ms from now), or null when stopped. */
  wakeInMs: number | null;
}

const validRate = (rate: number) => (rate > 0 && Number.isFinite(rate) ? rate : 0);

export function startSchedule(rate: number, now: number): RateSchedule {
  return { rate: validRate(rate), startedAt: now, sent: 0, lastDueAt: -Infinity };
}

/**
 * A new rate from `now` on, keeping the spacing: its first request is due `1000 / rate` ms after
 * the last one due under any earlier rate (at once if that is already past). Restarting the
 * schedule instead would send a request at every change, and a page changing the rate a thousand
 * times a second would send a thousand requests a second whatever the rates.
 */
export function changeRate(schedule: RateSchedule, rate: number, now: number): RateSchedule {
  const next = validRate(rate);
  const startedAt = next === 0 ? now : Math.max(now, schedule.lastDueAt + 1000 / next);
  return { rate: next, startedAt, sent: 0, lastDueAt: schedule.lastDueAt };
}

/** Requests due at `now` and not yet accounted for. The first one is due at `startedAt`. */
export function dueCount(schedule: Timing, now: number): number {
  if (schedule.rate <= 0 || now < schedule.startedAt) return 0;
  const dueSinceStart = Math.floor(((now - schedule.startedAt) * schedule.rate) / 1000) + 1;
  return Math.max(0, dueSinceStart - schedule.sent);
}

/** Time from `now` until the next request not yet accounted for is due; null when stopped. */
export function msUntilNextSend(schedule: Timing, now: number): number | null {
  if (schedule.rate <= 0) return null;
  const dueAt = schedule.startedAt + (schedule.sent * 1000) / schedule.rate;
  return Math.max(0, dueAt - now);
}

/** One wake of the generator: what to send now, the schedule after it, and when to wake next. */
export function tick(schedule: RateSchedule, now: number, options: TickOptions = {}): Tick {
  const due = dueCount(schedule, now);
  const maxCatchUp = options.maxCatchUp ?? Math.max(1, Math.ceil(schedule.rate));
  const send = Math.min(due, maxCatchUp);
  const sent = schedule.sent + due;
  const next: RateSchedule =
    due > 0 ? { ...schedule, sent, lastDueAt: schedule.startedAt + ((sent - 1) * 1000) / schedule.rate } : schedule;
  const wait = msUntilNextSend(next, now);
  return {
    schedule: next,
    send,
    skipped: due - send,
    wakeInMs: wait === null ? null : Math.max(options.minWakeMs ?? 1, Math.ceil(wait)),
  };
}
