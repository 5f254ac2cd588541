import {
  type ResultOrigin,
  type StatsWindow,
  type TrafficCounters,
  type TrafficStats,
  addCounters,
  emptyCounters,
  openWindow,
  recordLatency,
  resultOrigin,
  RESULT_ORIGINS,
  summarizeWindow,
} from '@string-hashr/traffic';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { DROP_REASONS, OUTCOMES, type DropReason, type Outcome, type TrafficEvents } from './traffic-events.js';

/** A counter child with its labels bound once, so the hot path does no label lookup. */
type Increment = { inc(value?: number): void };

/** The HELP of each labelled counter: what it counts, by its one label. */
const COUNTER_HELP = {
  frontend_requests_total:
    'Requests to the worker that ended, by outcome: ok (2xx) or failed (other status, timeout, connection error)',
  frontend_requests_dropped_total:
    'Requests due but not sent: in_flight_limit (MAX_IN_FLIGHT reached), behind_schedule (the process stalled over a second) or max_rate (MAX_RATE reached within the last second)',
  frontend_results_total:
    'Results received on the Redis calculation channel, by origin (burst: the hash has the burst prefix)',
};

/** A counter with one label, each of its `values` bound once and exported at 0 from the start. */
function labelledCounter<L extends string>(
  registry: Registry,
  name: keyof typeof COUNTER_HELP,
  label: string,
  values: readonly L[],
): Record<L, Increment> {
  const counter = new Counter({ name, help: COUNTER_HELP[name], labelNames: [label], registers: [registry] });
  const bound = {} as Record<L, Increment>;
  for (const value of values) {
    bound[value] = counter.labels(value);
    bound[value].inc(0);
  }
  return bound;
}

/** A gauge read when `/metrics` is scraped. */
export function liveGauge(registry: Registry, name: string, help: string, read: () => number): Gauge {
  return new Gauge({
    name,
    help,
    registers: [registry],
    collect() {
      this.set(read());
    },
  });
}

/**
 * Counts what the generator and the Redis relay report, twice: into the per-second window of
 * the `stats` event, and into Prometheus metrics for `/metrics`. It only listens: the rate and
 * the requests in flight come from the events, so it needs neither the generator nor the relay.
 */
export class TrafficMonitor implements TrafficEvents {
  private window: StatsWindow;
  private totals: TrafficCounters = emptyCounters();
  private rate = 0;
  private inFlight = 0;
  private readonly sentTotal: Counter;
  private readonly answeredTotal: Record<Outcome, Increment>;
  private readonly droppedTotal: Record<DropReason, Increment>;
  private readonly resultsTotal: Record<ResultOrigin, Increment>;
  private readonly latency: Histogram;

  constructor(
    registry: Registry,
    private readonly burstPrefix: string,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.window = openWindow(this.now());
    this.sentTotal = new Counter({
      name: 'frontend_requests_sent_total',
      help: 'Requests sent to the worker (PROCESSOR_URL)',
      registers: [registry],
    });
    this.answeredTotal = labelledCounter(registry, 'frontend_requests_total', 'outcome', OUTCOMES);
    this.droppedTotal = labelledCounter(registry, 'frontend_requests_dropped_total', 'reason', DROP_REASONS);
    this.resultsTotal = labelledCounter(registry, 'frontend_results_total', 'origin', RESULT_ORIGINS);
    this.latency = new Histogram({
      name: 'frontend_request_duration_seconds',
      help: 'Time from sending a request to the worker to its HTTP answer',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    });
    liveGauge(registry, 'frontend_target_rate', 'Requests per second asked for (0: stopped)', () => this.rate);
    liveGauge(registry, 'frontend_requests_in_flight', 'Requests sent and not yet answered', () => this.inFlight);
  }

  rateChanged(rate: number): void {
    this.rate = rate;
  }

  sent(): void {
    this.inFlight++;
    this.window.sent++;
    this.sentTotal.inc();
  }

  dropped(reason: DropReason, count: number): void {
    this.window.dropped += count;
    this.droppedTotal[reason].inc(count);
  }

  answered(outcome: Outcome, latencyMs: number | null): void {
    this.inFlight--;
    this.window[outcome]++;
    this.answeredTotal[outcome].inc();
    if (latencyMs !== null) {
      recordLatency(this.window, latencyMs);
      this.latency.observe(latencyMs / 1000);
    }
  }

  /** Counts one result from Redis and tells where it was computed. */
  result(message: string): ResultOrigin {
    const origin = resultOrigin(message, this.burstPrefix);
    this.window[origin]++;
    this.resultsTotal[origin].inc();
    return origin;
  }

  /** Ends the current window (the figures of the `stats` event) and opens the next. */
  closeWindow(): TrafficStats {
    const now = this.now();
    const closing = this.window;
    this.window = openWindow(now);
    this.totals = addCounters(this.totals, closing);
    return summarizeWindow(closing, now, {
      targetRate: this.rate,
      inFlight: this.inFlight,
      at: Date.now(),
      totals: this.totals,
    });
  }
}
