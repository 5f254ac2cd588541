// The seam to the burst side's pods (issue 26, warm design min-replicas): what the watcher asks of
// it, apart from how (kubernetes/burst-scaler.ts speaks to the burst cluster's API). No Kubernetes
// client is loaded here.
import type { BurstPods } from '@string-hashr/kube-objects';
import type { Logger } from '@string-hashr/runtime';

/** What a hold did: nothing to change, or minReplicas moved. */
export type HoldOutcome = { changed: false; minReplicas: number } | { changed: true; from: number; to: number };

/**
 * `read` each tick (the ready gate's input; undefined when the burst side cannot be read, and then
 * the gate is off), `hold` when the policy asks for a number of burst pods.
 */
export interface BurstScaler {
  readonly description: string;
  /** The burst worker's pods now, or undefined when they cannot be read (logged once per outage). */
  read(): Promise<BurstPods | undefined>;
  /**
   * Holds the autoscaler's minReplicas at max(its natural floor, `pods`) (at most maxReplicas):
   * fewer pods give back down to the floor, 0 gives it all back. Fenced by `token`: a write whose
   * `test`s no longer hold, or an object owned by a later term, is a RouterError `conflict`, and
   * the object is read again before it is thrown. Never retried here.
   */
  hold(pods: number, token: string, reason: string): Promise<HoldOutcome>;
  /** The last failure to read, until a read succeeds; for the status. */
  problem(): string | undefined;
  /** Waits for the Events in flight. */
  settled(): Promise<void>;
}

/** Reads the burst side, holds nothing: a hold is logged (WATCHER_DRY_RUN, `--once`). */
export function dryRunBurstScaler(inner: BurstScaler, log: Logger): BurstScaler {
  return {
    ...inner,
    description: `dry run of ${inner.description}`,
    read: () => inner.read(),
    problem: () => inner.problem(),
    settled: () => inner.settled(),
    async hold(pods, _token, reason) {
      log.info('dry run: would hold the burst autoscaler', { pods, reason });
      return { changed: false, minReplicas: pods };
    },
  };
}
