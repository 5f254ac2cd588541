/**
 * Prometheus's `/api/v1/query` answers (already JSON-parsed) as readings. Values are parsed
 * strictly: a decimal as Prometheus writes one (an exponent allowed), or its own NaN / +Inf /
 * -Inf; anything else ("0x0", "", "1e400", " 5") is a parse error, never a number.
 */
import { RESPONSE_CODE_LABEL, isFailedResponseCode } from '@string-hashr/contract';
import { readError, type HealthReading, type ReadError, type Reading } from './reading.js';

const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
// Spelled as Go's ParseFloat reads them, case aside (prom-client writes "Nan").
const SPECIAL: Record<string, number> = {
  nan: NaN,
  inf: Infinity,
  '+inf': Infinity,
  '-inf': -Infinity,
  infinity: Infinity,
  '+infinity': Infinity,
  '-infinity': -Infinity,
};

/** A sample value's text as a number: a finite decimal, NaN or +-Inf; undefined when it is neither. */
export function parseSampleValue(text: string): number | undefined {
  const special = text.toLowerCase();
  if (Object.hasOwn(SPECIAL, special)) return SPECIAL[special];
  if (!DECIMAL.test(text)) return undefined;
  const value = Number(text);
  return Number.isFinite(value) ? value : undefined;
}

export interface AnswerSample {
  labels: Record<string, string>;
  value: number;
  /** Evaluation time of the query (ms). */
  at: number;
}

function sampleOf(raw: unknown, labels: unknown): AnswerSample | ReadError {
  const [at, text] = Array.isArray(raw) ? raw : [];
  const value = typeof text === 'string' ? parseSampleValue(text) : undefined;
  if (typeof at !== 'number' || !Number.isFinite(at) || value === undefined)
    return readError('parse', `unexpected sample ${JSON.stringify(raw)?.slice(0, 100)}`);
  const metric = labels && typeof labels === 'object' ? (labels as Record<string, unknown>) : {};
  return {
    labels: Object.fromEntries(Object.entries(metric).map(([k, v]) => [k, String(v)])),
    value,
    at: at * 1000,
  };
}

/** Every sample of an instant vector or scalar answer, or why the answer is not one. */
export function parseAnswer(body: unknown): AnswerSample[] | ReadError {
  const answer = body as {
    status?: string;
    errorType?: string;
    error?: string;
    data?: { resultType?: string; result?: unknown };
  } | null;
  if (!answer || typeof answer !== 'object') return readError('parse', 'answer is not a JSON object');
  if (answer.status !== 'success')
    return readError(
      'prometheus',
      `status ${answer.status ?? 'missing'}: ${answer.errorType ?? ''} ${answer.error ?? ''}`.trim(),
    );
  const { resultType, result } = answer.data ?? {};
  if (resultType === 'scalar') {
    const sample = sampleOf(result, {});
    return 'kind' in sample ? sample : [sample];
  }
  if (resultType !== 'vector' || !Array.isArray(result))
    return readError('parse', `expected an instant vector or scalar, got ${resultType ?? 'nothing'}`);
  const samples: AnswerSample[] = [];
  for (const series of result as Array<{ metric?: unknown; value?: unknown } | null>) {
    const sample = sampleOf(series?.value, series?.metric);
    if ('kind' in sample) return sample;
    samples.push(sample);
  }
  return samples;
}

/** The one value a query must give (aggregate with sum()), or no data, or why not. */
export function oneValue(
  body: unknown,
): { kind: 'value'; value: number; at: number } | { kind: 'no-data' } | ReadError {
  const samples = parseAnswer(body);
  if (!Array.isArray(samples)) return samples;
  const [first, ...rest] = samples;
  if (!first) return { kind: 'no-data' };
  if (rest.length > 0) {
    const labels = samples
      .slice(0, 3)
      .map((s) => JSON.stringify(s.labels))
      .join(', ');
    return readError(
      'multiple-series',
      `query returned ${samples.length} series (${labels}${samples.length > 3 ? ', ...' : ''}); it must aggregate to one value, e.g. with sum()`,
    );
  }
  if (!Number.isFinite(first.value)) return readError('not-finite', `query returned ${first.value}`);
  return { kind: 'value', value: first.value, at: first.at };
}

/**
 * A rate: one value, a finite decimal >= 0 (a negative rate is not one), dated by the query's
 * evaluation; a source that can learn the newest sample time behind it replaces that.
 */
export function parseQueryResponse(body: unknown): Reading {
  const one = oneValue(body);
  if (one.kind !== 'value') return one;
  if (one.value < 0) return readError('parse', `a rate must be >= 0, got ${one.value}`);
  return { kind: 'value', rps: one.value, dataAt: one.at };
}

/** A data time: the value of a `timestamp()` query, in seconds, as ms. */
export function parseDataTime(body: unknown): { kind: 'time'; at: number } | { kind: 'no-data' } | ReadError {
  const one = oneValue(body);
  if (one.kind !== 'value') return one;
  if (one.value < 0) return readError('parse', `a data time must be >= 0, got ${one.value}`);
  return { kind: 'time', at: one.value * 1000 };
}

/**
 * The burst side's requests in the window, by response code (`sum by (response_code)`): the count
 * and the share of answers that did not fail (a 5xx, or code 0: no answer at all). No series at all: no data (no burst request was ever made).
 */
export function healthFromCodes(body: unknown): HealthReading {
  const samples = parseAnswer(body);
  if (!Array.isArray(samples)) return samples;
  if (samples.length === 0) return { kind: 'no-data' };
  let requests = 0;
  let failures = 0;
  for (const { labels, value } of samples) {
    if (!Number.isFinite(value) || value < 0)
      return readError('parse', `a request count must be a number >= 0, got ${value}`);
    requests += value;
    if (isFailedResponseCode(labels[RESPONSE_CODE_LABEL] ?? '')) failures += value;
  }
  return { kind: 'health', requests, successRate: requests > 0 ? 1 - failures / requests : undefined };
}

/** A custom health query's answer: the success ratio (0..1); empty: not enough to judge. */
export function healthFromRatio(body: unknown): HealthReading {
  const one = oneValue(body);
  if (one.kind !== 'value') return one;
  if (one.value < 0 || one.value > 1) return readError('parse', `a success ratio must be 0..1, got ${one.value}`);
  return { kind: 'health', successRate: one.value, dataAt: one.at };
}

/** A latency quantile (ms); NaN (no requests in the window) is unknown. */
export function parseLatency(body: unknown): { kind: 'latency'; ms?: number } | ReadError {
  const samples = parseAnswer(body);
  if (!Array.isArray(samples)) return samples;
  const [first, ...rest] = samples;
  if (rest.length > 0) return readError('multiple-series', `latency query returned ${samples.length} series`);
  if (!first || Number.isNaN(first.value)) return { kind: 'latency' };
  if (!Number.isFinite(first.value) || first.value < 0)
    return readError('parse', `a latency must be a number >= 0, got ${first.value}`);
  return { kind: 'latency', ms: first.value };
}
