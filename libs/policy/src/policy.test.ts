import { describe, expect, it } from 'vitest';
import {
  DEFAULT_POLICY,
  burstPolicy,
  initialPolicyState,
  policySettingsProblem,
  spillWeights,
  type Observation,
  type PolicySettings,
  type PolicyState,
} from './policy.js';
import { ALL_BURST, NATURAL, type Weights } from './weights.js';

/** Feeds one observation per second (rps number, or 'x' for a failed read) and returns the weights after each. */
function run(
  settings: Partial<PolicySettings>,
  series: Array<number | 'x'>,
  start: Weights = NATURAL,
  startState?: Partial<PolicyState>,
) {
  const decide = burstPolicy({ ...DEFAULT_POLICY, ...settings });
  let state: PolicyState = { ...initialPolicyState(start), ...startState };
  const weights: string[] = [];
  const reasons: string[] = [];
  let changes = 0;
  series.forEach((value, i) => {
    const observation: Observation =
      value === 'x' ? { kind: 'failure', error: 'timeout' } : { kind: 'rate', rps: value };
    const decision = decide(state, observation, i * 1000);
    expect(decision.weights.primary + decision.weights.burst).toBe(100);
    state = decision.state;
    if (decision.changed) changes++;
    weights.push(`${decision.weights.primary}/${decision.weights.burst}`);
    reasons.push(decision.reason);
  });
  return { weights, reasons, changes, state };
}

const fast = { samplesUp: 1, samplesDown: 1, minDwellUpMs: 0, minDwellDownMs: 0 };

describe('switch mode thresholds (one sample, no dwell)', () => {
  it.each([
    ['crossing up', [5, 16], NATURAL, ['100/0', '0/100']],
    ['exactly at high stays', [15], NATURAL, ['100/0']],
    ['between thresholds stays natural', [12, 14.9], NATURAL, ['100/0', '100/0']],
    ['between thresholds stays burst', [12, 10], ALL_BURST, ['0/100', '0/100']],
    ['exactly at low stays burst', [10], ALL_BURST, ['0/100']],
    ['crossing down', [30, 9.9], ALL_BURST, ['0/100', '100/0']],
    ['no traffic is 0 req/s', [0], ALL_BURST, ['100/0']],
  ])('%s', (_name, series, start, expected) => {
    expect(run(fast, series as number[], start as Weights).weights).toEqual(expected);
  });
});

describe('time hysteresis', () => {
  it('needs K consecutive samples past the threshold', () => {
    expect(run({ samplesUp: 3, minDwellUpMs: 0 }, [20, 20, 20]).weights).toEqual(['100/0', '100/0', '0/100']);
    // A sample back in the band resets the count.
    expect(run({ samplesUp: 3, minDwellUpMs: 0 }, [20, 20, 12, 20, 20, 20]).weights).toEqual([
      '100/0',
      '100/0',
      '100/0',
      '100/0',
      '100/0',
      '0/100',
    ]);
  });

  it('a failed read breaks the streak and leaves the weights alone', () => {
    expect(run({ samplesUp: 2, minDwellUpMs: 0 }, [20, 'x', 20, 20]).weights).toEqual([
      '100/0',
      '100/0',
      '100/0',
      '0/100',
    ]);
  });

  it('coming back may need a different count than going to burst', () => {
    const r = run({ samplesUp: 1, samplesDown: 4, minDwellUpMs: 0, minDwellDownMs: 0 }, [20, 5, 5, 5, 5]);
    expect(r.weights).toEqual(['0/100', '0/100', '0/100', '0/100', '100/0']);
  });

  it('waits the minimum dwell since the last change, separately per direction', () => {
    const r = run(
      { samplesUp: 1, samplesDown: 1, minDwellUpMs: 2000, minDwellDownMs: 5000 },
      [20, 5, 5, 5, 5, 5, 20, 20],
    );
    // t=0 up (no earlier change); down allowed at t>=5s; up again allowed at t>=7s (2 s after the change at 5 s).
    expect(r.weights).toEqual(['0/100', '0/100', '0/100', '0/100', '0/100', '100/0', '100/0', '0/100']);
    expect(r.reasons[1]).toMatch(/dwell 1\.0s of 5\.0s/);
  });

  it('noise around a threshold never flaps', () => {
    // Rates hovering around 15 and around 10 with the default K=3 and 30 s dwell.
    const noise = [14, 16, 15, 16, 14, 16, 17, 13, 16, 14, 11, 9, 11, 9, 10, 11, 9, 12];
    const r = run({}, noise);
    expect(r.changes).toBe(0);
    const back = run({}, noise, ALL_BURST);
    expect(back.changes).toBe(0);
  });

  it('a sustained step changes once, then holds', () => {
    const r = run({ samplesUp: 3, minDwellUpMs: 30_000 }, [5, 5, 30, 30, 30, 30, 30, 30]);
    expect(r.changes).toBe(1);
    expect(r.weights).toEqual(['100/0', '100/0', '100/0', '100/0', '0/100', '0/100', '0/100', '0/100']);
  });

  it('a state read at start during a burst stays in burst while the load is high', () => {
    expect(run({}, [30, 30, 30, 30], ALL_BURST).changes).toBe(0);
  });
});

describe('spill mode', () => {
  it.each([
    [10, NATURAL],
    [15, NATURAL],
    [16, { primary: 90, burst: 10 }],
    [20, { primary: 70, burst: 30 }],
    [30, { primary: 50, burst: 50 }],
    [45, { primary: 30, burst: 70 }],
    [150, { primary: 10, burst: 90 }],
    [1000, { primary: 0, burst: 100 }],
  ])('%s req/s with capacity 15 and 10%% steps -> %j (primary never above capacity)', (rps, expected) => {
    const weights = spillWeights({ primaryCapacityRps: 15, weightStep: 10 }, rps);
    expect(weights).toEqual(expected);
    expect((rps * weights.primary) / 100).toBeLessThanOrEqual(15 + 1e-9);
  });

  it('follows the load up and down, keeps one step between the thresholds, natural below low', () => {
    const r = run({ ...fast, mode: 'spill' }, [12, 20, 30, 45, 20, 14, 11, 9]);
    expect(r.weights).toEqual(['100/0', '70/30', '50/50', '30/70', '70/30', '90/10', '90/10', '100/0']);
  });

  it('rounds to the configured step', () => {
    expect(spillWeights({ primaryCapacityRps: 15, weightStep: 25 }, 20)).toEqual({ primary: 75, burst: 25 });
    expect(spillWeights({ primaryCapacityRps: 15, weightStep: 5 }, 20)).toEqual({ primary: 75, burst: 25 });
  });
});

describe('failsafe', () => {
  it('hold: after N failures the weights stay where they are', () => {
    const r = run({ failsafe: 'hold', failsafeAfter: 3 }, ['x', 'x', 'x', 'x', 'x'], ALL_BURST);
    expect(r.weights.every((w) => w === '0/100')).toBe(true);
    expect(r.reasons[4]).toMatch(/failsafe hold: 5 failed reads/);
  });

  it('natural: after N consecutive failures (and not before) go back to 100/0, without waiting for the dwell', () => {
    const r = run({ failsafe: 'natural', failsafeAfter: 3 }, ['x', 'x', 'x', 'x'], ALL_BURST, { lastChangeAt: 2500 });
    expect(r.weights).toEqual(['0/100', '0/100', '100/0', '100/0']);
    expect(r.changes).toBe(1);
  });

  it('a good read resets the count', () => {
    const r = run({ failsafe: 'natural', failsafeAfter: 3 }, ['x', 'x', 30, 'x', 'x'], ALL_BURST);
    expect(r.changes).toBe(0);
    expect(r.state.failures).toBe(2);
  });
});

describe('invalid settings', () => {
  it.each<[Partial<PolicySettings>, string]>([
    [{ lowRps: 15, highRps: 15 }, 'lowRps'],
    [{ lowRps: 20, highRps: 15 }, 'lowRps'],
    [{ highRps: -1 }, 'highRps'],
    [{ primaryCapacityRps: -5 }, 'primaryCapacityRps'],
    [{ samplesUp: 0 }, 'samplesUp'],
    [{ samplesDown: 1.5 }, 'samplesDown'],
    [{ weightStep: 30 }, 'weightStep'],
    [{ weightStep: 0 }, 'weightStep'],
    [{ minDwellUpMs: -1 }, 'minDwellUpMs'],
    [{ failsafeAfter: 0 }, 'failsafeAfter'],
    [{ mode: 'all' as never }, 'mode'],
    [{ failsafe: 'panic' as never }, 'failsafe'],
  ])('%j is rejected naming %s', (settings, setting) => {
    expect(policySettingsProblem({ ...DEFAULT_POLICY, ...settings })?.setting).toBe(setting);
    expect(() => burstPolicy({ ...DEFAULT_POLICY, ...settings })).toThrow(new RegExp(setting));
  });

  it('the defaults are valid', () => {
    expect(policySettingsProblem(DEFAULT_POLICY)).toBeUndefined();
  });
});
