/**
 * The burst policy: given what the watcher believes (the state), one observation (the rate, the
 * burst side's health, the operator's orders) and the time, it returns the next state, the weights
 * and why. Pure: no I/O, no timers, no clock of its own, so a table test covers it completely.
 *
 * The rules, in the order they win:
 * 1. `suspend`: no change at all (readings are still counted, streaks are not).
 * 2. `pin`: the pinned weights at once, held whatever the load (the health gate included).
 * 3. Health gate: `healthSamples` fresh failing samples of the burst side: back to natural at once,
 *    phase `unhealthy`, no new burst for `healthCooldownMs`.
 * 4. A failed read: weights stay (after `failsafeAfter` in a row, the failsafe: hold or natural).
 * 5. An empty answer: weights stay for `noDataHoldMs`, then it counts as no traffic.
 * 6. Thresholds (`highRps`/`lowRps`, switch or spill with its band), then time: `samples` fresh
 *    samples in a row and `minDwellMs` since the last change, separately up and down. Going up
 *    climbs by `stepPercent` every `stepMs`, each step once the health gate judged the last one.
 * 7. Ready gate (warm design not `off`, the burst side's pods read): a move toward burst waits until
 *    the ready pods cover the share it would send (warm.ts).
 */
import { ALL_BURST, NATURAL, checkWeights, weightsEqual, weightsText, type Weights } from './weights.js';
import { policySettingsProblem, type PolicySettings } from './settings.js';
import { phaseOf, type Control, type Phase, type PolicyState, type WarmState } from './state.js';
import { isFresh, type Observation, type TrafficObservation } from './observation.js';
import { cooldownLeft, judgeHealth, type HealthOutcome, type HealthVerdict } from './health.js';
import { spillBand, withinSpillBand } from './spill.js';
import { nextStepIn, stepToward } from './steps.js';
import { targetWeights } from './thresholds.js';
import { burstShareRps, readyGate, warmPodsFor, warmUp } from './warm.js';
import type { BurstReadiness } from './observation.js';

export type DecisionKind =
  /** Nothing to do, or waiting for samples, the dwell, the band or the next step. */
  | 'hold'
  /** A change the thresholds asked for (up: the first step of a climb). */
  | 'change'
  /** A further step of a climb. */
  | 'step'
  /** A move toward burst waits for the burst side's pods to be ready (the ready gate). */
  | 'warming'
  /** Back to natural: the burst side failed the health gate. */
  | 'rollback'
  /** Going up is blocked: a rollback's cool-down is running. */
  | 'cooldown'
  /** The operator's pin: the pinned weights, set or held. */
  | 'pin'
  /** The operator's suspend: no change. */
  | 'suspended'
  /** An empty answer: the weights are held until the no-data hold ends. */
  | 'no-data-hold'
  /** A failed read, before the failsafe. */
  | 'read-failure'
  /** The failsafe after `failsafeAfter` failed reads (hold, or a change to natural). */
  | 'failsafe';

/** A change the policy is waiting to make, and what it waits for. */
export interface Pending {
  direction: 'up' | 'down';
  to: Weights;
  samples: number;
  samplesNeeded: number;
  dwellLeftMs: number;
  cooldownLeftMs?: number;
  nextStepInMs?: number;
  /** The ready gate holds the move: the burst pods ready, and those its share needs. */
  warming?: { readyPods: number; neededPods: number };
}

export interface Decision {
  state: PolicyState;
  /** The weights to be in force after this tick. */
  weights: Weights;
  /** Whether `weights` differ from the state's weights before the tick. */
  changed: boolean;
  /** Where the thresholds (or the pin) lead, before samples, dwell, band and steps. */
  target: Weights;
  /** The phase to record with a change (and the phase in force when there is none). */
  phase: Phase;
  reason: string;
  kind: DecisionKind;
  pending?: Pending;
  /** The health gate's view of this tick's burst sample, when some weight is on burst. */
  health?: { verdict: HealthVerdict; why: string };
  /** Warm design `min-replicas`: the burst pods to ask for (the burst autoscaler's minReplicas, 0: its own). */
  warm?: { pods: number; why: string };
}

/** The rate reading after counting: a rate to decide on, or why there is none. */
type Traffic =
  | { kind: 'rate'; rps: number; fresh: boolean; note?: string }
  | { kind: 'failure'; error: string }
  | { kind: 'no-data-hold'; forMs: number };

const seconds = (ms: number) => (ms / 1000).toFixed(1);

/** Counts a rate reading into the state: failures, the no-data clock, the newest data counted. */
function countTraffic(
  s: PolicySettings,
  state: PolicyState,
  observation: TrafficObservation,
  now: number,
): { state: PolicyState; traffic: Traffic } {
  if (
    observation.kind === 'failure' ||
    (observation.kind === 'rate' && !(Number.isFinite(observation.rps) && observation.rps >= 0))
  ) {
    const error = observation.kind === 'failure' ? observation.error : `not a rate: ${observation.rps}`;
    return {
      state: { ...state, failures: state.failures + 1, streak: undefined },
      traffic: { kind: 'failure', error },
    };
  }
  if (observation.kind === 'no-data') {
    const since = state.noDataSince ?? now;
    const next: PolicyState = { ...state, failures: 0, noDataSince: since };
    if (now - since < s.noDataHoldMs)
      return { state: { ...next, streak: undefined }, traffic: { kind: 'no-data-hold', forMs: now - since } };
    const note = s.noDataHoldMs > 0 ? `no data for ${seconds(now - since)}s, taken as no traffic` : 'no data';
    return { state: next, traffic: { kind: 'rate', rps: 0, fresh: true, note } };
  }
  const fresh = isFresh(observation.dataAt, state.lastDataAt);
  return {
    state: {
      ...state,
      failures: 0,
      noDataSince: undefined,
      lastDataAt: fresh ? (observation.dataAt ?? state.lastDataAt) : state.lastDataAt,
    },
    traffic: { kind: 'rate', rps: observation.rps, fresh, note: fresh ? undefined : 'no new data' },
  };
}

/** Builds the policy for `settings`: `(state, observation, now) -> decision`. */
export function burstPolicy(
  settings: PolicySettings,
): (state: PolicyState, observation: Observation, now: number) => Decision {
  const problem = policySettingsProblem(settings);
  if (problem) throw new Error(`invalid policy setting ${problem.setting}: ${problem.message}`);
  const s = settings;

  return (previous, observation, now) => {
    // A changed-at in the future (a skewed clock, a hand edit) would hold the dwell forever: count from now at most.
    const clamped: PolicyState =
      previous.lastChangeAt !== undefined && previous.lastChangeAt > now
        ? { ...previous, lastChangeAt: now }
        : previous;
    // Readings are counted whatever is decided: the health counters, failures, the no-data clock, freshness.
    const health = judgeHealth(s, clamped, observation.health, now);
    const counted = countTraffic(s, { ...clamped, health: health.health }, observation.traffic, now);
    const warm =
      s.warm === 'min-replicas'
        ? warmFor(s, counted.state, counted.traffic, observation.control, observation.burst, now)
        : undefined;
    const gate: Gate | undefined =
      s.warm !== 'off' && observation.burst
        ? { readiness: observation.burst, askedPods: warm?.state.pods ?? 0 }
        : undefined;
    const decided = decide(s, counted.state, counted.traffic, health, observation.control, now, gate);
    const decision = warm
      ? { ...decided, state: { ...decided.state, warm: warm.state }, warm: { pods: warm.state.pods, why: warm.why } }
      : decided;
    const withHealth = health.verdict
      ? { ...decision, health: { verdict: health.verdict, why: health.why } }
      : decision;
    if (!observation.control?.suspend) return withHealth;
    // Suspended: nothing changes and nothing counts toward a change; after it, K fresh samples again.
    const state = { ...counted.state, warm: decision.state.warm, streak: undefined };
    return {
      ...withHealth,
      state,
      weights: state.weights,
      changed: false,
      phase: state.phase,
      kind: 'suspended',
      pending: undefined,
      reason: `suspended by the operator, weights stay ${weightsText(state.weights)} (would: ${decision.reason})`,
    };
  };
}

/** The burst pods to ask for: sized for the share the thresholds (or a pin) send to burst; held when there is no rate. */
function warmFor(
  s: PolicySettings,
  state: PolicyState,
  traffic: Traffic,
  control: Control | undefined,
  burst: BurstReadiness | undefined,
  now: number,
): { state: WarmState; why: string } {
  // After a restart or a new leader there is no warm state: start from the floor found held.
  const held = state.warm ?? (burst?.heldPods ? { pods: burst.heldPods } : undefined);
  if (traffic.kind !== 'rate')
    return { state: held ?? { pods: 0 }, why: `keeping ${held?.pods ?? 0} burst pods, no rate` };
  const toward = control?.pin
    ? control.pin === 'natural'
      ? NATURAL
      : ALL_BURST
    : targetWeights(s, state.weights, traffic.rps).weights;
  return warmUp(s, held, warmPodsFor(s, burstShareRps(toward, traffic.rps)), now);
}

/** What the ready gate needs: the burst side's pods as read, and the pods the watcher asks for. */
interface Gate {
  readiness: BurstReadiness;
  askedPods: number;
}

function decide(
  s: PolicySettings,
  state: PolicyState,
  traffic: Traffic,
  health: HealthOutcome,
  control: Control | undefined,
  now: number,
  gate: Gate | undefined,
): Decision {
  const current = state.weights;
  const hold = (
    next: PolicyState,
    kind: DecisionKind,
    reason: string,
    target: Weights = next.weights,
    pending?: Pending,
  ): Decision => ({
    state: next,
    weights: next.weights,
    changed: false,
    target,
    phase: next.phase,
    reason,
    kind,
    pending,
  });
  const change = (
    next: PolicyState,
    weights: Weights,
    kind: DecisionKind,
    phase: Phase,
    reason: string,
    target: Weights = weights,
  ): Decision => {
    checkWeights(weights);
    return {
      state: { ...next, weights, phase, lastChangeAt: now, streak: undefined },
      weights,
      changed: true,
      target,
      phase,
      reason,
      kind,
    };
  };
  const failing = health.verdict === 'failing' ? `; ${health.why}` : '';

  if (control?.pin) {
    const pinned = control.pin === 'natural' ? NATURAL : ALL_BURST;
    const next: PolicyState = { ...state, streak: undefined, climbing: false, anchorRps: undefined };
    const why = `pinned ${control.pin} by the operator`;
    if (!weightsEqual(current, pinned))
      return change(next, pinned, 'pin', phaseOf(pinned), `${why}: ${weightsText(current)} -> ${weightsText(pinned)}`);
    return hold(next, 'pin', `${why}: holding ${weightsText(pinned)}${failing}`);
  }

  if (health.rollback) {
    const next: PolicyState = {
      ...state,
      climbing: false,
      anchorRps: undefined,
      health: { ...state.health, failures: 0 },
    };
    return change(
      next,
      NATURAL,
      'rollback',
      'unhealthy',
      `${health.why}: ${weightsText(current)} -> 100/0 at once, no burst for ${seconds(s.healthCooldownMs)}s`,
    );
  }

  if (traffic.kind === 'failure') {
    const { failures } = state;
    if (failures < s.failsafeAfter)
      return hold(
        state,
        'read-failure',
        `read failed (${failures}/${s.failsafeAfter}), weights stay ${weightsText(current)}: ${traffic.error}${failing}`,
      );
    if (s.failsafe === 'natural' && !weightsEqual(current, NATURAL))
      return change(
        { ...state, climbing: false, anchorRps: undefined },
        NATURAL,
        'failsafe',
        'natural',
        `failsafe natural after ${failures} failed reads (${traffic.error})`,
      );
    return hold(
      state,
      'failsafe',
      `failsafe ${s.failsafe}: ${failures} failed reads, weights stay ${weightsText(current)} (${traffic.error})${failing}`,
    );
  }

  if (traffic.kind === 'no-data-hold') {
    return hold(
      state,
      'no-data-hold',
      `no data for ${seconds(traffic.forMs)}s (an empty answer is not zero traffic for ${seconds(s.noDataHoldMs)}s), weights stay ${weightsText(current)}${failing}`,
    );
  }

  const { rps, fresh } = traffic;
  const thresholds = targetWeights(s, current, rps);
  let target = thresholds.weights;
  let why = traffic.note ? `${thresholds.why} (${traffic.note})` : thresholds.why;
  const anchor = state.anchorRps;
  if (
    s.mode === 'spill' &&
    !state.climbing &&
    anchor !== undefined &&
    current.burst > 0 &&
    target.burst > 0 &&
    withinSpillBand(s, anchor, rps)
  ) {
    if (!weightsEqual(target, current))
      why = `${why}, within ${spillBand(s, anchor).toFixed(2)} of the ${anchor.toFixed(2)} req/s that set ${weightsText(current)}`;
    target = current;
  }
  if (weightsEqual(target, current))
    return hold(
      { ...state, streak: fresh ? undefined : state.streak, climbing: false },
      'hold',
      `${why}: stay ${weightsText(current)}${failing}`,
    );

  const direction = target.burst > current.burst ? 'up' : 'down';
  const previousCount = state.streak?.direction === direction ? state.streak.count : 0;
  const count = fresh ? previousCount + 1 : previousCount;
  const next: PolicyState = { ...state, streak: count > 0 ? { direction, count } : undefined };
  const to = direction === 'up' ? stepToward(s, current, target) : target;
  const toText = weightsText(to);
  const needed = direction === 'up' ? s.samplesUp : s.samplesDown;
  const dwell = direction === 'up' ? s.minDwellUpMs : s.minDwellDownMs;
  const dwellLeft = state.lastChangeAt === undefined ? 0 : Math.max(0, state.lastChangeAt + dwell - now);
  const cooldown = direction === 'up' ? cooldownLeft(s, state, now) : 0;
  const pending: Pending = {
    direction,
    to,
    samples: count,
    samplesNeeded: needed,
    dwellLeftMs: dwellLeft,
    ...(cooldown > 0 ? { cooldownLeftMs: cooldown } : {}),
  };
  const stale = fresh ? '' : ', no new data';
  /** The ready gate on a move up: a hold while the burst pods are not ready for the share of `to`. */
  const warming = (): Decision | undefined => {
    if (direction !== 'up' || !gate) return undefined;
    const ready = readyGate(s, gate.readiness, burstShareRps(to, rps), gate.askedPods);
    if (ready.open) return undefined;
    return hold(
      next,
      'warming',
      `${why}: warming the burst side: ${ready.readyPods} of ${ready.neededPods} pods ready for ${toText}`,
      target,
      { ...pending, warming: { readyPods: ready.readyPods, neededPods: ready.neededPods } },
    );
  };

  if (direction === 'up' && state.climbing) {
    const stepIn = nextStepIn(s, state.lastChangeAt, now);
    const climb = { ...pending, dwellLeftMs: 0, nextStepInMs: stepIn };
    if (stepIn > 0)
      return hold(next, 'hold', `${why}: next step to ${toText} in ${seconds(stepIn)}s${failing}`, target, climb);
    if (state.health.failures > 0)
      return hold(
        next,
        'hold',
        `${why}: climb stopped at ${weightsText(current)}, ${health.verdict === 'failing' ? health.why : `burst side failing ${state.health.failures}/${s.healthSamples}`}`,
        target,
        climb,
      );
    const judged = state.health.lastHealthyAt !== undefined && state.health.lastHealthyAt > (state.lastChangeAt ?? 0);
    if (!judged)
      return hold(
        next,
        'hold',
        `${why}: waiting for the health gate to judge ${weightsText(current)} before ${toText} (${health.why})`,
        target,
        climb,
      );
    const waiting = warming();
    if (waiting) return { ...waiting, pending: { ...climb, ...waiting.pending } };
    return change(
      { ...next, anchorRps: rps, climbing: !weightsEqual(to, target) },
      to,
      'step',
      phaseOf(to),
      `${why}: step ${weightsText(current)} -> ${toText}`,
      target,
    );
  }

  if (count < needed)
    return hold(
      next,
      'hold',
      `${why}: ${count}/${needed} fresh samples toward ${toText}${stale}${failing}`,
      target,
      pending,
    );
  if (cooldown > 0)
    return hold(
      next,
      'cooldown',
      `${why}: cool-down after a rollback, ${seconds(cooldown)}s left before ${toText}`,
      target,
      pending,
    );
  if (dwellLeft > 0) {
    const waited = seconds(now - (state.lastChangeAt ?? now));
    return hold(
      next,
      'hold',
      `${why}: dwell ${waited}s of ${seconds(dwell)}s before ${toText}${failing}`,
      target,
      pending,
    );
  }
  const waiting = warming();
  if (waiting) return waiting;
  return change(
    { ...next, anchorRps: rps, climbing: direction === 'up' && !weightsEqual(to, target) },
    to,
    'change',
    phaseOf(to),
    `${why}: ${weightsText(current)} -> ${toText}`,
    target,
  );
}
