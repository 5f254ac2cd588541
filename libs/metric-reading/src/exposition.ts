/**
 * The Prometheus text exposition format, for the direct-scrape source: samples, the series of a
 * selector, counter increases with resets, and a histogram quantile as Prometheus computes it.
 */
import type { SeriesSelector } from '@string-hashr/contract';
import { parseSampleValue } from './answer.js';

export interface ExpositionSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

function unescapeLabel(value: string): string {
  return value.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
}

/** Parses the text format (samples only; comments, blank lines and lines that are not a sample skipped). */
export function parseExposition(text: string): ExpositionSample[] {
  const samples: ExpositionSample[] = [];
  for (const rawLine of text.split('\n')) {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)(\s+-?\d+)?$/.exec(line);
    if (!match) continue;
    const [, name = '', , labelText = '', valueText = ''] = match;
    const value = parseSampleValue(valueText);
    if (value === undefined) continue;
    const labels: Record<string, string> = {};
    for (const [, key = '', v = ''] of labelText.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"/g))
      labels[key] = unescapeLabel(v);
    samples.push({ name, labels, value });
  }
  return samples;
}

/** Whether a label set matches a selector: each label equal to its value, or to one of its list. */
export function matchesSelector(labels: Record<string, string>, selector: SeriesSelector): boolean {
  return Object.entries(selector).every(([k, v]) => {
    const value = labels[k];
    return typeof v === 'string' ? value === v : value !== undefined && v.includes(value);
  });
}

/**
 * The series of `name` whose labels match `selector` (and pass `where`, when given), keyed by
 * their full label set.
 */
export function selectSeries(
  samples: ExpositionSample[],
  name: string,
  selector: SeriesSelector,
  where: (labels: Record<string, string>) => boolean = () => true,
): Map<string, number> {
  const series = new Map<string, number>();
  for (const sample of samples) {
    if (sample.name !== name || !matchesSelector(sample.labels, selector)) continue;
    if (!where(sample.labels)) continue;
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

/** The increase of each series set over consecutive samples (oldest first), summed across the steps. */
export function increaseOver(samples: Array<Map<string, number>>): number {
  let total = 0;
  for (let i = 1; i < samples.length; i++) {
    const before = samples[i - 1];
    const after = samples[i];
    if (before && after) total += counterIncrease(before, after);
  }
  return total;
}

/**
 * The q-quantile of a histogram given as cumulative bucket counts by upper bound (`le`, +Inf
 * included), interpolated linearly inside the bucket as Prometheus's histogram_quantile();
 * undefined when the histogram is empty.
 */
export function histogramQuantile(q: number, buckets: Array<{ le: number; count: number }>): number | undefined {
  const sorted = [...buckets].sort((a, b) => a.le - b.le);
  const last = sorted.at(-1);
  if (!last || last.le !== Infinity || !(last.count > 0)) return undefined;
  const rank = q * last.count;
  let previous = { le: 0, count: 0 };
  for (const bucket of sorted) {
    // Counts must not fall from one bucket to the next; a scrape that mixed two moments can make them.
    const count = Math.max(bucket.count, previous.count);
    if (count >= rank) {
      if (bucket.le === Infinity) return previous.le;
      const start = previous.le > 0 || bucket.le <= 0 ? previous.le : 0;
      const inBucket = count - previous.count;
      return inBucket > 0 ? start + ((bucket.le - start) * (rank - previous.count)) / inBucket : bucket.le;
    }
    previous = { le: bucket.le, count };
  }
  return previous.le;
}
