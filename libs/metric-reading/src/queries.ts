/**
 * The PromQL the watcher sends, built from `@string-hashr/contract` so a rename in the manifests
 * cannot make it read nothing: the rate, the newest sample time behind it, and the burst side's
 * health. Also Prometheus durations.
 */
import {
  DESTINATION_CLUSTER_LABEL,
  RESPONSE_CODE_LABEL,
  WORKER_LATENCY_METRIC,
  WORKER_TRAFFIC_METRIC,
  WORKER_TRAFFIC_SELECTOR,
} from '@string-hashr/contract';

/** `{a="x",b="y"}` with label values escaped as PromQL strings. */
export function selectorText(selector: Readonly<Record<string, string>>): string {
  const escape = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
  return `{${Object.entries(selector)
    .map(([k, v]) => `${k}="${escape(v)}"`)
    .join(',')}}`;
}

/** `sum(rate(istio_requests_total{...}[window]))`: one value; the window should span >= 4 scrapes. */
export function defaultWatcherQuery(rateWindow: string): string {
  return `sum(rate(${WORKER_TRAFFIC_METRIC}${selectorText(WORKER_TRAFFIC_SELECTOR)}[${rateWindow}]))`;
}

/** The newest sample time (seconds) of the series a query reads: it moves once per scrape. */
export function freshnessQuery(metric: string, selector: Readonly<Record<string, string>>): string {
  return `max(timestamp(${metric}${selectorText(selector)}))`;
}

/** The freshness of the default query's input series. */
export function defaultFreshnessQuery(): string {
  return freshnessQuery(WORKER_TRAFFIC_METRIC, WORKER_TRAFFIC_SELECTOR);
}

/** The frontend's calls to the worker that went to `burstCluster`, as its sidecar reports them. */
export function burstSelector(burstCluster: string): Record<string, string> {
  return { ...WORKER_TRAFFIC_SELECTOR, [DESTINATION_CLUSTER_LABEL]: burstCluster };
}

export interface BurstHealthQueries {
  /** Requests in the window by response code: the count and the non-5xx share. */
  byCode: string;
  /** p99 of the request duration in the window (ms). */
  latencyP99: string;
  /** The newest sample time of the burst-side series. */
  freshness: string;
}

export function burstHealthQueries(rateWindow: string, burstCluster: string): BurstHealthQueries {
  const selector = burstSelector(burstCluster);
  const text = selectorText(selector);
  return {
    byCode: `sum by (${RESPONSE_CODE_LABEL}) (increase(${WORKER_TRAFFIC_METRIC}${text}[${rateWindow}]))`,
    latencyP99: `histogram_quantile(0.99, sum by (le) (rate(${WORKER_LATENCY_METRIC}_bucket${text}[${rateWindow}])))`,
    freshness: freshnessQuery(WORKER_TRAFFIC_METRIC, selector),
  };
}

/** A Prometheus duration (`15s`, `1m`, `1m30s`, `500ms`) in seconds; undefined if it is not one. */
export function parseDuration(text: string): number | undefined {
  const units: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400, w: 604800, y: 31536000 };
  const trimmed = text.trim();
  if (!/^(\d+(ms|s|m|h|d|w|y))+$/.test(trimmed)) return undefined;
  let seconds = 0;
  for (const [, amount, unit = ''] of trimmed.matchAll(/(\d+)(ms|s|m|h|d|w|y)/g))
    seconds += Number(amount) * (units[unit] ?? 0);
  return seconds > 0 ? seconds : undefined;
}
