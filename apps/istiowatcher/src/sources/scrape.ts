import { WORKER_TRAFFIC_METRIC, WORKER_TRAFFIC_SELECTOR } from '@string-hashr/contract';
import { counterIncrease, parseExposition, selectSeries, type Reading } from '@string-hashr/metric-reading';
import { getText, type MetricSource } from './source.js';

/**
 * Reads istio_requests_total straight from a metrics endpoint (the local mesh stand-in) and
 * computes the rate itself, so the local stack runs without Prometheus. The rate is the counters'
 * increase between the oldest sample inside the rate window and the newest, over the time between
 * them; each step handles counter resets. The first read has nothing to compare with: warming up.
 */
export function scrapeSource(options: {
  url: string;
  rateWindowSeconds: number;
  timeoutMs: number;
  now?: () => number;
}): MetricSource {
  const now = options.now ?? Date.now;
  const samples: Array<{ at: number; series: Map<string, number> }> = [];
  return {
    description: `scrape ${options.url} (${WORKER_TRAFFIC_METRIC} over ${options.rateWindowSeconds}s)`,
    async read(): Promise<Reading> {
      const answer = await getText(options.url, options.timeoutMs, 'text/plain');
      if ('kind' in answer) return answer;
      if (answer.status !== 200)
        return { kind: 'error', errorKind: 'http', message: `HTTP ${answer.status} from ${options.url}` };
      const at = now();
      samples.push({
        at,
        series: selectSeries(parseExposition(answer.text), WORKER_TRAFFIC_METRIC, WORKER_TRAFFIC_SELECTOR),
      });
      // Keep the newest sample at or before the window's start, and everything after it.
      while (samples.length > 2 && (samples[1]?.at ?? at) <= at - options.rateWindowSeconds * 1000) samples.shift();
      const [oldest] = samples;
      if (!oldest || samples.length < 2) return { kind: 'warming-up' };
      let increase = 0;
      samples.reduce((before, after) => ((increase += counterIncrease(before.series, after.series)), after));
      const seconds = (at - oldest.at) / 1000;
      if (seconds <= 0) return { kind: 'warming-up' };
      return { kind: 'value', rps: increase / seconds };
    },
  };
}
