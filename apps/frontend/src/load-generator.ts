import { type RateSchedule, startSchedule, tick } from '@string-hashr/traffic';
import type { TrafficEvents } from './traffic-events.js';

export interface LoadGeneratorOptions {
  /** One request to the worker; resolves with the HTTP status. */
  send: () => Promise<number>;
  maxInFlight: number;
  events: TrafficEvents;
  now?: () => number;
  /** Shortest sleep between wakes: high rates go out in small batches. */
  minWakeMs?: number;
}

/**
 * The imperative shell around the scheduler in @string-hashr/traffic: one timer, re-armed for
 * when the next request is due, sending every request due on each wake. At most `maxInFlight`
 * requests wait for an answer; a request due past that is dropped and counted, so a slow or
 * dead worker never grows memory.
 */
export class LoadGenerator {
  private schedule: RateSchedule;
  private timer: NodeJS.Timeout | undefined;
  private inFlightCount = 0;
  private stopped = false;
  private readonly now: () => number;

  constructor(private readonly options: LoadGeneratorOptions) {
    this.now = options.now ?? (() => performance.now());
    this.schedule = startSchedule(0, this.now());
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
    this.schedule = startSchedule(rate, this.now());
    this.options.events.rateChanged(this.schedule.rate);
    this.wake();
  }

  /** Stops sending for good; requests in flight finish on their own. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    const wasRunning = this.schedule.rate !== 0;
    this.schedule = startSchedule(0, this.now());
    if (wasRunning) this.options.events.rateChanged(0);
  }

  private readonly wake = (): void => {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.stopped) return;
    const step = tick(this.schedule, this.now(), { minWakeMs: this.options.minWakeMs ?? 2 });
    this.schedule = step.schedule;
    if (step.skipped > 0) this.options.events.dropped('behind_schedule', step.skipped);
    let overLimit = 0;
    for (let i = 0; i < step.send; i++) {
      if (this.inFlightCount >= this.options.maxInFlight) overLimit++;
      else this.dispatch();
    }
    if (overLimit > 0) this.options.events.dropped('in_flight_limit', overLimit);
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
