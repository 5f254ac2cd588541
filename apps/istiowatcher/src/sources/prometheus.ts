import { parseQueryResponse, type Reading } from '@string-hashr/metric-reading';
import { getText, type MetricSource } from './source.js';

/**
 * Prometheus's instant-query API: the query must aggregate to one value. For one rate window
 * after Prometheus was unreachable or failing, answers count as warming up: a Prometheus that
 * just came back has only a few fresh samples in the window, so rate() answers empty or
 * underestimates while traffic flows, and taken at face value that would flip a burst back.
 * A Prometheus that restarted may also take a while to scrape again, so until it answers with a
 * value, an empty answer stays "warming up" for up to EMPTY_GRACE_WINDOWS windows; after that,
 * empty means no traffic, as always.
 */
const EMPTY_GRACE_WINDOWS = 3;

export function prometheusSource(options: {
  url: string;
  query: string;
  timeoutMs: number;
  rateWindowSeconds: number;
  now?: () => number;
}): MetricSource {
  const endpoint = `${options.url}/api/v1/query?query=${encodeURIComponent(options.query)}`;
  const now = options.now ?? Date.now;
  let failing = false;
  let recoveringUntil = 0;
  let emptyGraceUntil = 0;

  async function query(): Promise<Reading> {
    const answer = await getText(endpoint, options.timeoutMs, 'application/json');
    if ('kind' in answer) return answer;
    let body: unknown;
    try {
      body = JSON.parse(answer.text);
    } catch {
      return {
        kind: 'error',
        errorKind: 'http',
        message: `HTTP ${answer.status} from ${options.url}: ${answer.text.slice(0, 200)}`,
      };
    }
    // Prometheus answers bad queries with 400 and a JSON error body; keep its message.
    const reading = parseQueryResponse(body);
    if (answer.status !== 200 && reading.kind !== 'error')
      return { kind: 'error', errorKind: 'http', message: `HTTP ${answer.status} from ${options.url}` };
    return reading;
  }

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
  };
}
