import type { Weights } from '@string-hashr/policy';
import type { Logger } from '@string-hashr/runtime';

/**
 * A traffic router, Flagger's contract: read the weights in force, set new ones. It knows how
 * weights are applied, never why; the reason is only passed on for the record (an Event, a log).
 */
export interface Router {
  readonly description: string;
  getRoutes(): Promise<Weights>;
  setRoutes(weights: Weights, reason: string): Promise<void>;
}

/** What went wrong, by kind, so the loop can count it and say what is missing. */
export type RouterErrorKind = 'not-found' | 'forbidden' | 'conflict' | 'invalid' | 'api';

export class RouterError extends Error {
  override name = 'RouterError';
  constructor(
    readonly kind: RouterErrorKind,
    message: string,
  ) {
    super(message);
  }
}

/** Decides and logs, changes nothing: reads go to the real router, writes only to the log. */
export function dryRunRouter(inner: Router, log: Logger): Router {
  return {
    description: `dry run of ${inner.description}`,
    getRoutes: () => inner.getRoutes(),
    async setRoutes(weights, reason) {
      log.info('dry run: would set weights', { primary: weights.primary, burst: weights.burst, reason });
    },
  };
}
