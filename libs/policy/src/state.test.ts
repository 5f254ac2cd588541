import { describe, expect, it } from 'vitest';
import type { HealthObservation } from './observation.js';
import { runScript, type ScriptTick } from './script.js';
import { resumeState, type Control, type PersistedState } from './state.js';
import { ALL_BURST, NATURAL } from './weights.js';

const sick: HealthObservation = { kind: 'health', requests: 100, successRate: 0.2 };
const T0 = 1_700_000_000_000;
const firstChange = (r: ReturnType<typeof runScript>) => r.decisions.findIndex((d) => d.changed);
const ticks = (n: number, tick: ScriptTick) => Array<ScriptTick>(n).fill(tick);

describe('resumeState', () => {
  it.each<[string, PersistedState, object]>([
    [
      'the watcher annotations: the dwell holds from changed-at',
      { weights: ALL_BURST, phase: 'burst', changedAt: T0 },
      { weights: ALL_BURST, phase: 'burst', lastChangeAt: T0 },
    ],
    [
      'rolled back: the cool-down counts from changed-at',
      { weights: NATURAL, phase: 'unhealthy', changedAt: T0 },
      { phase: 'unhealthy', lastChangeAt: T0 },
    ],
    [
      'no annotations (by hand, an old watcher): phase from the weights, no dwell to honour',
      { weights: { primary: 50, burst: 50 } },
      { phase: 'burst', lastChangeAt: undefined },
    ],
    ['a phase the weights contradict gives way', { weights: NATURAL, phase: 'burst' }, { phase: 'natural' }],
    ['weights edited to burst after a rollback', { weights: ALL_BURST, phase: 'unhealthy' }, { phase: 'burst' }],
    ['a changed-at that is not a time is ignored', { weights: NATURAL, changedAt: NaN }, { lastChangeAt: undefined }],
  ])('%s', (_name, persisted, expected) => {
    expect(resumeState(persisted)).toMatchObject({ failures: 0, health: { failures: 0 }, ...expected });
  });

  it('a restart during a burst with the load gone: no change before changed-at + dwell', () => {
    const start = resumeState({ weights: ALL_BURST, phase: 'burst', changedAt: T0 });
    // Restarted 10 s after the change; 5 req/s from then on; dwell down 30 s.
    const r = runScript({}, ticks(40, 5), { start, startMs: T0 + 10_000 });
    expect(firstChange(r)).toBe(20);
    expect(r.reasons[5]).toMatch(/dwell 15\.0s of 30\.0s before 100\/0/);
  });

  it('a restart after a rollback: no burst before changed-at + cool-down', () => {
    const start = resumeState({ weights: NATURAL, phase: 'unhealthy', changedAt: T0 });
    const r = runScript({}, ticks(40, 30), { start, startMs: T0 + 100_000 });
    expect(firstChange(r)).toBe(20);
    expect(r.kinds[10]).toBe('cooldown');
    expect(r.decisions[20]).toMatchObject({ phase: 'burst', weights: ALL_BURST });
  });

  it('a changed-at in the future delays by one dwell at most', () => {
    const start = resumeState({ weights: ALL_BURST, phase: 'burst', changedAt: T0 + 365 * 86_400_000 });
    const r = runScript({}, ticks(40, 5), { start, startMs: T0 });
    expect(firstChange(r)).toBe(30);
  });
});

describe('suspend', () => {
  const suspended: Control = { suspend: true };

  it('makes no change, says so and what it would do; after it, K fresh samples again', () => {
    const start = resumeState({ weights: ALL_BURST, phase: 'burst', changedAt: T0 - 60_000 });
    const r = runScript(
      { samplesDown: 3 },
      [...ticks(20, { rps: 5, control: suspended }), ...ticks(5, { rps: 5, control: { suspend: false } })],
      { start, startMs: T0 },
    );
    expect(r.kinds.slice(0, 20).every((k) => k === 'suspended')).toBe(true);
    expect(r.reasons[0]).toBe(
      'suspended by the operator, weights stay 0/100 (would: 5.00 req/s below low threshold 10: 1/3 fresh samples toward 100/0)',
    );
    expect(r.decisions[0]?.target).toEqual(NATURAL);
    expect(firstChange(r)).toBe(22);
  });

  it('holds through a failing burst side; once lifted, the health gate acts at once', () => {
    const start = resumeState({ weights: ALL_BURST, phase: 'burst', changedAt: T0 });
    const r = runScript({}, [...ticks(5, { rps: 30, health: sick, control: suspended }), { rps: 30, health: sick }], {
      start,
      startMs: T0 + 1000,
    });
    expect(r.changes).toBe(1);
    expect(r.reasons[4]).toMatch(/would: burst side failing 5\/2/);
    expect(r.decisions[5]).toMatchObject({ kind: 'rollback', weights: NATURAL });
  });

  it('wins over a pin', () => {
    const r = runScript({}, ticks(3, { rps: 5, control: { suspend: true, pin: 'burst' } }));
    expect(r.changes).toBe(0);
    expect(r.kinds).toEqual(['suspended', 'suspended', 'suspended']);
  });
});

describe('pin', () => {
  it('natural: at once during a burst at high load, held; removed: the policy resumes, dwell counted from the pin', () => {
    const start = resumeState({ weights: ALL_BURST, phase: 'burst', changedAt: T0 });
    const pinned = { rps: 30, control: { suspend: false, pin: 'natural' } as Control };
    const r = runScript({}, [...ticks(10, pinned), ...ticks(40, 30)], { start, startMs: T0 + 1000 });
    expect(r.decisions[0]).toMatchObject({ changed: true, kind: 'pin', phase: 'natural', weights: NATURAL });
    expect(r.reasons[0]).toBe('pinned natural by the operator: 0/100 -> 100/0');
    expect(r.kinds.slice(1, 10).every((k) => k === 'pin')).toBe(true);
    expect(r.changes).toBe(2);
    // The pin changed the weights at tick 0; dwell up 30 s: back to burst at tick 30.
    expect(r.decisions.findIndex((d, i) => i > 0 && d.changed)).toBe(30);
  });

  it('burst: all of it at once at low load, in both modes, and held whatever the load', () => {
    for (const mode of ['switch', 'spill'] as const) {
      const r = runScript({ mode }, ticks(5, { rps: 2, control: { suspend: false, pin: 'burst' } }));
      expect(r.weights).toEqual(['0/100', '0/100', '0/100', '0/100', '0/100']);
      expect(r.decisions[0]).toMatchObject({ kind: 'pin', phase: 'burst', target: ALL_BURST });
    }
  });

  it('holds even through a failing burst side (the operator asked for it) and says so', () => {
    const r = runScript({}, ticks(4, { rps: 30, health: sick, control: { suspend: false, pin: 'burst' } }), {
      start: ALL_BURST,
    });
    expect(r.changes).toBe(0);
    expect(r.reasons[3]).toMatch(/pinned burst by the operator: holding 0\/100; burst side failing 4\/2/);
  });
});
