import { RateCap, type RateSchedule, changeRate, startSchedule, tick } from '@string-hashr/traffic';
import type { TrafficEvents } from './traffic-events.js';

export interface LoadGeneratorOptions {
  /** One request to the worker; resolves with the HTTP status. */
  send: () => Promise<number>;
  maxInFlight: number;
  /** Never more than this many requests in any second, however the rate changes (MAX_RATE). */
  maxRate: number;
  events: TrafficEvents;
  now?: () => number;
  /** Shortest sleep between wakes: high rates go out in small batches. */
  minWakeMs?: number;
}

/**
 * The imperative shell around the scheduler in @string-hashr/traffic: one timer, re-armed for
 * when the next request is due, sending every request due on each wake. At most `maxInFlight`
 * requests wait for an answer; a request due past that is dropped and counted, so a slow or
 * dead worker never grows memory. At most `maxRate` requests go out in any second (RateCap),
 * whatever the rate changes or a catch-up after a stall would send; the rest are dropped and counted.
 */
export class LoadGenerator {
  private schedule: RateSchedule;
  private timer: NodeJS.Timeout | undefined;
  private inFlightCount = 0;
  private stopped = false;
  private readonly now: () => number;
  private readonly cap: RateCap;

  constructor(private readonly options: LoadGeneratorOptions) {
    this.now = options.now ?? (() => performance.now());
    this.schedule = startSchedule(0, this.now());
    this.cap = new RateCap(options.maxRate);
  }

  /** Requests per second in force (0: stopped). */
  get rate(): number {
    return this.schedule.rate;
  }

  get inFlight(): number {
    return this.inFlightCount;
  }

  setRate(rate: number): void {
    if (this.stopped || rate === this.schedule.rate) return;
    this.schedule = changeRate(this.schedule, rate, this.now());
    this.options.events.rateChanged(this.schedule.rate);
    this.wake();
  }

  /** Stops sending for good; requests in flight finish on their own. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    const wasRunning = this.schedule.rate !== 0;
    this.schedule = changeRate(this.schedule, 0, this.now());
    if (wasRunning) this.options.events.rateChanged(0);
  }

  private readonly wake = (): void => {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.stopped) return;
    const now = this.now();
    const step = tick(this.schedule, now, { minWakeMs: this.options.minWakeMs ?? 2 });
    this.schedule = step.schedule;
    if (step.skipped > 0) this.options.events.dropped('behind_schedule', step.skipped);
    let overLimit = 0;
    let overMaxRate = 0;
    for (let i = 0; i < step.send; i++) {
      if (this.inFlightCount >= this.options.maxInFlight) overLimit++;
      else if (!this.cap.tryTake(now)) overMaxRate++;
      else this.dispatch();
    }
    if (overLimit > 0) this.options.events.dropped('in_flight_limit', overLimit);
    if (overMaxRate > 0) this.options.events.dropped('max_rate', overMaxRate);
    if (step.wakeInMs !== null) this.timer = setTimeout(this.wake, step.wakeInMs);
  };

  private dispatch(): void {
    const { events } = this.options;
    this.inFlightCount++;
    events.sent();
    const startedAt = this.now();
    this.options.send().then(
      (status) => {
        this.inFlightCount--;
        events.answered(status >= 200 && status < 300 ? 'ok' : 'failed', this.now() - startedAt);
      },
      () => {
        this.inFlightCount--;
        events.answered('failed', null);
      },
    );
  }
}
