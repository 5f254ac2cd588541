// What `GET /status` tells of the past: the changes made (the last WATCHER_STATUS_CHANGES, newest
// last), the last tick's reading and decision, and why the last tick could not read or write.
import { WATCHER_STATUS_CHANGES } from '@string-hashr/contract';
import type { RouteState } from '@string-hashr/kube-objects';
import type { ChangeEntry, LastTick } from './status.js';
import type { TickReport } from './tick-report.js';

/** Why a tick that did not get to decide did not; undefined for one that did. */
function problemOf(report: TickReport, routerProblem: string | undefined): string | undefined {
  switch (report.outcome) {
    case 'router-error':
      return routerProblem;
    case 'conflict':
      return 'the worker route changed while writing it; it is read again and the decision made again';
    case 'lost-leadership':
      return 'lost leadership before acting; nothing was written';
    default:
      return undefined;
  }
}

export function changeHistory() {
  const changes: ChangeEntry[] = [];
  let last: LastTick | undefined;
  let problem: string | undefined;

  function remember(change: ChangeEntry): void {
    changes.push(change);
    if (changes.length > WATCHER_STATUS_CHANGES) changes.shift();
  }

  return {
    remember,
    /** The watcher's record as read at the start of a term: the change it tells of, once. */
    recorded(object: RouteState): void {
      const { changedAt, reason } = object.record;
      if (changedAt !== undefined && reason !== undefined && !changes.some((c) => c.at === changedAt))
        remember({ at: changedAt, to: object.weights, reason, kind: 'recorded', by: 'record' });
    },
    /** A tick done at `at`; `routerProblem` is the last router failure's message. */
    ticked(report: TickReport, at: number, routerProblem: string | undefined): void {
      problem = problemOf(report, routerProblem);
      if (report.reading) last = { at, reading: report.reading, health: report.health, decision: report.decision };
    },
    /** The status's inputs from the past. */
    view: () => ({ last, problem, changes }),
  };
}

export type ChangeHistory = ReturnType<typeof changeHistory>;
