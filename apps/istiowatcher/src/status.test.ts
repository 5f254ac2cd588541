import { describe, expect, it } from 'vitest';
import { parseWatcherStatus, type WatcherStatus } from '@string-hashr/contract';
import {
  ALL_BURST,
  DEFAULT_POLICY,
  NATURAL,
  burstPolicy,
  resumeState,
  type Decision,
  type Observation,
  type PolicySettings,
  type PolicyState,
} from '@string-hashr/policy';
import type { Reading } from '@string-hashr/metric-reading';
import { buildStatus, changeReason, type ChangeEntry, type StatusInput } from './status.js';

const T0 = Date.parse('2025-03-01T12:00:00.000Z');
const at = (s: number) => new Date(T0 + s * 1000).toISOString();
const POLICY: PolicySettings = { ...DEFAULT_POLICY, samplesUp: 3, minDwellUpMs: 30_000, healthCooldownMs: 120_000 };

/** Runs the real policy over `observations`, one a second from T0, and returns the last decision and state. */
function decide(
  policy: PolicySettings,
  start: PolicyState,
  observations: Observation[],
): { decision: Decision; state: PolicyState; at: number } {
  const policyFn = burstPolicy(policy);
  let state = start;
  let decision: Decision | undefined;
  let t = T0;
  for (const [i, observation] of observations.entries()) {
    t = T0 + i * 1000;
    decision = policyFn(state, observation, t);
    state = decision.state;
  }
  if (!decision) throw new Error('no observation');
  return { decision, state, at: t };
}

const rate = (rps: number, dataAt?: number): Observation => ({
  traffic: { kind: 'rate', rps, ...(dataAt !== undefined ? { dataAt } : {}) },
});
const value = (rps: number, dataAt?: number): Reading => ({
  kind: 'value',
  rps,
  ...(dataAt !== undefined ? { dataAt } : {}),
});
const leader = { leader: true, identity: 'istiowatcher-0', token: 'istiowatcher-0/3' };
const control = { suspend: false };

/** A leader that read the object at `state`'s weights and decided `decision` at `at`. */
function leaderInput(
  policy: PolicySettings,
  run: { decision: Decision; state: PolicyState; at: number },
  reading: Reading,
  extra: Partial<StatusInput> = {},
): StatusInput {
  return {
    now: run.at,
    policy,
    dryRun: false,
    leadership: leader,
    object: { weights: run.state.weights, phase: run.state.phase, control },
    state: run.state,
    last: { at: run.at, reading, decision: run.decision },
    changes: [],
    ...extra,
  };
}

const between = decide(POLICY, resumeState({ weights: NATURAL }), [rate(12)]);
const climbing = decide(POLICY, resumeState({ weights: NATURAL, phase: 'natural', changedAt: T0 - 18_000 }), [
  rate(30),
]);
const spill = { ...POLICY, mode: 'spill' as const, primaryCapacityRps: 15, weightStep: 10 };
const spilling = decide(spill, resumeState({ weights: { primary: 50, burst: 50 } }), [rate(30)]);
const failing = decide(POLICY, resumeState({ weights: ALL_BURST, phase: 'burst', changedAt: T0 - 60_000 }), [
  { ...rate(30), health: { kind: 'health', requests: 100, successRate: 0.5, dataAt: T0 } },
]);
const rolledBack = decide(POLICY, resumeState({ weights: ALL_BURST, phase: 'burst', changedAt: T0 - 60_000 }), [
  { ...rate(30), health: { kind: 'health', requests: 100, successRate: 0.5, dataAt: T0 } },
  { ...rate(30), health: { kind: 'health', requests: 100, successRate: 0.5, dataAt: T0 + 1000 } },
  rate(30),
]);

const cases: Array<[string, StatusInput, Partial<WatcherStatus> & Record<string, unknown>]> = [
  [
    'a leader between the thresholds: natural, nothing pending, the gate off',
    leaderInput(POLICY, between, value(12, T0 - 500)),
    {
      at: at(0),
      mode: 'switch',
      dryRun: false,
      leadership: { role: 'leader', identity: 'istiowatcher-0', token: 'istiowatcher-0/3' },
      phase: 'natural',
      weights: NATURAL,
      reason: '12.00 req/s between thresholds 10 and 15: stay 100/0',
      problem: null,
      decision: { kind: 'hold', at: at(0), target: NATURAL },
      thresholds: { highRps: 15, lowRps: 10, primaryCapacityRps: null, weightStep: null },
      rate: { reading: 'value', rps: 12, at: at(0), dataAt: new Date(T0 - 500).toISOString(), error: null },
      pending: null,
      suspend: false,
      pin: null,
    },
  ],
  [
    'a change pending: samples so far and needed, the dwell left counted down to now',
    { ...leaderInput(POLICY, climbing, value(30)), now: T0 + 1000 },
    {
      phase: 'natural',
      reason: expect.stringMatching(/^30\.00 req\/s above high threshold 15: 1\/3 fresh samples toward 0\/100$/),
      pending: {
        direction: 'up',
        to: ALL_BURST,
        samples: 1,
        samplesNeeded: 3,
        dwellLeftMs: 11_000,
        cooldownLeftMs: null,
        nextStepInMs: null,
      },
    },
  ],
  [
    'the ready gate holding a move: the burst pods ready and needed, and the reason in its words',
    leaderInput(
      { ...POLICY, samplesUp: 1, minDwellUpMs: 0, warm: 'min-replicas', burstPodCapacityRps: 10, warmHeadroom: 0 },
      decide(
        { ...POLICY, samplesUp: 1, minDwellUpMs: 0, warm: 'min-replicas', burstPodCapacityRps: 10, warmHeadroom: 0 },
        resumeState({ weights: NATURAL }),
        [{ ...rate(30), burst: { readyPods: 1, desiredPods: 1, maxPods: 10 } }],
      ),
      value(30),
    ),
    {
      phase: 'natural',
      reason: expect.stringContaining('warming the burst side: 1 of 3 pods ready'),
      pending: expect.objectContaining({ direction: 'up', warming: { readyPods: 1, neededPods: 3 } }),
    },
  ],
  [
    'spill mode: the capacity and the step beside the thresholds',
    leaderInput(spill, spilling, value(30)),
    {
      mode: 'spill',
      phase: 'burst',
      weights: { primary: 50, burst: 50 },
      thresholds: { highRps: 15, lowRps: 10, primaryCapacityRps: 15, weightStep: 10 },
    },
  ],
  [
    'the burst side failing: the last health reading, failures so far and needed',
    {
      ...leaderInput(POLICY, failing, value(30)),
      last: {
        at: failing.at,
        reading: value(30),
        health: { kind: 'health', requests: 100, successRate: 0.5, dataAt: T0 },
        decision: failing.decision,
      },
    },
    {
      phase: 'burst',
      health: {
        gate: 'on',
        reading: { at: at(0), successRate: 0.5, p99Ms: null, requests: 100, error: null },
        verdict: 'failing',
        why: expect.stringMatching(/^burst side failing 1\/2: success rate 0\.500 < 0\.95/),
        failures: 1,
        failuresNeeded: 2,
        cooldownLeftMs: 0,
        minSuccessRate: 0.95,
        maxLatencyMs: null,
      },
    },
  ],
  [
    'after a rollback: phase unhealthy, the cool-down left, going up blocked',
    { ...leaderInput(POLICY, rolledBack, value(30)), now: rolledBack.at + 4000 },
    {
      phase: 'unhealthy',
      weights: NATURAL,
      pending: expect.objectContaining({ direction: 'up', samples: 1, cooldownLeftMs: 120_000 - 1000 - 4000 }),
      health: expect.objectContaining({ gate: 'off', failures: 0, cooldownLeftMs: 120_000 - 1000 - 4000 }),
    },
  ],
  [
    'a standby: who it is and the rate it reads; no object, so no phase, weights or decision',
    {
      now: T0,
      policy: POLICY,
      dryRun: false,
      leadership: { leader: false, identity: 'istiowatcher-1' },
      last: { at: T0, reading: value(7) },
      changes: [],
    },
    {
      leadership: { role: 'standby', identity: 'istiowatcher-1', token: null },
      phase: null,
      weights: null,
      reason: null,
      decision: null,
      pending: null,
      rate: { reading: 'value', rps: 7, at: at(0), dataAt: null, error: null },
    },
  ],
  [
    'before the first tick: no reading yet',
    { now: T0, policy: POLICY, dryRun: true, leadership: { leader: true, identity: 'w' }, changes: [] },
    {
      dryRun: true,
      rate: { reading: 'none', rps: null, at: null, dataAt: null, error: null },
      phase: null,
      health: expect.objectContaining({ gate: 'off', reading: null, verdict: null }),
    },
  ],
  [
    'a failed read: its kind and message, no rate',
    leaderInput(POLICY, between, { kind: 'error', errorKind: 'timeout', message: 'no answer within 3 s' }),
    { rate: { reading: 'error', rps: null, at: at(0), dataAt: null, error: 'timeout: no answer within 3 s' } },
  ],
  [
    'the operator suspended and pinned it; the object could not be written last tick',
    {
      ...leaderInput(POLICY, between, value(12)),
      object: { weights: NATURAL, phase: 'natural', control: { suspend: true, pin: 'burst' } },
      problem: 'could not change the weights: 403 forbidden',
    },
    { suspend: true, pin: 'burst', problem: 'could not change the weights: 403 forbidden' },
  ],
  [
    'a leader that has not decided yet: the reason it wrote last, from the object',
    {
      now: T0,
      policy: POLICY,
      dryRun: false,
      leadership: leader,
      object: {
        weights: ALL_BURST,
        phase: 'burst',
        reason: '31.00 req/s above high threshold 15: 100/0 -> 0/100',
        control,
      },
      changes: [],
    },
    {
      phase: 'burst',
      weights: ALL_BURST,
      reason: '31.00 req/s above high threshold 15: 100/0 -> 0/100',
      decision: null,
    },
  ],
];

describe('buildStatus', () => {
  it.each(cases)('%s', (_name, input, expected) => {
    const status = buildStatus(input);
    expect(status).toMatchObject(expected);
    // Whatever it says, it says it in the shape readers check: it passes parseWatcherStatus, unchanged.
    const parsed = parseWatcherStatus(JSON.parse(JSON.stringify(status)));
    expect(parsed).toEqual({ ok: true, status });
  });

  it('keeps the last 20 changes, newest first, each reason without the from -> to it already says', () => {
    const changes: ChangeEntry[] = Array.from({ length: 25 }, (_, i) => ({
      at: T0 + i * 1000,
      from: i % 2 ? ALL_BURST : NATURAL,
      to: i % 2 ? NATURAL : ALL_BURST,
      reason:
        i % 2
          ? `3.00 req/s below low threshold 10: 0/100 -> 100/0`
          : `30.00 req/s above high threshold 15: 100/0 -> 0/100`,
      kind: 'change',
      by: 'watcher',
    }));
    const status = buildStatus({ ...leaderInput(POLICY, between, value(12)), changes });
    expect(status.changes).toHaveLength(20);
    expect(status.changes[0]).toEqual({
      at: at(24),
      from: NATURAL,
      to: ALL_BURST,
      reason: '30.00 req/s above high threshold 15',
      kind: 'change',
      by: 'watcher',
    });
    expect(status.changes[19]?.at).toBe(at(5));
    expect(status.changes[1]?.reason).toBe('3.00 req/s below low threshold 10');
  });

  it('cuts a reason longer than 512 characters, whole characters, and still parses', () => {
    const long = 'é'.repeat(600);
    const status = buildStatus({
      ...leaderInput(POLICY, between, value(12)),
      changes: [{ at: T0, to: ALL_BURST, reason: long, kind: 'recorded', by: 'record' }],
    });
    expect(Array.from(status.changes[0]?.reason ?? '')).toHaveLength(512);
    expect(status.changes[0]?.reason.endsWith('...')).toBe(true);
    expect(status.changes[0]?.from).toBeNull();
    expect(parseWatcherStatus(JSON.parse(JSON.stringify(status))).ok).toBe(true);
  });
});

describe('changeReason', () => {
  it.each([
    ['30.00 req/s above high threshold 15: 100/0 -> 0/100', NATURAL, ALL_BURST, '30.00 req/s above high threshold 15'],
    // A rollback's reason says more after the weights: kept whole.
    [
      'burst side failing 2/2: success rate 0.400 < 0.95: 0/100 -> 100/0 at once, no burst for 30.0s',
      ALL_BURST,
      NATURAL,
      'burst side failing 2/2: success rate 0.400 < 0.95: 0/100 -> 100/0 at once, no burst for 30.0s',
    ],
    // Other weights than the change's: not its tail, kept.
    ['x: 50/50 -> 0/100', NATURAL, ALL_BURST, 'x: 50/50 -> 0/100'],
    [
      'pinned burst by the operator: 100/0 -> 0/100',
      undefined,
      ALL_BURST,
      'pinned burst by the operator: 100/0 -> 0/100',
    ],
  ] as const)('%s', (reason, from, to, expected) => {
    expect(changeReason(reason, from, to)).toBe(expected);
  });
});
