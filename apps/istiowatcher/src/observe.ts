// What one tick read, as the policy sees it and as the log line says it. Pure, table-tested.
import type { BurstPods } from '@string-hashr/kube-objects';
import type { HealthReading, Reading } from '@string-hashr/metric-reading';
import type { Control, Decision, HealthObservation, Observation } from '@string-hashr/policy';

function healthObservationOf(health: HealthReading): HealthObservation {
  if (health.kind === 'error') return { kind: 'failure', error: `${health.errorKind}: ${health.message}` };
  return health;
}

/**
 * The readings of one tick as the policy's observation: a rate (with its data time), no data (not
 * zero traffic), or a failure; the burst side's health and pods when they were read; the operator's orders.
 * A source still warming up gives no observation: no decision on this tick.
 */
export function observationOf(
  reading: Reading,
  health?: HealthReading,
  control?: Control,
  burst?: BurstPods,
): Observation | undefined {
  const extra = {
    ...(health ? { health: healthObservationOf(health) } : {}),
    ...(burst ? { burst } : {}),
    ...(control ? { control } : {}),
  };
  switch (reading.kind) {
    case 'value':
      return { traffic: { kind: 'rate', rps: reading.rps, dataAt: reading.dataAt }, ...extra };
    case 'no-data':
      return { traffic: { kind: 'no-data' }, ...extra };
    case 'warming-up':
      return undefined;
    case 'error':
      return { traffic: { kind: 'failure', error: `${reading.errorKind}: ${reading.message}` }, ...extra };
  }
}

/** The reading as the log writes it: a rate, `no-data`, `warming-up` or `error(kind)`. */
export function readText(reading: Reading): string {
  if (reading.kind === 'value') return reading.rps.toFixed(3);
  return reading.kind === 'error' ? `error(${reading.errorKind})` : reading.kind;
}

/** The burst side's health as the log writes it. */
export function healthText(health: HealthReading): string {
  if (health.kind === 'error') return `error(${health.errorKind})`;
  if (health.kind === 'no-data') return 'no-data';
  const parts = [
    health.successRate !== undefined ? `success=${health.successRate.toFixed(3)}` : undefined,
    health.p99Ms !== undefined ? `p99=${health.p99Ms.toFixed(0)}ms` : undefined,
    health.requests !== undefined ? `requests=${Math.round(health.requests)}` : undefined,
  ];
  return parts.filter((p) => p !== undefined).join(',') || 'unknown';
}

/** The burst side's pods as the log writes them: `3/4 ready, max 10`, or `unknown` when they could not be read. */
export function burstPodsText(pods: BurstPods | undefined): string {
  if (!pods) return 'unknown';
  return `${pods.readyPods}/${pods.desiredPods} ready${pods.maxPods !== undefined ? `, max ${pods.maxPods}` : ''}`;
}

/** The log line of a decision: the kinds an operator looks for at 3 a.m. have their own words. */
export function decisionLine(decision: Decision): { level: 'info' | 'warn'; message: string } {
  switch (decision.kind) {
    case 'rollback':
      return { level: 'warn', message: 'rolled back: the burst side failed the health gate' };
    case 'no-data-hold':
      return { level: 'warn', message: 'no data: the weights are held' };
    case 'suspended':
      return { level: 'info', message: 'suspended' };
    case 'failsafe':
      return { level: 'warn', message: decision.changed ? 'failsafe: weights changed' : 'failsafe: weights held' };
    default:
      return { level: 'info', message: decision.changed ? 'weights changed' : 'tick' };
  }
}
