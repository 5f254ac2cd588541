import { burstPolicy, weightsEqual, weightsText, type PolicySettings } from '@string-hashr/policy';
import type { RouteState } from '@string-hashr/kube-objects';
import type { Logger } from '@string-hashr/runtime';
import type { WatcherStatus } from '@string-hashr/contract';
import type { BurstScaler } from './burst-side.js';
import { changeHistory } from './change-history.js';
import type { Leadership } from './leadership.js';
import { tickLoop } from './loop.js';
import type { WatcherMetrics } from './metrics.js';
import { burstPodsText, decisionLine, healthText, observationOf, readText } from './observe.js';
import { ordersReport } from './operator-orders.js';
import { objectOwnership } from './ownership.js';
import { changeEvent, eventRecorder } from './route-events.js';
import { RouterError, type Router } from './routers/router.js';
import type { MetricSource } from './sources/source.js';
import { buildStatus } from './status.js';
import { tickLog } from './tick-log.js';
import type { TickReport } from './tick-report.js';

export interface WatcherDeps {
  source: MetricSource;
  router: Router;
  policy: PolicySettings;
  leadership: Leadership;
  intervalMs: number;
  log: Logger;
  metrics: WatcherMetrics;
  /** Read the object from the API itself this often (ms), even with a watch running: a backstop; 0: never. */
  resyncMs?: number;
  /** Wall-clock ms: decisions, `changed-at` and the dwell across restarts. */
  now?: () => number;
  /** This replica's name (the Lease holder identity), for the status. */
  identity?: string;
  /** WATCHER_DRY_RUN, for the status (the router is already wrapped). */
  dryRun?: boolean;
  /** A log line on every tick (WATCHER_LOG_TICKS); otherwise changes, a line when the kind of tick changes, and the summary. */
  logTicks?: boolean;
  /** A one-line summary this often (ms); 0: never. */
  summaryMs?: number;
  /** The burst side's pods (BURST_KUBECONFIG), read by the leader every tick; undefined: not read. */
  burst?: BurstScaler;
}

/**
 * The control loop: read the object and the metric, let the policy decide, write. It knows neither
 * how the rate is measured nor how weights are applied. Ticks never overlap; `stop` lets the
 * current one finish.
 *
 * The object is the state. The policy state is rebuilt from it (weights, phase, `changed-at`, so
 * the dwell holds) at start, after a leader change, a router error, a conflict and an outside
 * edit. The operator's orders are read from it on every tick. Writes are fenced: leadership is
 * checked right before each one, each carries this term's token and `test`s that the object is
 * still owned by it and still at the version read; a conflict drops the decision, and the next
 * tick reads the object again and decides again.
 */
export function createWatcher(deps: WatcherDeps) {
  const { source, router, leadership, log, metrics } = deps;
  const now = deps.now ?? Date.now;
  const decide = burstPolicy(deps.policy);
  const events = eventRecorder(router);
  const history = changeHistory();
  const lines = tickLog(log, { logTicks: deps.logTicks ?? false, summaryMs: deps.summaryMs ?? 30_000, now });
  const reportOrders = ordersReport({ log, metrics, events });
  const ownership = objectOwnership({
    router,
    leadership,
    log,
    metrics,
    history,
    events,
    now,
    resyncMs: deps.resyncMs ?? 0,
    failed: routerFailed,
  });
  const { belief, forget } = ownership;
  /** The fencing token of the term the belief was read in. */
  let term: string | undefined;
  let lastSuccessAt: number | undefined;
  /** The last router failure's message, for /status. */
  let routerProblem: string | undefined;

  function routerFailed(err: unknown, doing: string): void {
    const kind = err instanceof RouterError ? err.kind : 'api';
    metrics.errors.inc({ kind: `router_${kind}` });
    routerProblem = `${doing}: ${(err as Error).message}`;
    lines.routerFailure(routerProblem, { router: router.description });
    // Read the object again before the next decision rather than trust what we thought.
    forget();
  }

  function succeeded(): void {
    lastSuccessAt = now();
    metrics.lastSuccess.set(lastSuccessAt / 1000);
  }

  /** The object as the leader reads it this tick, or why there is none; undefined for a standby. */
  async function readObject(token: string | undefined): Promise<RouteState | TickReport | undefined> {
    if (token === undefined) return undefined;
    const read = await ownership.readAsLeader(token);
    if (read === 'failed') return { read: 'not read', outcome: 'router-error' };
    if (read === 'conflict') return { read: 'not read', outcome: 'conflict' };
    if (read === 'lost') return { read: 'not read', outcome: 'lost-leadership' };
    reportOrders(read);
    return read;
  }

  async function runTick(): Promise<TickReport> {
    const leading = leadership.isLeader();
    metrics.isLeader.set(leading ? 1 : 0);
    const token = leading ? leadership.token() : undefined;
    // A new term (or none) starts from the object, never from what an earlier term believed.
    if (token !== term) forget();
    term = token;

    const object = await readObject(token);
    if (object && 'outcome' in object) return object;

    const reading = await source.read();
    // The burst side's health gate needs it only while some weight is on burst; standbys do not judge.
    const health = object && object.weights.burst > 0 && source.readHealth ? await source.readHealth() : undefined;
    if (reading.kind === 'value') metrics.observedRps.set(reading.rps);
    else if (reading.kind === 'no-data') metrics.observedRps.set(NaN);
    else if (reading.kind === 'error') metrics.errors.inc({ kind: reading.errorKind });
    if (health?.kind === 'error') metrics.errors.inc({ kind: `health_${health.errorKind}` });
    metrics.setHealth(health);
    // The burst side's pods, for the ready gate and the warm-up; standbys do not read them.
    const burst = object && deps.burst ? await deps.burst.read() : undefined;
    if (deps.burst) metrics.setBurstPods(burst);
    const observation = observationOf(reading, health, object?.control, burst);
    const read = readText(reading);

    const state = belief.state;
    if (!object || !state || token === undefined) {
      // A standby: it reads (so its metrics and readiness mean something) but never decides.
      if (reading.kind !== 'error') succeeded();
      return { read, reading, outcome: 'standby' };
    }
    const { weights, control } = object;
    if (!observation) {
      lines.tick('warming-up', 'info', 'warming up', {
        rps: read,
        weights: weightsText(weights),
        reason: 'source warming up, no decision',
      });
      succeeded();
      return { read, reading, health, weights, control, outcome: 'warming-up' };
    }

    const at = now();
    const decision = decide(state, observation, at);
    metrics.recordDecision(decision, at);
    const fields = {
      rps: read,
      weights: weightsText(decision.weights),
      reason: decision.reason,
      kind: decision.kind,
      ...(health ? { health: healthText(health) } : {}),
      ...(deps.burst ? { burst: burstPodsText(burst) } : {}),
    };
    const seen = { read, reading, health, burst, weights, control, decision };
    // A change the object already shows is no change: no write, no transition, no "weights changed".
    const change = decision.changed && !weightsEqual(decision.weights, weights);
    if (change) {
      // Right before the write: still the leader, in the same term?
      if (!leadership.isLeader() || leadership.token() !== token) {
        log.warn('lost leadership before acting; the change is not made', fields);
        forget();
        return { ...seen, outcome: 'lost-leadership' };
      }
      try {
        belief.known = await router.write(
          {
            owner: token,
            change: {
              weights: decision.weights,
              record: { phase: decision.phase, changedAt: at, reason: decision.reason },
            },
            expect: { version: object.version, owner: token },
          },
          { deadlineMs: leadership.remainingMs() },
        );
      } catch (err) {
        if (err instanceof RouterError && err.kind === 'conflict') {
          // The object is not what this decision was made on: drop it; the next tick reads and decides again.
          metrics.conflicts.inc();
          log.warn(
            'the worker route changed before the write landed; the decision is dropped and made again on what it now says',
            { ...fields, detail: err.message },
          );
          forget();
          return { ...seen, outcome: 'conflict' };
        }
        routerFailed(err, 'could not change the weights');
        return { ...seen, outcome: 'router-error' };
      }
      metrics.transitions.inc({ direction: decision.weights.burst > weights.burst ? 'up' : 'down' });
      history.remember({
        at,
        from: weights,
        to: decision.weights,
        reason: decision.reason,
        kind: decision.kind,
        by: 'watcher',
      });
      const line = decisionLine(decision);
      lines.change(line.level, line.message, { ...fields, phase: decision.phase, owner: token });
      events.record(changeEvent(decision, weights));
    } else {
      // A change the object already shows is logged as a tick, not as "weights changed".
      const line = decision.changed ? { level: 'info' as const, message: 'tick' } : decisionLine(decision);
      lines.tick(decision.kind, line.level, line.message, fields);
    }
    if (decision.warm) await holdBurstFloor(decision.warm, token);
    belief.state = decision.state;
    metrics.setWeights(decision.state.weights);
    metrics.setPhase(decision.phase);
    if (observation.traffic.kind !== 'failure') succeeded();
    const outcome = change ? 'changed' : decision.kind === 'suspended' ? 'suspended' : 'held';
    return { ...seen, outcome, at };
  }

  /**
   * Holds the burst autoscaler's floor at the pods the policy asks for (warm design `min-replicas`),
   * fenced like the route's writes. A failure costs this tick's hold only: the next tick asks again
   * on what the burst side then says; the route's weights are not held back by it.
   */
  async function holdBurstFloor(warm: { pods: number; why: string }, token: string): Promise<void> {
    if (!deps.burst) return;
    if (!leadership.isLeader() || leadership.token() !== token) return;
    try {
      const held = await deps.burst.hold(warm.pods, token, warm.why);
      if (held.changed)
        log.info('burst autoscaler floor changed', { minReplicas: `${held.from} -> ${held.to}`, reason: warm.why });
    } catch (err) {
      const kind = err instanceof RouterError ? err.kind : 'api';
      if (kind === 'conflict') metrics.conflicts.inc();
      else metrics.errors.inc({ kind: `burst_${kind}` });
      log.warn(`could not hold the burst autoscaler's floor: ${(err as Error).message}`, { pods: warm.pods });
    }
  }

  /** One tick, remembered for /status and counted into the periodic summary. */
  async function tick(): Promise<TickReport> {
    const report = await runTick();
    const at = report.at ?? now();
    history.ticked(report, at, routerProblem);
    lines.count(report, at, () => ({
      weights: belief.state?.weights,
      phase: belief.state?.phase,
      leader: leadership.isLeader(),
    }));
    return report;
  }

  /** What GET /status says now. */
  function status(): WatcherStatus {
    const leader = leadership.isLeader();
    const { known, state } = belief;
    return buildStatus({
      now: now(),
      policy: deps.policy,
      dryRun: deps.dryRun ?? false,
      leadership: { leader, identity: deps.identity ?? 'unknown', token: leadership.token() },
      object:
        leader && known
          ? { weights: known.weights, phase: known.record.phase, reason: known.record.reason, control: known.control }
          : undefined,
      state: leader ? state : undefined,
      ...history.view(),
    });
  }

  const loop = tickLoop(tick, { intervalMs: deps.intervalMs, now, log });
  // An edit by someone else, seen by the router's watch, is taken on at once rather than at the next interval.
  router.onOutsideChange?.(() => loop.wake());

  return {
    tick,
    start: loop.start,
    /** Ready when a tick succeeded within the last three intervals (at least 5 s). */
    isReady(): boolean {
      return lastSuccessAt !== undefined && now() - lastSuccessAt <= Math.max(3 * deps.intervalMs, 5000);
    },
    weights: () => belief.state?.weights,
    status,
    async stop(): Promise<void> {
      await loop.stop();
      await events.settled();
    },
  };
}

export type Watcher = ReturnType<typeof createWatcher>;
