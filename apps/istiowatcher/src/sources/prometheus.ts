import { parseQueryResponse, type Reading } from '@string-hashr/burst';
import { getText, type MetricSource } from './source.js';

/** Prometheus's instant-query API: the query must aggregate to one value. */
export function prometheusSource(options: { url: string; query: string; timeoutMs: number }): MetricSource {
  const endpoint = `${options.url}/api/v1/query?query=${encodeURIComponent(options.query)}`;
  return {
    description: `prometheus ${options.url} query ${options.query}`,
    async read(): Promise<Reading> {
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
    },
  };
}
