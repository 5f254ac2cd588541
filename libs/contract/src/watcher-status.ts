/**
 * The watcher's `GET /status` on its admin port: what it is doing and why, as JSON. The watcher
 * builds it (apps/istiowatcher/src/status.ts), the frontend reads it from WATCHER_STATUS_URL and
 * relays it to every page as the socket event `watcher`, the local stack prints its changes. The
 * fields are documented one by one in apps/istiowatcher/README.md.
 *
 * Whoever reads it checks it with `parseWatcherStatus`: a watcher that lies (wrong shape, huge
 * strings, extra fields) must not reach the pages; only the fields below, checked, are passed on.
 */
import { PHASE_VALUES, PIN_VALUES, type PhaseValue, type PinValue } from './watcher.js';
import { SERVICES, fqdn } from './workloads.js';

/** The path of the status on the watcher's admin port. */
export const WATCHER_STATUS_PATH = '/status';
/** The socket event that carries it to the pages. */
export const WATCHER_EVENT = 'watcher';
/** A status larger than this is not one: the reader stops reading and reports the watcher unavailable. */
export const WATCHER_STATUS_MAX_BYTES = 64 * 1024;
/** The changes the status keeps, newest first. */
export const WATCHER_STATUS_CHANGES = 20;
/** The longest reason (or error) a status carries; the watcher cuts longer ones. */
export const STATUS_TEXT_MAX_LENGTH = 512;

export interface StatusWeights {
  primary: number;
  burst: number;
}

export interface StatusPending {
  direction: 'up' | 'down';
  to: StatusWeights;
  samples: number;
  samplesNeeded: number;
  dwellLeftMs: number;
  /** Going up while a rollback's cool-down runs. */
  cooldownLeftMs: number | null;
  /** During a climb in steps: time to the next step. */
  nextStepInMs: number | null;
  /** The ready gate holds the move (BURST_WARM on): the burst pods ready, and those its share needs. */
  warming?: { readyPods: number; neededPods: number };
}

export type ChangeAuthor = 'watcher' | 'outside' | 'record';

export interface StatusChange {
  at: string;
  /** Null when unknown (the record read from the object after a restart). */
  from: StatusWeights | null;
  to: StatusWeights;
  /** Why, without the `from -> to` the fields already say. */
  reason: string;
  /** The policy's decision kind (`change`, `step`, `rollback`, `pin`, `failsafe`), `outside-edit`, or `recorded`. */
  kind: string;
  by: ChangeAuthor;
}

export type RateReadingKind = 'value' | 'no-data' | 'warming-up' | 'error' | 'none';

export interface WatcherStatus {
  /** When the status was built (RFC 3339, the watcher's clock). */
  at: string;
  mode: 'switch' | 'spill';
  dryRun: boolean;
  leadership: { role: 'leader' | 'standby'; identity: string; token: string | null };
  /** Null while unknown: a standby never reads the object, a leader before its first read. */
  phase: PhaseValue | null;
  weights: StatusWeights | null;
  /** Why the weights are what they are now: the last decision's reason. */
  reason: string | null;
  /** Why the last tick could not read or write the VirtualService; null when it could. */
  problem: string | null;
  decision: { kind: string; at: string; target: StatusWeights } | null;
  thresholds: {
    highRps: number;
    lowRps: number;
    /** Spill mode only. */
    primaryCapacityRps: number | null;
    weightStep: number | null;
  };
  rate: {
    reading: RateReadingKind;
    rps: number | null;
    at: string | null;
    dataAt: string | null;
    error: string | null;
  };
  pending: StatusPending | null;
  /** The last WATCHER_STATUS_CHANGES weight changes, newest first. */
  changes: StatusChange[];
  suspend: boolean;
  pin: PinValue | null;
  health: {
    /** `on` while some weight is on burst (the gate judges), `off` otherwise. */
    gate: 'on' | 'off';
    reading: {
      at: string;
      successRate: number | null;
      p99Ms: number | null;
      requests: number | null;
      error: string | null;
    } | null;
    verdict: 'healthy' | 'failing' | 'unjudged' | null;
    why: string | null;
    failures: number;
    failuresNeeded: number;
    cooldownLeftMs: number;
    minSuccessRate: number;
    maxLatencyMs: number | null;
  };
}

export type StatusCheck = { ok: true; status: WatcherStatus } | { ok: false; problem: string };

class Refusal extends Error {}

type Obj = Record<string, unknown>;

const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function object(v: unknown, where: string): Obj {
  if (!isObject(v)) throw new Refusal(`${where} is not an object`);
  return v;
}

function orNull<T>(v: unknown, read: (v: unknown) => T): T | null {
  return v === null || v === undefined ? null : read(v);
}

function number(v: unknown, where: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max)
    throw new Refusal(`${where} is not a number from ${min} to ${max}`);
  return v;
}

function text(v: unknown, where: string, max = STATUS_TEXT_MAX_LENGTH): string {
  if (typeof v !== 'string' || v.length > max)
    throw new Refusal(`${where} is not a string of at most ${max} characters`);
  return v;
}

function oneOf<T extends string>(v: unknown, values: readonly T[], where: string): T {
  if (typeof v !== 'string' || !(values as readonly string[]).includes(v))
    throw new Refusal(`${where} is not one of ${values.join(', ')}`);
  return v as T;
}

function boolean(v: unknown, where: string): boolean {
  if (typeof v !== 'boolean') throw new Refusal(`${where} is not true or false`);
  return v;
}

const TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

function time(v: unknown, where: string): string {
  if (typeof v !== 'string' || !TIME.test(v) || !Number.isFinite(Date.parse(v)))
    throw new Refusal(`${where} is not an RFC 3339 time`);
  return v;
}

const KIND = /^[a-z][a-z-]{0,31}$/;

function kind(v: unknown, where: string): string {
  if (typeof v !== 'string' || !KIND.test(v)) throw new Refusal(`${where} is not a kind`);
  return v;
}

function weights(v: unknown, where: string): StatusWeights {
  const w = object(v, where);
  const primary = number(w.primary, `${where}.primary`, 0, 100);
  const burst = number(w.burst, `${where}.burst`, 0, 100);
  if (!Number.isInteger(primary) || !Number.isInteger(burst) || primary + burst !== 100)
    throw new Refusal(`${where} are not whole percentages that sum to 100`);
  return { primary, burst };
}

function pending(v: unknown): StatusPending {
  const p = object(v, 'pending');
  return {
    direction: oneOf(p.direction, ['up', 'down'] as const, 'pending.direction'),
    to: weights(p.to, 'pending.to'),
    samples: number(p.samples, 'pending.samples', 0, 1_000_000),
    samplesNeeded: number(p.samplesNeeded, 'pending.samplesNeeded', 0, 1_000_000),
    dwellLeftMs: number(p.dwellLeftMs, 'pending.dwellLeftMs'),
    cooldownLeftMs: orNull(p.cooldownLeftMs, (x) => number(x, 'pending.cooldownLeftMs')),
    nextStepInMs: orNull(p.nextStepInMs, (x) => number(x, 'pending.nextStepInMs')),
    ...(p.warming === undefined || p.warming === null ? {} : { warming: warming(p.warming) }),
  };
}

function warming(v: unknown): NonNullable<StatusPending['warming']> {
  const w = object(v, 'pending.warming');
  return {
    readyPods: number(w.readyPods, 'pending.warming.readyPods', 0, 1_000_000),
    neededPods: number(w.neededPods, 'pending.warming.neededPods', 0, 1_000_000),
  };
}

function change(v: unknown, i: number): StatusChange {
  const where = `changes[${i}]`;
  const c = object(v, where);
  return {
    at: time(c.at, `${where}.at`),
    from: orNull(c.from, (x) => weights(x, `${where}.from`)),
    to: weights(c.to, `${where}.to`),
    reason: text(c.reason, `${where}.reason`),
    kind: kind(c.kind, `${where}.kind`),
    by: oneOf(c.by, ['watcher', 'outside', 'record'] as const, `${where}.by`),
  };
}

function health(v: unknown): WatcherStatus['health'] {
  const h = object(v, 'health');
  return {
    gate: oneOf(h.gate, ['on', 'off'] as const, 'health.gate'),
    reading: orNull(h.reading, (x) => {
      const r = object(x, 'health.reading');
      return {
        at: time(r.at, 'health.reading.at'),
        successRate: orNull(r.successRate, (y) => number(y, 'health.reading.successRate', 0, 1)),
        p99Ms: orNull(r.p99Ms, (y) => number(y, 'health.reading.p99Ms')),
        requests: orNull(r.requests, (y) => number(y, 'health.reading.requests')),
        error: orNull(r.error, (y) => text(y, 'health.reading.error')),
      };
    }),
    verdict: orNull(h.verdict, (x) => oneOf(x, ['healthy', 'failing', 'unjudged'] as const, 'health.verdict')),
    why: orNull(h.why, (x) => text(x, 'health.why')),
    failures: number(h.failures, 'health.failures', 0, 1_000_000),
    failuresNeeded: number(h.failuresNeeded, 'health.failuresNeeded', 0, 1_000_000),
    cooldownLeftMs: number(h.cooldownLeftMs, 'health.cooldownLeftMs'),
    minSuccessRate: number(h.minSuccessRate, 'health.minSuccessRate', 0, 1),
    maxLatencyMs: orNull(h.maxLatencyMs, (x) => number(x, 'health.maxLatencyMs')),
  };
}

/**
 * A status as read from the wire, checked field by field and rebuilt from the known fields only
 * (anything else is dropped). The first problem found is the answer's problem.
 */
export function parseWatcherStatus(value: unknown): StatusCheck {
  try {
    const s = object(value, 'the status');
    const leadership = object(s.leadership, 'leadership');
    const thresholds = object(s.thresholds, 'thresholds');
    const rate = object(s.rate, 'rate');
    const decision = orNull(s.decision, (x) => object(x, 'decision'));
    if (!Array.isArray(s.changes) || s.changes.length > WATCHER_STATUS_CHANGES)
      throw new Refusal(`changes is not a list of at most ${WATCHER_STATUS_CHANGES}`);
    const status: WatcherStatus = {
      at: time(s.at, 'at'),
      mode: oneOf(s.mode, ['switch', 'spill'] as const, 'mode'),
      dryRun: boolean(s.dryRun, 'dryRun'),
      leadership: {
        role: oneOf(leadership.role, ['leader', 'standby'] as const, 'leadership.role'),
        identity: text(leadership.identity, 'leadership.identity', 253),
        token: orNull(leadership.token, (x) => text(x, 'leadership.token', 300)),
      },
      phase: orNull(s.phase, (x) => oneOf(x, PHASE_VALUES, 'phase')),
      weights: orNull(s.weights, (x) => weights(x, 'weights')),
      reason: orNull(s.reason, (x) => text(x, 'reason')),
      problem: orNull(s.problem, (x) => text(x, 'problem')),
      decision:
        decision === null
          ? null
          : {
              kind: kind(decision.kind, 'decision.kind'),
              at: time(decision.at, 'decision.at'),
              target: weights(decision.target, 'decision.target'),
            },
      thresholds: {
        highRps: number(thresholds.highRps, 'thresholds.highRps'),
        lowRps: number(thresholds.lowRps, 'thresholds.lowRps'),
        primaryCapacityRps: orNull(thresholds.primaryCapacityRps, (x) => number(x, 'thresholds.primaryCapacityRps')),
        weightStep: orNull(thresholds.weightStep, (x) => number(x, 'thresholds.weightStep', 1, 100)),
      },
      rate: {
        reading: oneOf(rate.reading, ['value', 'no-data', 'warming-up', 'error', 'none'] as const, 'rate.reading'),
        rps: orNull(rate.rps, (x) => number(x, 'rate.rps')),
        at: orNull(rate.at, (x) => time(x, 'rate.at')),
        dataAt: orNull(rate.dataAt, (x) => time(x, 'rate.dataAt')),
        error: orNull(rate.error, (x) => text(x, 'rate.error')),
      },
      pending: orNull(s.pending, pending),
      changes: s.changes.map(change),
      suspend: boolean(s.suspend, 'suspend'),
      pin: orNull(s.pin, (x) => oneOf(x, PIN_VALUES, 'pin')),
      health: health(s.health),
    };
    return { ok: true, status: status };
  } catch (err) {
    if (err instanceof Refusal) return { ok: false, problem: err.message };
    throw err;
  }
}

/** The frontend's WATCHER_STATUS_URL in the cluster: the watcher's Service, through the mesh. */
export function watcherStatusUrl(namespace: string): string {
  return `http://${fqdn(SERVICES.istiowatcher.name, namespace)}:${SERVICES.istiowatcher.port}${WATCHER_STATUS_PATH}`;
}
