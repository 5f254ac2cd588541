// What the leader believes of the object, and how it comes to: the object read (from the watch, or
// afresh at the start of a term and every resync), taken as the state (an edit by someone else is
// logged, counted and recorded), and claimed for this term once the Lease confirms it.
import { resumeState, weightsEqual, weightsText, type PolicyState } from '@string-hashr/policy';
import type { RouteState } from '@string-hashr/kube-objects';
import type { Logger } from '@string-hashr/runtime';
import type { ChangeHistory } from './change-history.js';
import type { Leadership } from './leadership.js';
import type { WatcherMetrics } from './metrics.js';
import type { EventRecorder } from './route-events.js';
import { RouterError, type Router } from './routers/router.js';

export interface OwnershipDeps {
  router: Router;
  leadership: Leadership;
  log: Logger;
  metrics: WatcherMetrics;
  history: ChangeHistory;
  events: EventRecorder;
  now: () => number;
  /** Read the object from the API itself this often (ms), even with a watch running; 0: never. */
  resyncMs: number;
  /** A router call failed: count and log it (the belief is already forgotten). */
  failed: (err: unknown, doing: string) => void;
}

/** What the watcher's own record on the object says, compared to decide whether someone else wrote. */
const sameRecord = (a: RouteState, b: RouteState) =>
  weightsEqual(a.weights, b.weights) && a.record.phase === b.record.phase && a.record.changedAt === b.record.changedAt;

export function objectOwnership(deps: OwnershipDeps) {
  const { router, leadership, log, metrics, history, events, now } = deps;
  /** The policy's state, and the object as this replica last read or wrote it; both undefined: read again. */
  const belief: { state?: PolicyState; known?: RouteState } = {};
  let syncedAt = 0;
  let reportedProblems = '';

  function forget(): void {
    belief.state = undefined;
    belief.known = undefined;
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
    if (problems && problems !== reportedProblems) log.warn(`worker route annotations: ${problems}`);
    reportedProblems = problems;
    const { known, state } = belief;
    if (!known || !state) {
      belief.state = resume(object);
      history.recorded(object);
      log.info('read the state in force', {
        weights: weightsText(object.weights),
        phase: object.record.phase ?? 'none',
        changedAt: object.record.changedAt !== undefined ? new Date(object.record.changedAt).toISOString() : 'none',
        owner: object.owner ?? 'none',
        router: router.description,
      });
    } else if (!weightsEqual(object.weights, known.weights)) {
      const message = `weights changed outside the watcher: ${weightsText(known.weights)} -> ${weightsText(object.weights)}; taken as the new state`;
      log.warn('the weights were changed outside the watcher; taking them as the state', {
        weights: weightsText(object.weights),
        expected: weightsText(known.weights),
        owner: object.owner ?? 'none',
      });
      metrics.outsideEdits.inc();
      events.record({ type: 'Warning', reason: 'OutsideEdit', message });
      history.remember({
        at: now(),
        from: known.weights,
        to: object.weights,
        reason: 'changed outside the watcher, taken as the new state',
        kind: 'outside-edit',
        by: 'outside',
      });
      belief.state = resume(object);
    } else if (!sameRecord(object, known)) {
      // Same weights, another record (e.g. another leader wrote): the record is the truth.
      belief.state = resume(object);
    }
    belief.known = object;
    metrics.setWeights(object.weights);
  }

  /** Reads the object as the leader of `token`'s term, and claims it for the term when another token owns it. */
  async function readAsLeader(token: string): Promise<RouteState | 'conflict' | 'lost' | 'failed'> {
    let object: RouteState;
    try {
      const fresh = !belief.known || (!!deps.resyncMs && now() - syncedAt >= deps.resyncMs);
      object = await router.read({ fresh });
      if (fresh) syncedAt = now();
    } catch (err) {
      deps.failed(err, 'cannot read the worker route');
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
      log.info('took ownership of the worker route', { owner: token, previous: object.owner ?? 'none' });
      belief.known = claimed;
      return claimed;
    } catch (err) {
      if (err instanceof RouterError && err.kind === 'conflict') {
        metrics.conflicts.inc();
        log.warn('the worker route changed while taking ownership; reading it again', { detail: err.message });
        forget();
        return 'conflict';
      }
      deps.failed(err, 'cannot take ownership of the worker route');
      return 'failed';
    }
  }

  return { belief, forget, readAsLeader };
}
