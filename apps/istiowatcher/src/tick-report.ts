// What one tick of the loop did: read by the log, the summary, `/status`, `--once` and tests.
import type { HealthReading, Reading } from '@string-hashr/metric-reading';
import type { OperatorControl } from '@string-hashr/kube-objects';
import type { Decision, Weights } from '@string-hashr/policy';

export type TickOutcome =
  'standby' | 'warming-up' | 'held' | 'changed' | 'suspended' | 'router-error' | 'conflict' | 'lost-leadership';

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
  outcome: TickOutcome;
  /** When the policy decided (ms), when it did. */
  at?: number;
}
