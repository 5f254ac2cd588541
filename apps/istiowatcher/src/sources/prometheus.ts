import {
  healthFromCodes,
  healthFromRatio,
  parseDataTime,
  parseLatency,
  parseQueryResponse,
  readError,
  type BurstHealthQueries,
  type HealthReading,
  type ReadError,
  type Reading,
} from '@string-hashr/metric-reading';
import { getText, type MetricSource } from './source.js';

/**
 * Prometheus's instant-query API: the query must aggregate to one value. For one rate window
 * after Prometheus was unreachable or failing, answers count as warming up: a Prometheus that
 * just came back has only a few fresh samples in the window, so rate() answers empty or
 * underestimates while traffic flows, and taken at face value that would flip a burst back.
 * A Prometheus that restarted may also take a while to scrape again, so until it answers with a
 * value, an empty answer stays "warming up" for up to EMPTY_GRACE_WINDOWS windows.
 */
const EMPTY_GRACE_WINDOWS = 3;

/** The burst side's health: the default queries (and p99 only when a latency gate is set), or one custom ratio. */
export type HealthQueries =
  { kind: 'default'; queries: BurstHealthQueries; latency: boolean } | { kind: 'custom'; query: string };

export interface PrometheusSourceOptions {
  url: string;
  query: string;
  /** The newest sample time (seconds) behind `query`; without it, a reading is dated by its evaluation. */
  freshnessQuery?: string;
  health?: HealthQueries;
  timeoutMs: number;
  rateWindowSeconds: number;
  now?: () => number;
  maxBytes?: number;
}

export function prometheusSource(options: PrometheusSourceOptions): MetricSource {
  const now = options.now ?? Date.now;
  let failing = false;
  let recoveringUntil = 0;
  let emptyGraceUntil = 0;

  /** One query's JSON answer, or why there is none. */
  async function ask(query: string): Promise<{ body: unknown } | ReadError> {
    const endpoint = `${options.url}/api/v1/query?query=${encodeURIComponent(query)}`;
    const answer = await getText(endpoint, options.timeoutMs, 'application/json', options.maxBytes);
    if ('kind' in answer) return answer;
    let body: unknown;
    try {
      body = JSON.parse(answer.text);
    } catch {
      return readError('http', `HTTP ${answer.status} from ${options.url}: ${answer.text.slice(0, 200)}`);
    }
    // Prometheus answers bad queries with 400 and a JSON error body: keep its message.
    if (answer.status !== 200 && (body as { status?: unknown } | null)?.status === 'success')
      return readError('http', `HTTP ${answer.status} from ${options.url}`);
    return { body };
  }

  /** The data time from a freshness answer; no series: unknown. */
  function dataTime(answer: { body: unknown } | ReadError, what: string): number | undefined | ReadError {
    if ('kind' in answer) return { ...answer, message: `${what}: ${answer.message}` };
    const time = parseDataTime(answer.body);
    if (time.kind === 'error') return { ...time, message: `${what}: ${time.message}` };
    return time.kind === 'time' ? time.at : undefined;
  }

  async function query(): Promise<Reading> {
    const [answer, freshness] = await Promise.all([
      ask(options.query),
      options.freshnessQuery ? ask(options.freshnessQuery) : undefined,
    ]);
    if ('kind' in answer) return answer;
    const reading = parseQueryResponse(answer.body);
    if (reading.kind !== 'value' || !freshness) return reading;
    const dataAt = dataTime(freshness, 'freshness query');
    if (typeof dataAt === 'object') return dataAt;
    // No current sample behind the value (its series went stale: a broken scrape): rate() still
    // extrapolates from the window's old samples for a while, falling; that is no data, not a rate.
    if (dataAt === undefined) return { kind: 'no-data' };
    return { ...reading, dataAt };
  }

  async function readHealth(health: HealthQueries): Promise<HealthReading> {
    if (health.kind === 'custom') {
      const answer = await ask(health.query);
      return 'kind' in answer ? answer : healthFromRatio(answer.body);
    }
    const { queries } = health;
    const [byCode, freshness, latency] = await Promise.all([
      ask(queries.byCode),
      ask(queries.freshness),
      health.latency ? ask(queries.latencyP99) : undefined,
    ]);
    if ('kind' in byCode) return byCode;
    const reading = healthFromCodes(byCode.body);
    if (reading.kind !== 'health') return reading;
    const dataAt = dataTime(freshness, 'burst freshness query');
    if (typeof dataAt === 'object') return dataAt;
    if (!latency) return { ...reading, dataAt };
    if ('kind' in latency) return { ...latency, message: `burst latency query: ${latency.message}` };
    const p99 = parseLatency(latency.body);
    if (p99.kind === 'error') return p99;
    return { ...reading, dataAt, ...(p99.ms !== undefined ? { p99Ms: p99.ms } : {}) };
  }

  const { health } = options;
  return {
    description: `prometheus ${options.url} query ${options.query}`,
    async read(): Promise<Reading> {
      const reading = await query();
      if (reading.kind === 'error') {
        failing = true;
        return reading;
      }
      if (failing) {
        failing = false;
        recoveringUntil = now() + options.rateWindowSeconds * 1000;
        emptyGraceUntil = now() + EMPTY_GRACE_WINDOWS * options.rateWindowSeconds * 1000;
      }
      if (now() < recoveringUntil) return { kind: 'warming-up' };
      if (reading.kind === 'value') emptyGraceUntil = 0;
      else if (reading.kind === 'no-data' && now() < emptyGraceUntil) return { kind: 'warming-up' };
      return reading;
    },
    ...(health ? { readHealth: () => readHealth(health) } : {}),
  };
}
