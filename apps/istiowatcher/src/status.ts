// What `GET /status` says: the watcher's state and last decision as one plain object. Pure,
// table-tested; the loop (watcher.ts, change-history.ts) keeps the inputs and admin.ts serves the result.
import {
  STATUS_TEXT_MAX_LENGTH,
  WATCHER_STATUS_CHANGES,
  type RateReadingKind,
  type StatusChange,
  type StatusPending,
  type WatcherStatus,
} from '@string-hashr/contract';
import type { HealthReading, Reading } from '@string-hashr/metric-reading';
import type { OperatorControl } from '@string-hashr/kube-objects';
import {
  cooldownLeft,
  weightsText,
  type Decision,
  type Phase,
  type PolicySettings,
  type PolicyState,
  type Weights,
} from '@string-hashr/policy';

/** One weight change as the watcher remembers it (newest last). */
export interface ChangeEntry {
  at: number;
  /** Undefined for the record read from the object (what it changed from is not written there). */
  from?: Weights;
  to: Weights;
  reason: string;
  /** The decision's kind, `outside-edit`, or `recorded`. */
  kind: string;
  by: StatusChange['by'];
}

/** What the last tick saw and decided, kept by the loop for the status. */
export interface LastTick {
  at: number;
  reading: Reading;
  health?: HealthReading;
  decision?: Decision;
}

export interface StatusInput {
  now: number;
  policy: PolicySettings;
  dryRun: boolean;
  leadership: { leader: boolean; identity: string; token?: string };
  /** The object as this replica last read or wrote it (a leader only). */
  object?: { weights: Weights; phase?: Phase; reason?: string; control: OperatorControl };
  /** The policy's state after the last decision (a leader only). */
  state?: PolicyState;
  last?: LastTick;
  /** Why the last tick could not read or write the object. */
  problem?: string;
  /** Newest last; only the last WATCHER_STATUS_CHANGES are shown. */
  changes: readonly ChangeEntry[];
}

const iso = (ms: number) => new Date(ms).toISOString();

/** At most STATUS_TEXT_MAX_LENGTH characters, whole code points, `...` where cut. */
export function statusText(value: string): string {
  const chars = Array.from(value);
  return chars.length <= STATUS_TEXT_MAX_LENGTH ? value : chars.slice(0, STATUS_TEXT_MAX_LENGTH - 3).join('') + '...';
}

/**
 * A change's reason without the `: 100/0 -> 0/100` the policy ends it with: the change already
 * says from and to, and a line that says them twice is harder to read.
 */
export function changeReason(reason: string, from: Weights | undefined, to: Weights): string {
  const tail = from ? `: ${weightsText(from)} -> ${weightsText(to)}` : undefined;
  return statusText(tail && reason.endsWith(tail) ? reason.slice(0, -tail.length) : reason);
}

/** Time left of something that had `leftMs` at `at`, at `now`. */
const leftAt = (leftMs: number, at: number, now: number) => Math.max(0, leftMs - Math.max(0, now - at));

function rate(last: LastTick | undefined): WatcherStatus['rate'] {
  if (!last) return { reading: 'none', rps: null, at: null, dataAt: null, error: null };
  const { reading } = last;
  const kind: RateReadingKind = reading.kind;
  return {
    reading: kind,
    rps: reading.kind === 'value' ? reading.rps : null,
    at: iso(last.at),
    dataAt: reading.kind === 'value' && reading.dataAt !== undefined ? iso(reading.dataAt) : null,
    error: reading.kind === 'error' ? statusText(`${reading.errorKind}: ${reading.message}`) : null,
  };
}

function pending(decision: Decision | undefined, at: number, now: number): StatusPending | null {
  const p = decision?.pending;
  if (!p) return null;
  return {
    direction: p.direction,
    to: p.to,
    samples: p.samples,
    samplesNeeded: p.samplesNeeded,
    dwellLeftMs: leftAt(p.dwellLeftMs, at, now),
    cooldownLeftMs: p.cooldownLeftMs === undefined ? null : leftAt(p.cooldownLeftMs, at, now),
    nextStepInMs: p.nextStepInMs === undefined ? null : leftAt(p.nextStepInMs, at, now),
    ...(p.warming ? { warming: { readyPods: p.warming.readyPods, neededPods: p.warming.neededPods } } : {}),
  };
}

function health(input: StatusInput): WatcherStatus['health'] {
  const { policy, state, last, object, now } = input;
  const reading = last?.health;
  const decided = last?.decision?.health;
  const weights = state?.weights ?? object?.weights;
  return {
    gate: weights !== undefined && weights.burst > 0 ? 'on' : 'off',
    reading:
      reading && last
        ? {
            at: iso(last.at),
            successRate: reading.kind === 'health' ? (reading.successRate ?? null) : null,
            p99Ms: reading.kind === 'health' ? (reading.p99Ms ?? null) : null,
            requests: reading.kind === 'health' ? (reading.requests ?? null) : null,
            error:
              reading.kind === 'error'
                ? statusText(`${reading.errorKind}: ${reading.message}`)
                : reading.kind === 'no-data'
                  ? 'no data'
                  : null,
          }
        : null,
    verdict: decided?.verdict ?? null,
    why: decided ? statusText(decided.why) : null,
    failures: state?.health.failures ?? 0,
    failuresNeeded: policy.healthSamples,
    cooldownLeftMs: state ? cooldownLeft(policy, state, now) : 0,
    minSuccessRate: policy.minSuccessRate,
    maxLatencyMs: policy.maxLatencyMs ?? null,
  };
}

/**
 * The status at `now`. A leader shows the object and its last decision; a standby only what it
 * reads (the rate) and who it is: it never reads the object, so phase and weights are null.
 * Times left (dwell, cool-down, next step) count down from the last tick to `now`.
 */
export function buildStatus(input: StatusInput): WatcherStatus {
  const { policy, leadership, object, state, last, now } = input;
  const decision = leadership.leader ? last?.decision : undefined;
  const spill = policy.mode === 'spill';
  return {
    at: iso(now),
    mode: policy.mode,
    dryRun: input.dryRun,
    leadership: {
      role: leadership.leader ? 'leader' : 'standby',
      identity: leadership.identity,
      token: leadership.token ?? null,
    },
    phase: state?.phase ?? object?.phase ?? null,
    weights: state?.weights ?? object?.weights ?? null,
    reason: decision ? statusText(decision.reason) : object?.reason !== undefined ? statusText(object.reason) : null,
    problem: input.problem !== undefined ? statusText(input.problem) : null,
    decision: decision && last ? { kind: decision.kind, at: iso(last.at), target: decision.target } : null,
    thresholds: {
      highRps: policy.highRps,
      lowRps: policy.lowRps,
      primaryCapacityRps: spill ? policy.primaryCapacityRps : null,
      weightStep: spill ? policy.weightStep : null,
    },
    rate: rate(last),
    pending: leadership.leader && last ? pending(decision, last.at, now) : null,
    changes: input.changes
      .slice(-WATCHER_STATUS_CHANGES)
      .reverse()
      .map((c) => ({
        at: iso(c.at),
        from: c.from ?? null,
        to: c.to,
        reason: changeReason(c.reason, c.from, c.to),
        kind: c.kind,
        by: c.by,
      })),
    suspend: object?.control.suspend ?? false,
    pin: object?.control.pin ?? null,
    health: health(input),
  };
}
