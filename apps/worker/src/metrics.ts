import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** Why a request ended as it did; `POST /` has the detailed ones, other routes `served` or `failed`. */
export type Outcome =
  | 'published'
  | 'invalid_body'
  | 'too_large'
  | 'unsupported_encoding'
  | 'redis_unavailable'
  | 'publish_failed'
  | 'publish_timeout'
  | 'served'
  | 'failed';

export interface WorkerMetrics {
  /** Counts one request; the counter child per (route, outcome, status) is made once and reused. */
  countRequest(route: string, outcome: Outcome, status: number): void;
  observePublishSeconds(seconds: number): void;
}

export function createWorkerMetrics(registry: Registry, isRedisUp: () => boolean): WorkerMetrics {
  const requests = new Counter({
    name: 'worker_requests_total',
    help: 'HTTP requests answered, by route, outcome and status code',
    labelNames: ['route', 'outcome', 'status'] as const,
    registers: [registry],
  });
  const publishSeconds = new Histogram({
    name: 'worker_publish_duration_seconds',
    help: 'Time from sending PUBLISH to Redis accepting it (successful publishes only)',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  new Gauge({
    name: 'worker_redis_up',
    help: '1 while the Redis publisher connection is ready, else 0',
    registers: [registry],
    collect() {
      this.set(isRedisUp() ? 1 : 0);
    },
  });
  // Looking up a labelled child hashes its labels; on the hot path, keep the children.
  const children = new Map<string, Counter.Internal>();
  return {
    countRequest(route, outcome, status) {
      const key = `${route} ${outcome} ${status}`;
      let child = children.get(key);
      if (child === undefined) {
        child = requests.labels({ route, outcome, status: String(status) });
        children.set(key, child);
      }
      child.inc();
    },
    observePublishSeconds: (seconds) => publishSeconds.observe(seconds),
  };
}
