import { Counter, Gauge, type Registry } from 'prom-client';
import { WATCHER_METRICS } from '@string-hashr/contract';
import type { PolicySettings, Weights } from '@string-hashr/policy';

/** The watcher's own metrics on /metrics, beside the Node process metrics. */
export function watcherMetrics(
  registry: Registry,
  info: { mode: string; source: string; router: string; dryRun: boolean },
) {
  const registers = [registry];
  const mode = new Gauge({
    name: 'istiowatcher_mode',
    help: 'The policy mode in force (1 for the active mode)',
    labelNames: ['mode', 'source', 'router', 'dry_run'],
    registers,
  });
  mode.set({ mode: info.mode, source: info.source, router: info.router, dry_run: String(info.dryRun) }, 1);
  const metrics = {
    observedRps: new Gauge({
      name: 'istiowatcher_observed_rps',
      help: 'The worker request rate last read (req/s); NaN before the first good read',
      registers,
    }),
    burstWeight: new Gauge({
      name: 'istiowatcher_burst_weight',
      help: 'Weight of the burst subset in force (0..100)',
      registers,
    }),
    primaryWeight: new Gauge({
      name: 'istiowatcher_primary_weight',
      help: 'Weight of the primary subset in force (0..100)',
      registers,
    }),
    transitions: new Counter({
      name: 'istiowatcher_transitions_total',
      help: 'Weight changes made, by direction (up = more to burst)',
      labelNames: ['direction'],
      registers,
    }),
    errors: new Counter({
      name: 'istiowatcher_errors_total',
      help: 'Failures by kind: metric reads (http, network, timeout, prometheus, not-finite, multiple-series, parse) and router calls (router_*)',
      labelNames: ['kind'],
      registers,
    }),
    consecutiveFailures: new Gauge({
      name: 'istiowatcher_consecutive_failed_reads',
      help: 'Metric reads failed in a row',
      registers,
    }),
    isLeader: new Gauge({
      name: 'istiowatcher_is_leader',
      help: '1 when this replica holds the leader lease (or needs none) and may act',
      registers,
    }),
    lastSuccess: new Gauge({
      name: 'istiowatcher_last_success_timestamp_seconds',
      help: 'When a tick last completed with a good read',
      registers,
    }),
    setWeights(weights: Weights) {
      metrics.burstWeight.set(weights.burst);
      metrics.primaryWeight.set(weights.primary);
    },
  };
  metrics.observedRps.set(NaN);
  // Series at 0 from the start: increase() over a counter's first sample is 0, so a first change would not show.
  for (const direction of ['up', 'down']) metrics.transitions.inc({ direction }, 0);
  for (const kind of ['http', 'network', 'timeout', 'prometheus', 'not-finite', 'multiple-series', 'parse'])
    metrics.errors.inc({ kind }, 0);
  return metrics;
}

export type WatcherMetrics = ReturnType<typeof watcherMetrics>;

/**
 * The policy's thresholds as a gauge, so a dashboard draws them beside the observed rate:
 * `high` and `low`, and in spill mode `capacity` (what primary keeps). Fixed for the process's life.
 */
export function thresholdMetrics(
  registry: Registry,
  policy: Pick<PolicySettings, 'mode' | 'highRps' | 'lowRps' | 'primaryCapacityRps'>,
): Gauge<'threshold'> {
  const gauge = new Gauge({
    name: WATCHER_METRICS.thresholdRps,
    help: 'The policy thresholds in force (req/s): high, low, and capacity in spill mode',
    labelNames: ['threshold'],
    registers: [registry],
  });
  gauge.set({ threshold: 'high' }, policy.highRps);
  gauge.set({ threshold: 'low' }, policy.lowRps);
  if (policy.mode === 'spill') gauge.set({ threshold: 'capacity' }, policy.primaryCapacityRps);
  return gauge;
}
