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
    name: WATCHER_METRICS.mode,
    help: 'The policy mode in force (1 for the active mode)',
    labelNames: ['mode', 'source', 'router', 'dry_run'],
    registers,
  });
  mode.set({ mode: info.mode, source: info.source, router: info.router, dry_run: String(info.dryRun) }, 1);
  const metrics = {
    observedRps: new Gauge({
      name: WATCHER_METRICS.observedRps,
      help: 'The worker request rate last read (req/s); NaN before the first good read',
      registers,
    }),
    burstWeight: new Gauge({
      name: WATCHER_METRICS.burstWeight,
      help: 'Weight of the burst subset in force (0..100)',
      registers,
    }),
    primaryWeight: new Gauge({
      name: WATCHER_METRICS.primaryWeight,
      help: 'Weight of the primary subset in force (0..100)',
      registers,
    }),
    transitions: new Counter({
      name: WATCHER_METRICS.transitions,
      help: 'Weight changes made, by direction (up = more to burst)',
      labelNames: ['direction'],
      registers,
    }),
    errors: new Counter({
      name: WATCHER_METRICS.errors,
      help: 'Failures by kind: metric reads (http, network, timeout, prometheus, not-finite, multiple-series, parse) and router calls (router_not-found, router_forbidden, router_invalid, router_timeout, router_api)',
      labelNames: ['kind'],
      registers,
    }),
    consecutiveFailures: new Gauge({
      name: WATCHER_METRICS.consecutiveFailures,
      help: 'Metric reads failed in a row',
      registers,
    }),
    isLeader: new Gauge({
      name: WATCHER_METRICS.isLeader,
      help: '1 when this replica holds the leader lease (or needs none) and may act',
      registers,
    }),
    lastSuccess: new Gauge({
      name: WATCHER_METRICS.lastSuccess,
      help: 'When a tick last completed with a good read',
      registers,
    }),
    suspended: new Gauge({
      name: WATCHER_METRICS.suspended,
      help: '1 while the VirtualService carries burst.string-hashr.dev/suspend (no change is made)',
      registers,
    }),
    pinned: new Gauge({
      name: WATCHER_METRICS.pinned,
      help: '1 for the pin in force (burst.string-hashr.dev/pin: natural or burst)',
      labelNames: ['pin'],
      registers,
    }),
    outsideEdits: new Counter({
      name: WATCHER_METRICS.outsideEdits,
      help: 'Weight changes made by someone else, seen and taken as the new state',
      registers,
    }),
    conflicts: new Counter({
      name: WATCHER_METRICS.conflicts,
      help: 'Writes refused because the VirtualService changed since it was read, or is owned by another term (the decision is made again)',
      registers,
    }),
    setWeights(weights: Weights) {
      metrics.burstWeight.set(weights.burst);
      metrics.primaryWeight.set(weights.primary);
    },
  };
  metrics.observedRps.set(NaN);
  metrics.suspended.set(0);
  for (const pin of ['natural', 'burst']) metrics.pinned.set({ pin }, 0);
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
