/**
 * The frontend's sending, as its scheduler does it (libs/traffic): a new rate restarts the
 * schedule, its n-th request due at start + n / rate (the first at once); an unchanged rate keeps
 * the schedule going. So requests are whole, and a rate that changes every second sends the
 * next whole number of requests in that second (2.5 req/s: 3).
 */
export class FrontendSchedule {
  private rate = 0;
  private since = 0;

  /** `whole`: as the scheduler sends; otherwise the rate as a continuous flow (fractions of requests). */
  constructor(private readonly whole = true) {}

  /** Second `s` begins with the trace's rate `rps` in force. */
  setRate(s: number, rps: number): void {
    if (rps === this.rate) return;
    this.rate = rps;
    this.since = s;
  }

  /** Requests sent before `t` under the rate in force since its start (t at or after it). */
  sentBefore(t: number): number {
    if (t <= this.since) return 0;
    const flow = (t - this.since) * this.rate;
    return this.whole ? Math.max(0, Math.ceil(flow - 1e-9)) : flow;
  }

  /** Requests sent in [from, to). */
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
