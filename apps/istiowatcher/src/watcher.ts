import {
  burstPolicy,
  resumeState,
  weightsEqual,
  type Decision,
  type PolicySettings,
  type PolicyState,
  type Weights,
} from '@string-hashr/policy';
import type { HealthReading, Reading } from '@string-hashr/metric-reading';
import type { OperatorControl, RouteState } from '@string-hashr/kube-objects';
import type { LogFields, Logger } from '@string-hashr/runtime';
import type { Leadership } from './leadership.js';
import type { WatcherMetrics } from './metrics.js';
import { decisionLine, healthText, observationOf, readText } from './observe.js';
import { RouterError, type RouteEvent, type Router } from './routers/router.js';
import type { MetricSource } from './sources/source.js';
import { buildStatus, type ChangeEntry, type LastTick } from './status.js';
import { openSummary, summaryLine, summarizeTick, type TickSummary } from './tick-summary.js';
import { WATCHER_STATUS_CHANGES, type WatcherStatus } from '@string-hashr/contract';

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
}

/** What one tick did, for the log, `--once` and tests. */
export interface TickReport {
  /** The reading as text: a rate, `no-data`, `warming-up` or `error(kind)`. */
  read: string;
  reading?: Reading;
  /** The burst side's health, read while some weight is on burst. */
  health?: HealthReading;
  /** The weights in force before the tick decided. */
  weights?: Weights;
  /** The operator's orders on the object this tick. */
  control?: OperatorControl;
  decision?: Decision;
  outcome:
    'standby' | 'warming-up' | 'held' | 'changed' | 'suspended' | 'router-error' | 'conflict' | 'lost-leadership';
  /** When the policy decided (ms), when it did. */
  at?: number;
}

const text = (w: Weights) => `${w.primary}/${w.burst}`;

/** What the watcher's own record on the object says, compared to decide whether someone else wrote. */
const sameRecord = (a: RouteState, b: RouteState) =>
  weightsEqual(a.weights, b.weights) && a.record.phase === b.record.phase && a.record.changedAt === b.record.changedAt;

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
  /** The policy's state, and the object as this replica last read or wrote it; both undefined: read again. */
  let state: PolicyState | undefined;
  let known: RouteState | undefined;
  /** The fencing token of the term `known` was read in. */
  let term: string | undefined;
  let lastSuccessAt: number | undefined;
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<unknown> | undefined;
  let stopped = false;
  let wake: (() => void) | undefined;
  let syncedAt = 0;
  let lastRouterError = { message: '', at: 0, repeats: 0 };
  let reportedProblems = '';
  let suspended = false;
  const recording = new Set<Promise<void>>();
  const logTicks = deps.logTicks ?? false;
  const summaryMs = deps.summaryMs ?? 30_000;
  /** The last tick's reading and decision, and the changes made (newest last), for /status. */
  let lastTick: LastTick | undefined;
  const changes: ChangeEntry[] = [];
  let summary: TickSummary | undefined;
  /** The kind of the last tick logged without a change: a quiet log says only when it changes. */
  let quietKind: string | undefined;
  /** The last router failure's message, and the last tick's problem with the object (for /status). */
  let routerProblem: string | undefined;
  let problem: string | undefined;

  function remember(change: ChangeEntry): void {
    changes.push(change);
    if (changes.length > WATCHER_STATUS_CHANGES) changes.shift();
  }

  /** A tick's line without a change: every tick with WATCHER_LOG_TICKS, else only when its kind is new and not a plain hold. */
  function tickLine(kind: string, level: 'info' | 'warn', message: string, fields: LogFields): void {
    const shown = logTicks || (kind !== quietKind && kind !== 'hold');
    quietKind = kind;
    if (shown) log[level](message, fields);
  }

  function forget(): void {
    state = undefined;
    known = undefined;
  }

  function record(event: RouteEvent): void {
    // Best effort and off the tick's path: an API server slow to take an Event must not hold a decision.
    const pending = router.record(event).finally(() => recording.delete(pending));
    recording.add(pending);
  }

  function routerFailed(err: unknown, doing: string): void {
    const kind = err instanceof RouterError ? err.kind : 'api';
    metrics.errors.inc({ kind: `router_${kind}` });
    const message = `${doing}: ${(err as Error).message}`;
    routerProblem = message;
    // The same failure every second would drown the log: repeat it at most every 30 s.
    if (message !== lastRouterError.message || now() - lastRouterError.at >= 30_000) {
      const repeats = message === lastRouterError.message ? lastRouterError.repeats : 0;
      log.error(message, { router: router.description, ...(repeats ? { repeatedSinceLastLog: repeats } : {}) });
      lastRouterError = { message, at: now(), repeats: 0 };
    } else {
      lastRouterError.repeats++;
    }
    // Read the object again before the next decision rather than trust what we thought.
    forget();
  }

  function succeeded(): void {
    lastSuccessAt = now();
    metrics.lastSuccess.set(lastSuccessAt / 1000);
  }

  /** The policy state from the object; a `changed-at` in the future (a skewed clock) counts as now. */
  function resume(object: RouteState): PolicyState {
    const { phase, changedAt } = object.record;
    return resumeState({
      weights: object.weights,
      ...(phase !== undefined ? { phase } : {}),
      ...(changedAt !== undefined ? { changedAt: Math.min(changedAt, now()) } : {}),
    });
  }

  /** Takes the object as read: the first read of a term, or what changed since the last one. */
  function adopt(object: RouteState): void {
    const problems = object.problems.join('; ');
    if (problems && problems !== reportedProblems) log.warn(`VirtualService annotations: ${problems}`);
    reportedProblems = problems;
    if (!known || !state) {
      state = resume(object);
      const { changedAt, reason } = object.record;
      if (changedAt !== undefined && reason !== undefined && !changes.some((c) => c.at === changedAt))
        remember({ at: changedAt, to: object.weights, reason, kind: 'recorded', by: 'record' });
      log.info('read the state in force', {
        weights: text(object.weights),
        phase: object.record.phase ?? 'none',
        changedAt: object.record.changedAt !== undefined ? new Date(object.record.changedAt).toISOString() : 'none',
        owner: object.owner ?? 'none',
        router: router.description,
      });
    } else if (!weightsEqual(object.weights, known.weights)) {
      const message = `weights changed outside the watcher: ${text(known.weights)} -> ${text(object.weights)}; taken as the new state`;
      log.warn('the weights were changed outside the watcher; taking them as the state', {
        weights: text(object.weights),
        expected: text(known.weights),
        owner: object.owner ?? 'none',
      });
      metrics.outsideEdits.inc();
      record({ type: 'Warning', reason: 'OutsideEdit', message });
      remember({
        at: now(),
        from: known.weights,
        to: object.weights,
        reason: 'changed outside the watcher, taken as the new state',
        kind: 'outside-edit',
        by: 'outside',
      });
      state = resume(object);
    } else if (!sameRecord(object, known)) {
      // Same weights, another record (e.g. another leader wrote): the record is the truth.
      state = resume(object);
    }
    known = object;
    metrics.setWeights(object.weights);
  }

  /** Reports the operator's orders: gauges on every tick, a log line and an Event when suspension starts or ends. */
  function reportControl(object: RouteState): void {
    const { control } = object;
    metrics.suspended.set(control.suspend ? 1 : 0);
    for (const pin of ['natural', 'burst'] as const) metrics.pinned.set({ pin }, control.pin === pin ? 1 : 0);
    if (control.suspend === suspended) return;
    suspended = control.suspend;
    const why = object.problems.length ? object.problems.join('; ') : 'burst.string-hashr.dev/suspend is set';
    if (suspended) {
      log.warn(`suspended: ${why}; no change is made until it is removed`);
      record({
        type: 'Normal',
        reason: 'Suspended',
        message: `${why}: the watcher makes no change until it is removed`,
      });
    } else {
      log.info('resumed: the watcher acts again (burst.string-hashr.dev/suspend is gone)');
      record({
        type: 'Normal',
        reason: 'Resumed',
        message: 'burst.string-hashr.dev/suspend is gone: the watcher acts again',
      });
    }
  }

  /** Reads the object as the leader of `token`'s term, and claims it for the term when another token owns it. */
  async function readAsLeader(token: string): Promise<RouteState | 'conflict' | 'lost' | 'failed'> {
    let object: RouteState;
    try {
      const fresh = !known || (!!deps.resyncMs && now() - syncedAt >= deps.resyncMs);
      object = await router.read({ fresh });
      if (fresh) syncedAt = now();
    } catch (err) {
      routerFailed(err, 'cannot read the VirtualService');
      return 'failed';
    }
    adopt(object);
    if (object.owner === token) return object;
    // Another term's token (or none) is on the object. Before taking it over, ask the Lease itself,
    // not our belief: a deposed leader must never overwrite its successor's token.
    if (!(await leadership.confirm())) {
      forget();
      return 'lost';
    }
    try {
      const claimed = await router.write(
        { owner: token, expect: { version: object.version } },
        { deadlineMs: leadership.remainingMs() },
      );
      log.info('took ownership of the VirtualService', { owner: token, previous: object.owner ?? 'none' });
      known = claimed;
      return claimed;
    } catch (err) {
      if (err instanceof RouterError && err.kind === 'conflict') {
        metrics.conflicts.inc();
        log.warn('the VirtualService changed while taking ownership; reading it again', { detail: err.message });
        forget();
        return 'conflict';
      }
      routerFailed(err, 'cannot take ownership of the VirtualService');
      return 'failed';
    }
  }

  async function runTick(): Promise<TickReport> {
    const leading = leadership.isLeader();
    metrics.isLeader.set(leading ? 1 : 0);
    const token = leading ? leadership.token() : undefined;
    // A new term (or none) starts from the object, never from what an earlier term believed.
    if (token !== term) forget();
    term = token;

    let object: RouteState | undefined;
    if (token !== undefined) {
      const read = await readAsLeader(token);
      if (read === 'failed') return { read: 'not read', outcome: 'router-error' };
      if (read === 'conflict') return { read: 'not read', outcome: 'conflict' };
      if (read === 'lost') return { read: 'not read', outcome: 'lost-leadership' };
      object = read;
      reportControl(object);
    }

    const reading = await source.read();
    // The burst side's health gate needs it only while some weight is on burst; standbys do not judge.
    const health = object && object.weights.burst > 0 && source.readHealth ? await source.readHealth() : undefined;
    if (reading.kind === 'value') metrics.observedRps.set(reading.rps);
    else if (reading.kind === 'no-data') metrics.observedRps.set(NaN);
    else if (reading.kind === 'error') metrics.errors.inc({ kind: reading.errorKind });
    if (health?.kind === 'error') metrics.errors.inc({ kind: `health_${health.errorKind}` });
    metrics.setHealth(health);
    const observation = observationOf(reading, health, object?.control);
    const read = readText(reading);
    const healthField = health ? { health: healthText(health) } : {};

    if (!object || !state || token === undefined) {
      // A standby: it reads (so its metrics and readiness mean something) but never decides.
      if (reading.kind !== 'error') succeeded();
      return { read, reading, outcome: 'standby' };
    }
    const weights = object.weights;
    const control = object.control;
    if (!observation) {
      tickLine('warming-up', 'info', 'warming up', {
        rps: read,
        weights: text(weights),
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
      weights: text(decision.weights),
      reason: decision.reason,
      kind: decision.kind,
      ...healthField,
    };
    // A change the object already shows is no change: no write, no transition, no "weights changed".
    const change = decision.changed && !weightsEqual(decision.weights, weights);
    if (change) {
      // Right before the write: still the leader, in the same term?
      if (!leadership.isLeader() || leadership.token() !== token) {
        log.warn('lost leadership before acting; the change is not made', fields);
        forget();
        return { read, reading, health, weights, control, decision, outcome: 'lost-leadership' };
      }
      try {
        known = await router.write(
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
            'the VirtualService changed before the write landed; the decision is dropped and made again on what it now says',
            {
              ...fields,
              detail: err.message,
            },
          );
          forget();
          return { read, reading, health, weights, control, decision, outcome: 'conflict' };
        }
        routerFailed(err, 'could not change the weights');
        return { read, reading, health, weights, control, decision, outcome: 'router-error' };
      }
      const up = decision.weights.burst > weights.burst;
      metrics.transitions.inc({ direction: up ? 'up' : 'down' });
      remember({
        at,
        from: weights,
        to: decision.weights,
        reason: decision.reason,
        kind: decision.kind,
        by: 'watcher',
      });
      quietKind = undefined;
      const line = decisionLine(decision);
      log[line.level](line.message, { ...fields, phase: decision.phase, owner: token });
      record({
        type: decision.kind === 'rollback' ? 'Warning' : 'Normal',
        reason:
          decision.kind === 'rollback'
            ? 'RolledBack'
            : decision.kind === 'pin'
              ? 'Pinned'
              : up
                ? 'BurstIncreased'
                : 'BurstDecreased',
        message: `weights primary/burst ${text(weights)} -> ${text(decision.weights)}: ${decision.reason}`,
      });
    } else {
      // A change the object already shows is logged as a tick, not as "weights changed".
      const line = decision.changed ? { level: 'info' as const, message: 'tick' } : decisionLine(decision);
      tickLine(decision.kind, line.level, line.message, fields);
    }
    state = decision.state;
    metrics.setWeights(state.weights);
    metrics.setPhase(decision.phase);
    if (observation.traffic.kind !== 'failure') succeeded();
    const outcome = change ? 'changed' : decision.kind === 'suspended' ? 'suspended' : 'held';
    return { read, reading, health, weights, control, decision, outcome, at };
  }

  /** One tick, remembered for /status and counted into the periodic summary. */
  async function tick(): Promise<TickReport> {
    const report = await runTick();
    const at = report.at ?? now();
    problem =
      report.outcome === 'router-error'
        ? routerProblem
        : report.outcome === 'conflict'
          ? 'the VirtualService changed while writing it; it is read again and the decision made again'
          : report.outcome === 'lost-leadership'
            ? 'lost leadership before acting; nothing was written'
            : undefined;
    if (report.reading) lastTick = { at, reading: report.reading, health: report.health, decision: report.decision };
    if (summaryMs > 0) {
      // The summary of the period that ends as this tick begins a new one.
      if (summary && at - summary.since >= summaryMs) {
        const { message, fields } = summaryLine(summary, {
          weights: state?.weights,
          phase: state?.phase,
          leader: leadership.isLeader(),
        });
        log.info(message, fields);
        summary = undefined;
      }
      summary = summarizeTick(summary ?? openSummary(at), report);
    }
    return report;
  }

  /** What GET /status says now. */
  function status(): WatcherStatus {
    const leader = leadership.isLeader();
    return buildStatus({
      now: now(),
      policy: deps.policy,
      dryRun: deps.dryRun ?? false,
      leadership: { leader, identity: deps.identity ?? 'unknown', token: leadership.token() },
      object:
        leader && known
          ? {
              weights: known.weights,
              phase: known.record.phase,
              reason: known.record.reason,
              control: known.control,
            }
          : undefined,
      state: leader ? state : undefined,
      last: lastTick,
      problem,
      changes,
    });
  }

  async function loop(): Promise<void> {
    if (stopped) return;
    const started = now();
    current = tick().catch((err) => log.error(`tick failed: ${(err as Error).stack ?? err}`));
    await current;
    current = undefined;
    if (stopped) return;
    const next = () => {
      wake = undefined;
      void loop();
    };
    timer = setTimeout(next, Math.max(0, deps.intervalMs - (now() - started)));
    wake = () => {
      clearTimeout(timer);
      next();
    };
  }

  // An edit by someone else, seen by the router's watch, is taken on at once rather than at the next interval.
  router.onOutsideChange?.(() => wake?.());

  return {
    tick,
    start(): void {
      void loop();
    },
    /** Ready when a tick succeeded within the last three intervals (at least 5 s). */
    isReady(): boolean {
      return lastSuccessAt !== undefined && now() - lastSuccessAt <= Math.max(3 * deps.intervalMs, 5000);
    },
    weights: () => state?.weights,
    status,
    async stop(): Promise<void> {
      stopped = true;
      clearTimeout(timer);
      wake = undefined;
      await current;
      await Promise.all(recording);
    },
  };
}

export type Watcher = ReturnType<typeof createWatcher>;
