// The operator's orders on the object (suspend, pin) as the watcher reports them: gauges on every
// tick, a log line and an Event when suspension starts or ends.
import type { RouteState } from '@string-hashr/kube-objects';
import type { Logger } from '@string-hashr/runtime';
import type { WatcherMetrics } from './metrics.js';
import type { EventRecorder } from './route-events.js';

export function ordersReport(deps: { log: Logger; metrics: WatcherMetrics; events: EventRecorder }) {
  const { log, metrics, events } = deps;
  let suspended = false;
  return (object: RouteState): void => {
    const { control } = object;
    metrics.suspended.set(control.suspend ? 1 : 0);
    for (const pin of ['natural', 'burst'] as const) metrics.pinned.set({ pin }, control.pin === pin ? 1 : 0);
    if (control.suspend === suspended) return;
    suspended = control.suspend;
    const why = object.problems.length ? object.problems.join('; ') : 'burst.string-hashr.dev/suspend is set';
    if (suspended) {
      log.warn(`suspended: ${why}; no change is made until it is removed`);
      events.record({
        type: 'Normal',
        reason: 'Suspended',
        message: `${why}: the watcher makes no change until it is removed`,
      });
    } else {
      log.info('resumed: the watcher acts again (burst.string-hashr.dev/suspend is gone)');
      events.record({
        type: 'Normal',
        reason: 'Resumed',
        message: 'burst.string-hashr.dev/suspend is gone: the watcher acts again',
      });
    }
  };
}
