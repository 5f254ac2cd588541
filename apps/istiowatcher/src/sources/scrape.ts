import {
  DEFAULT_ROUTE_KIND,
  RESPONSE_CODE_LABEL,
  WORKER_LATENCY_METRIC,
  WORKER_TRAFFIC_METRIC,
  workerTrafficSelector,
  type RouteKind,
} from '@string-hashr/contract';
import {
  burstSelector,
  histogramQuantile,
  increaseOver,
  parseExposition,
  parseSampleValue,
  readError,
  selectSeries,
  type ExpositionSample,
  type HealthReading,
  type Reading,
} from '@string-hashr/metric-reading';
import { getText, type MetricSource } from './source.js';

interface Scrape {
  at: number;
  traffic: Map<string, number>;
  burst: Map<string, number>;
  burstFailed: Map<string, number>;
  /** The burst side's latency histogram: series by bucket upper bound. */
  buckets: Map<number, Map<string, number>>;
}

function scrapeOf(samples: ExpositionSample[], at: number, burstCluster: string, kind: RouteKind): Scrape {
  const burst = burstSelector(burstCluster, kind);
  const buckets = new Map<number, Map<string, number>>();
  for (const sample of samples) {
    if (sample.name !== `${WORKER_LATENCY_METRIC}_bucket`) continue;
    const le = parseSampleValue(sample.labels.le ?? '');
    if (le !== undefined && !buckets.has(le))
      buckets.set(
        le,
        selectSeries(samples, sample.name, burst, (l) => l.le === sample.labels.le),
      );
  }
  return {
    at,
    traffic: selectSeries(samples, WORKER_TRAFFIC_METRIC, workerTrafficSelector(kind)),
    burst: selectSeries(samples, WORKER_TRAFFIC_METRIC, burst),
    burstFailed: selectSeries(samples, WORKER_TRAFFIC_METRIC, burst, (l) =>
      /^5\d\d$/.test(l[RESPONSE_CODE_LABEL] ?? ''),
    ),
    buckets,
  };
}

/**
 * Reads istio_requests_total straight from a metrics endpoint (the local mesh stand-in) and
 * computes the rate itself, so the local stack runs without Prometheus. The rate is the counters'
 * increase between the oldest sample inside the rate window and the newest, over the time between
 * them; each step handles counter resets. A reading is dated by its own scrape. The burst side's
 * health comes from the same scrapes: requests, 5xx and the latency histogram's increase over the
 * window. The first read has nothing to compare with: warming up.
 */
export function scrapeSource(options: {
  url: string;
  rateWindowSeconds: number;
  timeoutMs: number;
  burstCluster: string;
  /** The route kind the traffic goes through: it decides the destination_service the series name. */
  routeKind?: RouteKind;
  now?: () => number;
  maxBytes?: number;
}): MetricSource {
  const now = options.now ?? Date.now;
  const scrapes: Scrape[] = [];
  return {
    description: `scrape ${options.url} (${WORKER_TRAFFIC_METRIC} over ${options.rateWindowSeconds}s)`,
    async read(): Promise<Reading> {
      // Stamped with the scrape's start, as Prometheus does: the endpoint counts at about that
      // moment, while the answer may be handled late by a busy event loop.
      const at = now();
      const answer = await getText(options.url, options.timeoutMs, 'text/plain', options.maxBytes);
      if ('kind' in answer) return answer;
      if (answer.status !== 200) return readError('http', `HTTP ${answer.status} from ${options.url}`);
      scrapes.push(
        scrapeOf(parseExposition(answer.text), at, options.burstCluster, options.routeKind ?? DEFAULT_ROUTE_KIND),
      );
      // Keep the newest scrape at or before the window's start, and everything after it.
      while (scrapes.length > 2 && (scrapes[1]?.at ?? at) <= at - options.rateWindowSeconds * 1000) scrapes.shift();
      const [oldest] = scrapes;
      if (!oldest || scrapes.length < 2) return { kind: 'warming-up' };
      const seconds = (at - oldest.at) / 1000;
      if (seconds <= 0) return { kind: 'warming-up' };
      return { kind: 'value', rps: increaseOver(scrapes.map((s) => s.traffic)) / seconds, dataAt: at };
    },
    async readHealth(): Promise<HealthReading> {
      const newest = scrapes.at(-1);
      if (!newest || scrapes.length < 2 || newest.burst.size === 0) return { kind: 'no-data' };
      const requests = increaseOver(scrapes.map((s) => s.burst));
      const failed = increaseOver(scrapes.map((s) => s.burstFailed));
      const buckets = [...newest.buckets.keys()].map((le) => ({
        le,
        count: increaseOver(scrapes.map((s) => s.buckets.get(le) ?? new Map<string, number>())),
      }));
      const p99 = histogramQuantile(0.99, buckets);
      return {
        kind: 'health',
        requests,
        successRate: requests > 0 ? 1 - failed / requests : undefined,
        ...(p99 !== undefined ? { p99Ms: p99 } : {}),
        dataAt: newest.at,
      };
    },
  };
}
