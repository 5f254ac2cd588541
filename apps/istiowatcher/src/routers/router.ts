import type { RouteState, StateWrite } from '@string-hashr/kube-objects';
import type { Logger } from '@string-hashr/runtime';

/** Something worth an operator's attention, recorded on the object (a Kubernetes Event). */
export interface RouteEvent {
  type: 'Normal' | 'Warning';
  /** CamelCase, as Kubernetes Event reasons are: `BurstIncreased`, `OutsideEdit`, `Suspended`. */
  reason: string;
  message: string;
}

/**
 * A traffic router, Flagger's contract grown by what owning the object safely needs: read the
 * object (weights, the watcher's record, the owner, the operator's orders, a version), write new
 * weights with their record in one step, or fail. It knows how weights are applied, never why.
 *
 * `write` never retries: when the object is no longer at `expect.version` or no longer owned by
 * `expect.owner` it throws a RouterError of kind `conflict`, and the caller reads again and
 * decides again; re-applying a decision made on an object that has changed is how a stale
 * decision overwrites someone else's edit.
 */
export interface Router {
  readonly description: string;
  /** The object now. `fresh`: from the source itself, not from what a watch last delivered. */
  read(options?: { fresh?: boolean }): Promise<RouteState>;
  /** One write; `deadlineMs` bounds it (the request is aborted, not abandoned). Returns the object after it. */
  write(write: StateWrite, options?: { deadlineMs?: number }): Promise<RouteState>;
  /** Best effort: a failure is logged, never thrown. */
  record(event: RouteEvent): Promise<void>;
  /** Calls `listener` when the object changes by someone else's hand (a watch), where the router can tell. */
  onOutsideChange?(listener: () => void): void;
  /** Stops watches. */
  close(): Promise<void>;
}

/** What went wrong, by kind, so the loop can count it and say what is missing. */
export type RouterErrorKind = 'not-found' | 'forbidden' | 'conflict' | 'invalid' | 'timeout' | 'api';

export class RouterError extends Error {
  override name = 'RouterError';
  constructor(
    readonly kind: RouterErrorKind,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Decides and logs, changes nothing: reads go to the real router, writes and Events only to the
 * log. What it would have written is kept and shown by later reads (so each change is logged
 * once), while the operator's orders still come from the real object.
 */
export function dryRunRouter(inner: Router, log: Logger): Router {
  let simulated: Pick<RouteState, 'weights' | 'record' | 'owner'> | undefined;
  const overlay = (real: RouteState): RouteState => (simulated ? { ...real, ...simulated } : real);
  return {
    description: `dry run of ${inner.description}`,
    read: async (options) => overlay(await inner.read(options)),
    async write(write) {
      const real = overlay(await inner.read());
      if (write.change) {
        const { weights, record } = write.change;
        log.info('dry run: would set weights', {
          primary: weights.primary,
          burst: weights.burst,
          reason: record.reason,
        });
        simulated = { weights, record, owner: write.owner };
      } else {
        simulated = { weights: real.weights, record: real.record, owner: write.owner };
      }
      return { ...real, ...simulated };
    },
    async record(event) {
      log.info('dry run: would record an Event', { reason: event.reason, message: event.message });
    },
    onOutsideChange: inner.onOutsideChange ? (listener) => inner.onOutsideChange?.(listener) : undefined,
    close: () => inner.close(),
  };
}
