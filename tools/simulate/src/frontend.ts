/**
 * The frontend's sending, through its own scheduler (libs/traffic): the n-th request of a rate
 * due at start + n / rate, and a new rate keeping the spacing (its first request one new interval
 * after the last one due). So requests are whole, as the real frontend sends them when a page (or
 * `npm run replay`) sets each second's rate. Or, not whole: the rate as a continuous flow.
 */
import { changeRate, dueCount, startSchedule, type RateSchedule } from '@string-hashr/traffic';

/** A microsecond: "before t" for the scheduler's "due at or before t". */
const JUST_BEFORE_MS = 1e-3;

export class FrontendSchedule {
  private schedule: RateSchedule = startSchedule(0, 0);

  /** `whole`: as the scheduler sends; otherwise the rate as a continuous flow (fractions of requests). */
  constructor(private readonly whole = true) {}

  /** Second `s` begins with the trace's rate `rps` in force. */
  setRate(s: number, rps: number): void {
    const now = s * 1000;
    if (rps === this.schedule.rate) return;
    const { rate, startedAt } = this.schedule;
    const due = dueCount({ ...this.schedule, sent: 0 }, now - JUST_BEFORE_MS);
    const lastDueAt = due > 0 ? startedAt + ((due - 1) * 1000) / rate : this.schedule.lastDueAt;
    this.schedule = this.whole
      ? changeRate({ ...this.schedule, lastDueAt }, rps, now)
      : { rate: rps, startedAt: now, sent: 0, lastDueAt };
  }

  /** Requests sent before `t` (seconds) under the rate in force. */
  private sentBefore(t: number): number {
    const { rate, startedAt } = this.schedule;
    if (!this.whole) return t * 1000 <= startedAt ? 0 : ((t * 1000 - startedAt) * rate) / 1000;
    return dueCount({ rate, startedAt, sent: 0 }, t * 1000 - JUST_BEFORE_MS);
  }

  /** Requests sent in [from, to), within the second the rate was last set for or after. */
  sent(from: number, to: number): number {
    return this.sentBefore(to) - this.sentBefore(from);
  }
}

/** Requests the frontend sends in each second of a trace. */
export function requestsPerSecond(rps: Float64Array, whole = true): Float64Array {
  const schedule = new FrontendSchedule(whole);
  const out = new Float64Array(rps.length);
  for (let s = 0; s < rps.length; s++) {
    schedule.setRate(s, rps[s] ?? 0);
    out[s] = schedule.sent(s, s + 1);
  }
  return out;
}
