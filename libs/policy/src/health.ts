/**
 * The health gate: while some weight is on burst, each fresh health sample of the burst side is
 * judged healthy, failing, or not judgeable (too few requests, nothing measured, no data, a failed
 * read: none of these is a failure). `healthSamples` failing samples in a row roll back.
 */
import { isFresh, type HealthObservation, type HealthSample } from './observation.js';
import type { PolicySettings } from './settings.js';
import type { HealthState, PolicyState } from './state.js';

export type HealthVerdict = 'healthy' | 'failing' | 'unjudged';

function describeSample(sample: HealthSample): string {
  const parts = [
    sample.successRate !== undefined ? `success ${sample.successRate.toFixed(3)}` : undefined,
    sample.p99Ms !== undefined ? `p99 ${sample.p99Ms.toFixed(0)} ms` : undefined,
    sample.requests !== undefined ? `${Math.round(sample.requests)} requests` : undefined,
  ];
  return parts.filter((p) => p !== undefined).join(', ') || 'nothing measured';
}

/** One sample's verdict, and why. */
export function sampleVerdict(
  s: Pick<PolicySettings, 'minSuccessRate' | 'minHealthRequests' | 'maxLatencyMs'>,
  sample: HealthSample,
): { verdict: HealthVerdict; why: string } {
  const measured = describeSample(sample);
  if (sample.requests !== undefined && sample.requests < s.minHealthRequests)
    return { verdict: 'unjudged', why: `too few burst requests to judge (${measured}; needs ${s.minHealthRequests})` };
  const failures: string[] = [];
  if (sample.successRate !== undefined && sample.successRate < s.minSuccessRate)
    failures.push(`success rate ${sample.successRate.toFixed(3)} < ${s.minSuccessRate}`);
  if (s.maxLatencyMs !== undefined && sample.p99Ms !== undefined && sample.p99Ms > s.maxLatencyMs)
    failures.push(`p99 ${sample.p99Ms.toFixed(0)} ms > ${s.maxLatencyMs} ms`);
  if (failures.length > 0) return { verdict: 'failing', why: `${failures.join(', ')} (${measured})` };
  const judged = sample.successRate !== undefined || (s.maxLatencyMs !== undefined && sample.p99Ms !== undefined);
  return judged
    ? { verdict: 'healthy', why: `healthy (${measured})` }
    : { verdict: 'unjudged', why: `nothing to judge (${measured})` };
}

export interface HealthOutcome {
  health: HealthState;
  /** Undefined when nothing is on burst (no gate). */
  verdict?: HealthVerdict;
  why: string;
  /** Enough failing samples in a row: back to natural now. */
  rollback: boolean;
}

/** Counts this tick's health observation into the state's health counters. */
export function judgeHealth(
  s: PolicySettings,
  state: PolicyState,
  observation: HealthObservation | undefined,
  now: number,
): HealthOutcome {
  const health = state.health;
  if (state.weights.burst === 0)
    return { health: { ...health, failures: 0 }, why: 'nothing on burst', rollback: false };
  const unjudged = (why: string): HealthOutcome => ({ health, verdict: 'unjudged', why, rollback: false });
  if (observation === undefined) return unjudged('burst health not read');
  if (observation.kind === 'failure') return unjudged(`burst health read failed: ${observation.error}`);
  if (observation.kind === 'no-data') return unjudged('no burst-side data');
  if (!isFresh(observation.dataAt, health.lastDataAt)) return unjudged('no new burst health data');
  const counted: HealthState = { ...health, lastDataAt: observation.dataAt ?? health.lastDataAt };
  const { verdict, why } = sampleVerdict(s, observation);
  if (verdict === 'unjudged') return { health: counted, verdict, why, rollback: false };
  if (verdict === 'healthy')
    return { health: { ...counted, failures: 0, lastHealthyAt: now }, verdict, why, rollback: false };
  const failures = health.failures + 1;
  return {
    health: { ...counted, failures },
    verdict,
    why: `burst side failing ${failures}/${s.healthSamples}: ${why}`,
    rollback: failures >= s.healthSamples,
  };
}

/** Whether a rollback's cool-down is running at `now`, and how much is left (ms). */
export function cooldownLeft(s: PolicySettings, state: PolicyState, now: number): number {
  if (state.phase !== 'unhealthy' || state.lastChangeAt === undefined) return 0;
  return Math.max(0, state.lastChangeAt + s.healthCooldownMs - now);
}
