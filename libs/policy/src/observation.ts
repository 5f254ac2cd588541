/**
 * What one tick brings the policy: the worker request rate, the burst side's health (read only
 * while some weight is on burst) and the operator's orders. `dataAt` is the time of the newest
 * data behind a reading (ms); a reading counts only if it is newer than the last one counted, so
 * re-reading one Prometheus scrape every second does not make K samples. Undefined: unknown,
 * counts as fresh.
 */
import type { Control } from './state.js';

export type TrafficObservation =
  | { kind: 'rate'; rps: number; dataAt?: number }
  /** An empty answer: not zero traffic until the no-data hold has passed. */
  | { kind: 'no-data' }
  | { kind: 'failure'; error: string };

/** One reading of the burst side's health. */
export interface HealthSample {
  kind: 'health';
  /** Burst requests in the window; undefined: unknown (a custom query judges that itself). */
  requests?: number;
  /** Share of non-5xx answers, 0..1. */
  successRate?: number;
  p99Ms?: number;
  dataAt?: number;
}

export type HealthObservation = HealthSample | { kind: 'no-data' } | { kind: 'failure'; error: string };

/**
 * The burst worker's pods as the burst side reports them (its Deployment's status, or
 * kube-state-metrics): undefined when the watcher has no such reading, and then the ready gate is off.
 */
export interface BurstReadiness {
  /** Pods passing readiness (`status.readyReplicas`). */
  readyPods: number;
  /** Pods the Deployment is running or starting (`spec.replicas`). */
  desiredPods: number;
  /** The burst autoscaler's `maxReplicas`, when known: no more pods come beyond it. */
  maxPods?: number;
  /**
   * The floor held on the burst autoscaler (its `minReplicas` above the natural one), when read: a
   * watcher that starts without a warm state keeps it until the give-back delay passes.
   */
  heldPods?: number;
}

export interface Observation {
  traffic: TrafficObservation;
  health?: HealthObservation;
  /** The burst side's pods; undefined: not read, no ready gate. */
  burst?: BurstReadiness;
  /** Default: not suspended, not pinned. */
  control?: Control;
}

/** Whether a reading's data is newer than the last counted (unknown times always are). */
export function isFresh(dataAt: number | undefined, lastCounted: number | undefined): boolean {
  return dataAt === undefined || lastCounted === undefined || dataAt > lastCounted;
}
