import { describe, expect, it } from 'vitest';
import { burstPolicy } from './policy.js';
import { runScript, type ScriptTick } from './script.js';
import { DEFAULT_POLICY, policySettingsProblem, type PolicySettings } from './settings.js';
import { resumeState } from './state.js';
import { ALL_BURST, NATURAL, type Weights } from './weights.js';

const fast = { samplesUp: 1, samplesDown: 1, minDwellUpMs: 0, minDwellDownMs: 0 };

describe('switch mode thresholds (one sample, no dwell)', () => {
  it.each([
    ['crossing up', [5, 16], NATURAL, ['100/0', '0/100']],
    ['exactly at high stays', [15], NATURAL, ['100/0']],
    ['between thresholds stays natural', [12, 14.9], NATURAL, ['100/0', '100/0']],
    ['between thresholds stays burst', [12, 10], ALL_BURST, ['0/100', '0/100']],
    ['exactly at low stays burst', [10], ALL_BURST, ['0/100']],
    ['crossing down', [30, 9.9], ALL_BURST, ['0/100', '100/0']],
    ['0 req/s is no traffic', [0], ALL_BURST, ['100/0']],
  ])('%s', (_name, series, start, expected) => {
    expect(runScript(fast, series as number[], { start: start as Weights }).weights).toEqual(expected);
  });

  it('every change says so: kind, phase, target and a reason that names the rate and the threshold', () => {
    const [up, down] = runScript(fast, [20, 5]).decisions;
    expect(up).toMatchObject({ changed: true, kind: 'change', phase: 'burst', target: ALL_BURST });
    expect(up?.reason).toBe('20.00 req/s above high threshold 15: 100/0 -> 0/100');
    expect(down).toMatchObject({ changed: true, kind: 'change', phase: 'natural', target: NATURAL });
    expect(down?.state).toMatchObject({ weights: NATURAL, phase: 'natural', lastChangeAt: 1000 });
  });
});

describe('time hysteresis', () => {
  it('needs K consecutive samples past the threshold; a sample back in the band resets the count', () => {
    expect(runScript({ samplesUp: 3, minDwellUpMs: 0 }, [20, 20, 20]).weights).toEqual(['100/0', '100/0', '0/100']);
    expect(runScript({ samplesUp: 3, minDwellUpMs: 0 }, [20, 20, 12, 20, 20, 20]).weights).toEqual([
      '100/0',
      '100/0',
      '100/0',
      '100/0',
      '100/0',
      '0/100',
    ]);
  });

  it('reports what it waits for', () => {
    const d = runScript({ samplesUp: 3, minDwellUpMs: 0 }, [20, 20]).decisions[1];
    expect(d?.pending).toEqual({ direction: 'up', to: ALL_BURST, samples: 2, samplesNeeded: 3, dwellLeftMs: 0 });
    expect(d?.reason).toMatch(/2\/3 fresh samples toward 0\/100/);
  });

  it('a failed read breaks the streak and leaves the weights alone', () => {
    const r = runScript({ samplesUp: 2, minDwellUpMs: 0 }, [20, 'fail', 20, 20]);
    expect(r.weights).toEqual(['100/0', '100/0', '100/0', '0/100']);
    expect(r.kinds[1]).toBe('read-failure');
  });

  it('coming back may need a different count than going to burst', () => {
    const r = runScript({ samplesUp: 1, samplesDown: 4, minDwellUpMs: 0, minDwellDownMs: 0 }, [20, 5, 5, 5, 5]);
    expect(r.weights).toEqual(['0/100', '0/100', '0/100', '0/100', '100/0']);
  });

  it('waits the minimum dwell since the last change, separately per direction', () => {
    const r = runScript(
      { samplesUp: 1, samplesDown: 1, minDwellUpMs: 2000, minDwellDownMs: 5000 },
      [20, 5, 5, 5, 5, 5, 20, 20],
    );
    // t=0 up (no earlier change); down allowed at t>=5s; up again allowed at t>=7s (2 s after the change at 5 s).
    expect(r.weights).toEqual(['0/100', '0/100', '0/100', '0/100', '0/100', '100/0', '100/0', '0/100']);
    expect(r.reasons[1]).toMatch(/dwell 1\.0s of 5\.0s/);
    expect(r.decisions[1]?.pending).toMatchObject({ direction: 'down', dwellLeftMs: 4000 });
  });

  it('noise around a threshold never flaps', () => {
    // Rates hovering around 15 and around 10 with the default K=3 and 30 s dwell.
    const noise = [14, 16, 15, 16, 14, 16, 17, 13, 16, 14, 11, 9, 11, 9, 10, 11, 9, 12];
    expect(runScript({}, noise).changes).toBe(0);
    expect(runScript({}, noise, { start: ALL_BURST }).changes).toBe(0);
  });

  it('a sustained step changes once, then holds', () => {
    const r = runScript({ samplesUp: 3, minDwellUpMs: 30_000 }, [5, 5, 30, 30, 30, 30, 30, 30]);
    expect(r.changes).toBe(1);
    expect(r.weights).toEqual(['100/0', '100/0', '100/0', '100/0', '0/100', '0/100', '0/100', '0/100']);
  });
});

describe('fresh samples only', () => {
  // A 15 s scrape read every second: the data time moves once per scrape.
  const scrapes = (rps: (t: number) => number, seconds: number, scrapeEvery = 15): ScriptTick[] =>
    Array.from({ length: seconds }, (_, t) => {
      const dataAt = Math.floor(t / scrapeEvery) * scrapeEvery * 1000;
      return { rps: rps(dataAt / 1000), dataAt };
    });

  it('with a 15 s scrape and K=3, the change comes with the third scrape that shows the load, not the third second', () => {
    // The load steps up at 20 s; scrapes at 30, 45 and 60 s show it.
    const r = runScript(
      { samplesUp: 3, minDwellUpMs: 0 },
      scrapes((t) => (t < 20 ? 5 : 30), 90),
    );
    const changedAt = r.decisions.findIndex((d) => d.changed);
    expect(changedAt).toBe(60);
    expect(r.changes).toBe(1);
    expect(r.reasons[59]).toMatch(/2\/3 fresh samples toward 0\/100, no new data/);
  });

  it('without data times (a custom query) every read counts, as before', () => {
    expect(runScript({ samplesUp: 3, minDwellUpMs: 0 }, [30, 30, 30]).changes).toBe(1);
  });

  it('a re-read of old data neither adds to a streak nor breaks it', () => {
    const ticks: ScriptTick[] = [
      { rps: 30, dataAt: 1000 },
      { rps: 30, dataAt: 1000 },
      { rps: 30, dataAt: 1000 },
      { rps: 30, dataAt: 2000 },
    ];
    const r = runScript({ samplesUp: 2, minDwellUpMs: 0 }, ticks);
    expect(r.weights).toEqual(['100/0', '100/0', '100/0', '0/100']);
  });

  it('data older than the last counted is not counted', () => {
    const ticks: ScriptTick[] = [
      { rps: 30, dataAt: 5000 },
      { rps: 30, dataAt: 4000 },
      { rps: 30, dataAt: 6000 },
    ];
    expect(runScript({ samplesUp: 2, minDwellUpMs: 0 }, ticks).weights).toEqual(['100/0', '100/0', '0/100']);
  });
});

describe('no data (an empty answer)', () => {
  it('while bursting at high load, holds the weights until the hold ends, then counts as no traffic', () => {
    const hold = 10_000;
    const ticks: ScriptTick[] = [30, 30, ...Array<ScriptTick>(20).fill('empty')];
    const r = runScript({ ...fast, noDataHoldMs: hold }, ticks, { start: ALL_BURST });
    // Empty from t=2 s: held through t=11 s, no traffic at t=12 s.
    expect(r.weights.slice(0, 12).every((w) => w === '0/100')).toBe(true);
    expect(r.kinds.slice(2, 12).every((k) => k === 'no-data-hold')).toBe(true);
    expect(r.reasons[11]).toMatch(
      /no data for 9\.0s \(an empty answer is not zero traffic for 10\.0s\), weights stay 0\/100/,
    );
    expect(r.weights[12]).toBe('100/0');
    expect(r.reasons[12]).toMatch(/no data for 10\.0s, taken as no traffic/);
  });

  it('with the default hold (300 s) a minute of empty answers changes nothing', () => {
    const r = runScript({}, [30, ...Array<ScriptTick>(60).fill('empty')], { start: ALL_BURST });
    expect(r.changes).toBe(0);
  });

  it('a value ends the hold: the clock starts again at the next empty answer', () => {
    const r = runScript({ ...fast, noDataHoldMs: 3000 }, ['empty', 'empty', 30, 'empty', 'empty', 'empty', 'empty'], {
      start: ALL_BURST,
    });
    expect(r.weights).toEqual(['0/100', '0/100', '0/100', '0/100', '0/100', '0/100', '100/0']);
  });

  it('hold 0 is the old behaviour: an empty answer is no traffic at once', () => {
    const r = runScript({ ...fast, noDataHoldMs: 0 }, ['empty'], { start: ALL_BURST });
    expect(r.weights).toEqual(['100/0']);
    expect(r.kinds).toEqual(['change']);
  });

  it('an empty answer breaks a streak', () => {
    const r = runScript({ samplesUp: 2, minDwellUpMs: 0 }, [30, 'empty', 30, 30]);
    expect(r.weights).toEqual(['100/0', '100/0', '100/0', '0/100']);
  });
});

describe('failsafe', () => {
  it('hold: after N failures the weights stay where they are', () => {
    const r = runScript({ failsafe: 'hold', failsafeAfter: 3 }, ['fail', 'fail', 'fail', 'fail', 'fail'], {
      start: ALL_BURST,
    });
    expect(r.weights.every((w) => w === '0/100')).toBe(true);
    expect(r.kinds).toEqual(['read-failure', 'read-failure', 'failsafe', 'failsafe', 'failsafe']);
    expect(r.reasons[4]).toMatch(/failsafe hold: 5 failed reads/);
  });

  it('natural: after N consecutive failures (and not before) go back to 100/0, without waiting for the dwell', () => {
    const start = { ...resumeState({ weights: ALL_BURST }), lastChangeAt: 2500 };
    const r = runScript({ failsafe: 'natural', failsafeAfter: 3 }, ['fail', 'fail', 'fail', 'fail'], { start });
    expect(r.weights).toEqual(['0/100', '0/100', '100/0', '100/0']);
    expect(r.changes).toBe(1);
    expect(r.decisions[2]).toMatchObject({ kind: 'failsafe', phase: 'natural' });
  });

  it('a good read resets the count', () => {
    const r = runScript({ failsafe: 'natural', failsafeAfter: 3 }, ['fail', 'fail', 30, 'fail', 'fail'], {
      start: ALL_BURST,
    });
    expect(r.changes).toBe(0);
    expect(r.state.failures).toBe(2);
  });

  it('a rate that is not a number >= 0 is a failed read, never a rate', () => {
    const decide = burstPolicy({ ...DEFAULT_POLICY, ...fast });
    for (const rps of [-5, NaN, Infinity]) {
      const d = decide(resumeState({ weights: ALL_BURST }), { traffic: { kind: 'rate', rps } }, 0);
      expect(d).toMatchObject({ changed: false, kind: 'read-failure' });
    }
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
    [{ minSuccessRate: 1.5 }, 'minSuccessRate'],
    [{ minSuccessRate: NaN }, 'minSuccessRate'],
    [{ healthSamples: 0 }, 'healthSamples'],
    [{ minHealthRequests: 0 }, 'minHealthRequests'],
    [{ healthCooldownMs: -1 }, 'healthCooldownMs'],
    [{ maxLatencyMs: 0 }, 'maxLatencyMs'],
    [{ stepPercent: 0 }, 'stepPercent'],
    [{ stepPercent: 101 }, 'stepPercent'],
    [{ stepPercent: 12.5 }, 'stepPercent'],
    [{ stepMs: Infinity }, 'stepMs'],
    [{ noDataHoldMs: -1 }, 'noDataHoldMs'],
    [{ mode: 'spill', highRps: 20, lowRps: 10, primaryCapacityRps: 15 }, 'highRps'],
  ])('%j is rejected naming %s', (settings, setting) => {
    expect(policySettingsProblem({ ...DEFAULT_POLICY, ...settings })?.setting).toBe(setting);
    expect(() => burstPolicy({ ...DEFAULT_POLICY, ...settings })).toThrow(new RegExp(setting));
  });

  it('a problem that involves two settings names both, as the caller spells them', () => {
    const names = { highRps: 'BURST_HIGH_RPS', primaryCapacityRps: 'PRIMARY_CAPACITY_RPS', lowRps: 'BURST_LOW_RPS' };
    expect(
      policySettingsProblem({ ...DEFAULT_POLICY, mode: 'spill', highRps: 20, primaryCapacityRps: 15 }, names)?.message,
    ).toMatch(/must not be above PRIMARY_CAPACITY_RPS \(15\) in spill mode, got 20/);
    expect(policySettingsProblem({ ...DEFAULT_POLICY, lowRps: 20 }, names)?.message).toMatch(
      /must be below BURST_HIGH_RPS \(15\), got 20/,
    );
  });

  it('the defaults are valid, and switch mode may have its threshold above the capacity', () => {
    expect(policySettingsProblem(DEFAULT_POLICY)).toBeUndefined();
    expect(policySettingsProblem({ ...DEFAULT_POLICY, highRps: 20 })).toBeUndefined();
  });
});
