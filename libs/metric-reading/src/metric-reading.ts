/**
 * What the watcher measures: the rate of frontend -> worker requests. The default PromQL query,
 * the parsing of a Prometheus query API answer and of the text exposition format, and the
 * counter arithmetic of the direct-scrape source. Pure functions; the sources do the HTTP.
 */

import { WORKER_TRAFFIC_METRIC, WORKER_TRAFFIC_SELECTOR } from '@string-hashr/contract';

/** `sum(rate(istio_requests_total{...}[window]))`: one value; the window should span >= 4 scrapes. */
export function defaultWatcherQuery(rateWindow: string): string {
  const selector = Object.entries(WORKER_TRAFFIC_SELECTOR)
    .map(([k, v]) => `${k}="${v}"`)
    .join(',');
  return `sum(rate(${WORKER_TRAFFIC_METRIC}{${selector}}[${rateWindow}]))`;
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

export type ReadErrorKind = 'http' | 'network' | 'timeout' | 'prometheus' | 'not-finite' | 'multiple-series' | 'parse';

/**
 * The outcome of one read, kept apart: a number; no data (no traffic: an empty vector); a
 * source still warming up (the scrape source's first sample); or an error of a named kind.
 */
export type Reading =
  | { kind: 'value'; rps: number }
  | { kind: 'no-data' }
  | { kind: 'warming-up' }
  | { kind: 'error'; errorKind: ReadErrorKind; message: string };

function sampleValue(raw: unknown): Reading {
  const text = Array.isArray(raw) ? raw[1] : undefined;
  if (typeof text !== 'string')
    return { kind: 'error', errorKind: 'parse', message: `unexpected sample ${JSON.stringify(raw)}` };
  const value = Number(text);
  if (text.trim() === '' || Number.isNaN(value) || !Number.isFinite(value))
    return { kind: 'error', errorKind: 'not-finite', message: `query returned ${text}` };
  return { kind: 'value', rps: value };
}

/** The answer of `/api/v1/query` (already JSON-parsed) as a Reading; the query must yield one value. */
export function parseQueryResponse(body: unknown): Reading {
  const answer = body as {
    status?: string;
    errorType?: string;
    error?: string;
    data?: { resultType?: string; result?: unknown };
  } | null;
  if (!answer || typeof answer !== 'object')
    return { kind: 'error', errorKind: 'parse', message: 'answer is not a JSON object' };
  if (answer.status !== 'success') {
    return {
      kind: 'error',
      errorKind: 'prometheus',
      message: `status ${answer.status ?? 'missing'}: ${answer.errorType ?? ''} ${answer.error ?? ''}`.trim(),
    };
  }
  const { resultType, result } = answer.data ?? {};
  if (resultType === 'scalar') return sampleValue(result);
  if (resultType !== 'vector' || !Array.isArray(result)) {
    return {
      kind: 'error',
      errorKind: 'parse',
      message: `expected an instant vector or scalar, got ${resultType ?? 'nothing'}`,
    };
  }
  if (result.length === 0) return { kind: 'no-data' };
  if (result.length > 1) {
    const labels = result
      .slice(0, 3)
      .map((s) => JSON.stringify((s as { metric?: unknown }).metric ?? {}))
      .join(', ');
    return {
      kind: 'error',
      errorKind: 'multiple-series',
      message: `query returned ${result.length} series (${labels}${result.length > 3 ? ', ...' : ''}); it must aggregate to one value, e.g. with sum()`,
    };
  }
  return sampleValue((result[0] as { value?: unknown }).value);
}

export interface ExpositionSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

function unescapeLabel(value: string): string {
  return value.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
}

/** Parses the Prometheus text exposition format (samples only; comments and blank lines skipped). */
export function parseExposition(text: string): ExpositionSample[] {
  const samples: ExpositionSample[] = [];
  for (const rawLine of text.split('\n')) {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)(\s+-?\d+)?$/.exec(line);
    if (!match) continue;
    const [, name = '', , labelText = '', valueText = ''] = match;
    const labels: Record<string, string> = {};
    for (const [, key = '', value = ''] of labelText.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"/g))
      labels[key] = unescapeLabel(value);
    const value = valueText === '+Inf' ? Infinity : valueText === '-Inf' ? -Infinity : Number(valueText);
    samples.push({ name, labels, value });
  }
  return samples;
}

/** The series of `name` whose labels include `selector`, keyed by their full label set. */
export function selectSeries(
  samples: ExpositionSample[],
  name: string,
  selector: Readonly<Record<string, string>>,
): Map<string, number> {
  const series = new Map<string, number>();
  for (const sample of samples) {
    if (sample.name !== name || !Object.entries(selector).every(([k, v]) => sample.labels[k] === v)) continue;
    const key = Object.keys(sample.labels)
      .sort()
      .map((k) => `${k}=${JSON.stringify(sample.labels[k])}`)
      .join(',');
    series.set(key, (series.get(key) ?? 0) + sample.value);
  }
  return series;
}

/**
 * How much a set of counters grew from `before` to `after`, summed. A counter that went down was
 * reset (its process restarted) and counts from 0; a series new in `after` has no earlier sample
 * and counts nothing, as in Prometheus's rate().
 */
export function counterIncrease(before: Map<string, number>, after: Map<string, number>): number {
  let total = 0;
  for (const [key, value] of after) {
    const previous = before.get(key);
    if (previous === undefined || !Number.isFinite(value)) continue;
    total += value >= previous ? value - previous : value;
  }
  return total;
}
