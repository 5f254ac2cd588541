// The Kubernetes Events the watcher records on the object, and a recorder that keeps them off the
// tick's path: an API server slow to take an Event must not hold a decision.
import { weightsText, type Decision, type Weights } from '@string-hashr/policy';
import type { RouteEvent, Router } from './routers/router.js';

/** The Event of a change from `from` to the decision's weights. */
export function changeEvent(decision: Decision, from: Weights): RouteEvent {
  const up = decision.weights.burst > from.burst;
  const reason =
    decision.kind === 'rollback'
      ? 'RolledBack'
      : decision.kind === 'pin'
        ? 'Pinned'
        : up
          ? 'BurstIncreased'
          : 'BurstDecreased';
  return {
    type: decision.kind === 'rollback' ? 'Warning' : 'Normal',
    reason,
    message: `weights primary/burst ${weightsText(from)} -> ${weightsText(decision.weights)}: ${decision.reason}`,
  };
}

/** Records best effort and in the background; `settled` waits for what is in flight. */
export function eventRecorder(router: Router) {
  const recording = new Set<Promise<void>>();
  return {
    record(event: RouteEvent): void {
      const pending = router.record(event).finally(() => recording.delete(pending));
      recording.add(pending);
    },
    settled: () => Promise.all(recording).then(() => undefined),
  };
}

export type EventRecorder = ReturnType<typeof eventRecorder>;
