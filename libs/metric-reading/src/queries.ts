/**
 * The PromQL the watcher sends, built from `@string-hashr/contract` so a rename in the manifests
 * cannot make it read nothing: the rate, the newest sample time behind it, and the burst side's
 * health, for the route kind in use (through an HTTPRoute the series name the backend Services).
 * Also Prometheus durations.
 */
import {
  DEFAULT_ROUTE_KIND,
  DESTINATION_CLUSTER_LABEL,
  RESPONSE_CODE_LABEL,
  WORKER_LATENCY_METRIC,
  WORKER_TRAFFIC_METRIC,
  workerTrafficSelector,
  type RouteKind,
  type SeriesSelector,
} from '@string-hashr/contract';

/** A value as a PromQL string literal's content. */
const escapeString = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
/** A value matched literally inside a PromQL (RE2) regex. */
const escapeRegex = (v: string) => v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** `{a="x",b=~"y|z"}`: equality for a value, an anchored alternation for a list; values escaped. */
export function selectorText(selector: SeriesSelector): string {
  return `{${Object.entries(selector)
    .map(([k, v]) =>
      typeof v === 'string' ? `${k}="${escapeString(v)}"` : `${k}=~"${escapeString(v.map(escapeRegex).join('|'))}"`,
    )
    .join(',')}}`;
}

/**
 * The label matchers of the first selector in a query's text, back as a SeriesSelector: the inverse
 * of selectorText, so a test can check what a query selects as its text reads. Only `=` and the
 * `=~` alternations selectorText writes are understood; anything else throws.
 */
export function selectorOfQuery(query: string): SeriesSelector {
  const body = /\{((?:[^}"]|"(?:[^"\\]|\\.)*")*)\}/.exec(query)?.[1];
  if (body === undefined) throw new Error(`no selector in ${query}`);
  const selector: Record<string, string | string[]> = {};
  const unescape = (v: string) => v.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
  let rest = body;
  for (const m of body.matchAll(/(\w+)(=~|!=|!~|=)"((?:[^"\\]|\\.)*)",?/g)) {
    const [whole, label = '', op, value = ''] = m;
    rest = rest.replace(whole, '');
    if (op === '=') selector[label] = unescape(value);
    else if (op === '=~')
      selector[label] = unescape(value)
        .split(/(?<!\\)\|/)
        .map((alt) => alt.replace(/\\(.)/g, '$1'));
    else throw new Error(`matcher ${label}${op} is not one selectorText writes`);
  }
  if (rest.trim() !== '') throw new Error(`cannot read "${rest}" in ${query}`);
  return selector;
}

/** `sum(rate(istio_requests_total{...}[window]))`: one value; the window should span >= 4 scrapes. */
export function defaultWatcherQuery(rateWindow: string, kind: RouteKind = DEFAULT_ROUTE_KIND): string {
  return `sum(rate(${WORKER_TRAFFIC_METRIC}${selectorText(workerTrafficSelector(kind))}[${rateWindow}]))`;
}

/** The newest sample time (seconds) of the series a query reads: it moves once per scrape. */
export function freshnessQuery(metric: string, selector: SeriesSelector): string {
  return `max(timestamp(${metric}${selectorText(selector)}))`;
}

/** The freshness of the default query's input series. */
export function defaultFreshnessQuery(kind: RouteKind = DEFAULT_ROUTE_KIND): string {
  return freshnessQuery(WORKER_TRAFFIC_METRIC, workerTrafficSelector(kind));
}

/** The frontend's calls to the worker that went to `burstCluster`, as its sidecar reports them. */
export function burstSelector(burstCluster: string, kind: RouteKind = DEFAULT_ROUTE_KIND): SeriesSelector {
  return { ...workerTrafficSelector(kind), [DESTINATION_CLUSTER_LABEL]: burstCluster };
}

export interface BurstHealthQueries {
  /** Requests in the window by response code: the count and the non-5xx share. */
  byCode: string;
  /** p99 of the request duration in the window (ms). */
  latencyP99: string;
  /** The newest sample time of the burst-side series. */
  freshness: string;
}

export function burstHealthQueries(
  rateWindow: string,
  burstCluster: string,
  kind: RouteKind = DEFAULT_ROUTE_KIND,
): BurstHealthQueries {
  const selector = burstSelector(burstCluster, kind);
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
