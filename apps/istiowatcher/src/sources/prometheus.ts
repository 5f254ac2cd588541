import { parseQueryResponse, type Reading } from '@string-hashr/burst';
import { getText, type MetricSource } from './source.js';

/**
 * Prometheus's instant-query API: the query must aggregate to one value. An empty answer means no
 * traffic, except for one rate window after Prometheus was unreachable or failing: a Prometheus
 * that just came back has too few fresh samples for rate() and answers empty while traffic flows,
 * which, taken as 0 req/s, would flip a burst back to primary. Those answers count as warming up.
 */
export function prometheusSource(options: { url: string; query: string; timeoutMs: number; rateWindowSeconds: number; now?: () => number }): MetricSource {
  const endpoint = `${options.url}/api/v1/query?query=${encodeURIComponent(options.query)}`;
  const now = options.now ?? Date.now;
  let failing = false;
  let recoveringUntil = 0;

  async function query(): Promise<Reading> {
    const answer = await getText(endpoint, options.timeoutMs, 'application/json');
    if ('kind' in answer) return answer;
    let body: unknown;
    try {
      body = JSON.parse(answer.text);
    } catch {
      return { kind: 'error', errorKind: 'http', message: `HTTP ${answer.status} from ${options.url}: ${answer.text.slice(0, 200)}` };
    }
    // Prometheus answers bad queries with 400 and a JSON error body; keep its message.
    const reading = parseQueryResponse(body);
    if (answer.status !== 200 && reading.kind !== 'error') return { kind: 'error', errorKind: 'http', message: `HTTP ${answer.status} from ${options.url}` };
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
      }
      if (reading.kind === 'no-data' && now() < recoveringUntil) return { kind: 'warming-up' };
      return reading;
    },
  };
}
