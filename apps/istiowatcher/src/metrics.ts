import { Counter, Gauge, type Registry } from 'prom-client';
import { WATCHER_METRICS as NAMES } from '@string-hashr/contract';
import { READ_ERROR_KINDS, type HealthReading } from '@string-hashr/metric-reading';
import type { Decision, DecisionKind, Phase, PolicySettings, Weights } from '@string-hashr/policy';

const PHASES: Phase[] = ['natural', 'burst', 'unhealthy'];
const KINDS: DecisionKind[] = [
  'hold',
  'change',
  'step',
  'rollback',
  'cooldown',
  'pin',
  'suspended',
  'no-data-hold',
  'read-failure',
  'failsafe',
];

/** The watcher's own metrics on /metrics, beside the Node process metrics. */
export function watcherMetrics(
  registry: Registry,
  info: { mode: string; source: string; router: string; dryRun: boolean },
) {
  const registers = [registry];
  const mode = new Gauge({
    name: NAMES.mode,
    help: 'The policy mode in force (1 for the active mode)',
    labelNames: ['mode', 'source', 'router', 'dry_run'],
    registers,
  });
  mode.set({ mode: info.mode, source: info.source, router: info.router, dry_run: String(info.dryRun) }, 1);
  const gauge = (name: string, help: string) => new Gauge({ name, help, registers });
  const metrics = {
    observedRps: gauge(
      NAMES.observedRps,
      'The worker request rate last read (req/s); NaN before the first read and while the answers are empty',
    ),
    burstWeight: gauge(NAMES.burstWeight, 'Weight of the burst subset in force (0..100)'),
    primaryWeight: gauge(NAMES.primaryWeight, 'Weight of the primary subset in force (0..100)'),
    transitions: new Counter({
      name: NAMES.transitions,
      help: 'Weight changes made, by direction (up = more to burst)',
      labelNames: ['direction'],
      registers,
    }),
    errors: new Counter({
      name: NAMES.errors,
      help: `Failures by kind: metric reads (${READ_ERROR_KINDS.join(', ')}) and router calls (router_not-found, router_forbidden, router_invalid, router_timeout, router_api)`,
      labelNames: ['kind'],
      registers,
    }),
    consecutiveFailures: gauge(NAMES.consecutiveFailures, 'Metric reads failed in a row'),
    isLeader: gauge(NAMES.isLeader, '1 when this replica holds the leader lease (or needs none) and may act'),
    lastSuccess: gauge(NAMES.lastSuccess, 'When a tick last completed with a good read'),
    phase: new Gauge({
      name: NAMES.phase,
      help: 'The phase in force (1): natural, burst, or unhealthy (rolled back by the health gate)',
      labelNames: ['phase'],
      registers,
    }),
    decisions: new Counter({
      name: NAMES.decisions,
      help: `Decisions by kind (${KINDS.join(', ')})`,
      labelNames: ['kind'],
      registers,
    }),
    rollbacks: new Counter({
      name: NAMES.rollbacks,
      help: 'Rollbacks to natural because the burst side failed the health gate',
      registers,
    }),
    noDataSeconds: gauge(NAMES.noDataSeconds, 'How long the rate query has answered empty (0: it answers)'),
    burstSuccessRatio: gauge(
      NAMES.burstSuccessRatio,
      'Share of non-5xx answers of the burst side last read; NaN: not read',
    ),
    burstP99: gauge(NAMES.burstP99, 'p99 latency of the burst side last read (ms); NaN: not read'),
    burstRequests: gauge(NAMES.burstRequests, 'Burst requests in the window last read; NaN: not read'),
    suspended: gauge(
      NAMES.suspended,
      '1 while the worker route carries burst.string-hashr.dev/suspend (no change is made)',
    ),
    pinned: new Gauge({
      name: NAMES.pinned,
      help: '1 for the pin in force (burst.string-hashr.dev/pin: natural or burst)',
      labelNames: ['pin'],
      registers,
    }),
    outsideEdits: new Counter({
      name: NAMES.outsideEdits,
      help: 'Weight changes made by someone else, seen and taken as the new state',
      registers,
    }),
    conflicts: new Counter({
      name: NAMES.conflicts,
      help: 'Writes refused because the worker route changed since it was read, or is owned by another term (the decision is made again)',
      registers,
    }),
    setWeights(weights: Weights) {
      metrics.burstWeight.set(weights.burst);
      metrics.primaryWeight.set(weights.primary);
    },
    /** The burst side's health as read this tick (NaN when not read or unknown). */
    setHealth(health: HealthReading | undefined) {
      const sample = health?.kind === 'health' ? health : undefined;
      metrics.burstSuccessRatio.set(sample?.successRate ?? NaN);
      metrics.burstP99.set(sample?.p99Ms ?? NaN);
      metrics.burstRequests.set(sample?.requests ?? NaN);
    },
    /** What the policy decided at `now`, whether or not a change was then made. */
    recordDecision(decision: Decision, now: number) {
      metrics.decisions.inc({ kind: decision.kind });
      if (decision.kind === 'rollback') metrics.rollbacks.inc();
      const since = decision.state.noDataSince;
      metrics.noDataSeconds.set(since === undefined ? 0 : (now - since) / 1000);
      metrics.consecutiveFailures.set(decision.state.failures);
    },
    setPhase(phase: Phase) {
      for (const p of PHASES) metrics.phase.set({ phase: p }, p === phase ? 1 : 0);
    },
  };
  metrics.observedRps.set(NaN);
  metrics.setHealth(undefined);
  metrics.suspended.set(0);
  for (const pin of ['natural', 'burst']) metrics.pinned.set({ pin }, 0);
  // Series at 0 from the start: increase() over a counter's first sample is 0, so a first change would not show.
  for (const direction of ['up', 'down']) metrics.transitions.inc({ direction }, 0);
  for (const kind of READ_ERROR_KINDS) metrics.errors.inc({ kind }, 0);
  for (const kind of KINDS) metrics.decisions.inc({ kind }, 0);
  metrics.rollbacks.inc(0);
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
    name: NAMES.thresholdRps,
    help: 'The policy thresholds in force (req/s): high, low, and capacity in spill mode',
    labelNames: ['threshold'],
    registers: [registry],
  });
  gauge.set({ threshold: 'high' }, policy.highRps);
  gauge.set({ threshold: 'low' }, policy.lowRps);
  if (policy.mode === 'spill') gauge.set({ threshold: 'capacity' }, policy.primaryCapacityRps);
  return gauge;
}
