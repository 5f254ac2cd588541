/**
 * Why a request that was due was not sent: MAX_IN_FLIGHT reached, the process more than a second
 * behind, or MAX_RATE already reached within the last second.
 */
export const DROP_REASONS = ['in_flight_limit', 'behind_schedule', 'max_rate'] as const;
export type DropReason = (typeof DROP_REASONS)[number];
/** How a request that was sent ended: ok (2xx) or failed (other status, timeout, connection error). */
export const OUTCOMES = ['ok', 'failed'] as const;
export type Outcome = (typeof OUTCOMES)[number];

/**
 * What the load generator reports as it works. The traffic monitor listens and turns it into
 * stats and metrics; it never asks the generator anything back.
 */
export interface TrafficEvents {
  /** The rate in force changed (0: stopped). */
  rateChanged(rate: number): void;
  sent(): void;
  dropped(reason: DropReason, count: number): void;
  /** `latencyMs` is null when no HTTP answer came (connection error, timeout). */
  answered(outcome: Outcome, latencyMs: number | null): void;
}
