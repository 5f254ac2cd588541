/**
 * Traffic traces: the rate the frontend sends to the worker over time, one value per second.
 *
 * CSV format (see README.md): one `t,rps` row per line, `t` in seconds (strictly increasing, any
 * start, fractions allowed), `rps` the request rate from `t` until the next row's `t`. The last
 * row holds for the usual step between rows (1 s for a per-second trace). An optional `t,rps`
 * header, blank lines and `#` comments are skipped. The model runs in whole seconds, so rows are
 * resampled: each second gets the time-weighted mean of the rates in force during it.
 */

/** The longest trace accepted: a year of seconds (a typo in `t` must not allocate gigabytes). */
export const MAX_TRACE_SECONDS = 366 * 86_400;

export interface Trace {
  /** A scenario's name or the file's. */
  name: string;
  /** Requests per second during each second, from the trace's start. */
  rps: Float64Array;
}

/** A trace's rows as read, kept for messages that name a line (replay checks the frontend's limit). */
export interface TraceRows {
  times: Float64Array;
  rates: Float64Array;
  lines: Int32Array;
}

export class TraceError extends Error {
  override name = 'TraceError';
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Parses CSV text; every problem throws a TraceError naming the source and the line. */
export function parseTraceRows(text: string, source: string): TraceRows {
  const times: number[] = [];
  const rates: number[] = [];
  const lines: number[] = [];
  let lineNumber = 0;
  let start = 0;
  let sawContent = false;
  const fail = (message: string): never => {
    throw new TraceError(`${source} line ${lineNumber}: ${message}`);
  };
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    const line = text.slice(start, end).replace(/\r$/, '').trim();
    start = end + 1;
    lineNumber++;
    if (line === '' || line.startsWith('#')) continue;
    if (!sawContent) {
      sawContent = true;
      if (/^t\s*,\s*rps$/i.test(line)) continue;
    }
    const comma = line.indexOf(',');
    if (comma === -1 || line.indexOf(',', comma + 1) !== -1)
      fail(`expected two comma-separated values "t,rps", got "${line.slice(0, 60)}"`);
    const tText = line.slice(0, comma).trim();
    const rText = line.slice(comma + 1).trim();
    if (!NUMBER.test(tText)) fail(`t must be a number of seconds, got "${tText.slice(0, 40)}"`);
    if (!NUMBER.test(rText)) fail(`rps must be a number, got "${rText.slice(0, 40)}"`);
    const t = Number(tText);
    const rps = Number(rText);
    if (!Number.isFinite(t) || !Number.isFinite(rps)) fail(`"${line.slice(0, 60)}" is not finite`);
    if (rps < 0) fail(`rps must be >= 0, got ${rText}`);
    const previous = times[times.length - 1];
    if (previous !== undefined && t <= previous)
      fail(`times must increase: t=${tText} comes after t=${previous} (line ${lines[lines.length - 1]})`);
    const first = times[0];
    if (first !== undefined && t - first > MAX_TRACE_SECONDS)
      fail(`t=${tText} is more than ${MAX_TRACE_SECONDS / 86_400} days after the first row (t=${first})`);
    times.push(t);
    rates.push(rps);
    lines.push(lineNumber);
  }
  if (times.length === 0) throw new TraceError(`${source}: no data rows (expected lines of "t,rps")`);
  return { times: Float64Array.from(times), rates: Float64Array.from(rates), lines: Int32Array.from(lines) };
}

/** The step the last row holds for: the median gap between rows (1 s for a single row). */
function lastRowLength(times: Float64Array): number {
  if (times.length < 2) return 1;
  const gaps = Array.from(times.subarray(1), (t, i) => t - (times[i] ?? t)).sort((a, b) => a - b);
  return gaps[Math.floor(gaps.length / 2)] ?? 1;
}

/** Rows as a per-second trace (time-weighted mean within each second). */
export function resample(rows: TraceRows, name: string): Trace {
  const { times, rates } = rows;
  const origin = times[0] ?? 0;
  const end = (times[times.length - 1] ?? 0) + lastRowLength(times) - origin;
  const rps = new Float64Array(Math.max(1, Math.ceil(end - 1e-9)));
  for (let i = 0; i < times.length; i++) {
    const from = (times[i] ?? 0) - origin;
    const to = i + 1 < times.length ? (times[i + 1] ?? 0) - origin : end;
    const rate = rates[i] ?? 0;
    // Whole seconds in one go (the common case), fractions at the edges.
    let t = from;
    while (t < to - 1e-12) {
      const second = Math.floor(t + 1e-12);
      const next = Math.min(to, second + 1);
      if (t === second && next === second + 1) {
        const whole = Math.floor(to + 1e-12);
        rps.fill(rate, second, Math.min(whole, rps.length));
        t = Math.max(whole, t + 1);
        continue;
      }
      if (second < rps.length) rps[second] = (rps[second] ?? 0) + rate * (next - t);
      t = next;
    }
  }
  return { name, rps };
}

export function parseTrace(text: string, source: string): Trace {
  return resample(parseTraceRows(text, source), source);
}

/** A per-second trace as CSV, the format parseTrace reads. */
export function traceCsv(trace: Trace): string {
  const lines = ['t,rps'];
  trace.rps.forEach((rps, t) => lines.push(`${t},${Number(rps.toFixed(3))}`));
  return lines.join('\n') + '\n';
}
