import { describe, expect, it } from 'vitest';
import type { HealthObservation, HealthSample } from './observation.js';
import { sampleVerdict } from './health.js';
import { runScript, type ScriptTick } from './script.js';
import { DEFAULT_POLICY } from './settings.js';
import { resumeState } from './state.js';
import { ALL_BURST, NATURAL } from './weights.js';

const health = (successRate: number | undefined, extra: Partial<HealthSample> = {}): HealthSample => ({
  kind: 'health',
  requests: 100,
  successRate,
  ...extra,
});
const healthy = health(1);
const sick = health(0.5);
/** Bursting since t=0 (so the 30 s dwell has not passed when the health gate acts). */
const bursting = { ...resumeState({ weights: ALL_BURST, phase: 'burst', changedAt: 0 }) };
const at30 = (h?: HealthObservation): ScriptTick => ({ rps: 30, health: h });

describe('sampleVerdict', () => {
  it.each<[string, HealthSample, object, string]>([
    ['all good', { kind: 'health', requests: 50, successRate: 1 }, {}, 'healthy'],
    ['exactly the minimum', { kind: 'health', requests: 50, successRate: 0.95 }, {}, 'healthy'],
    ['below the minimum', { kind: 'health', requests: 50, successRate: 0.94 }, {}, 'failing'],
    ['too few requests is not a failure', { kind: 'health', requests: 9, successRate: 0 }, {}, 'unjudged'],
    ['nothing measured', { kind: 'health', requests: 50 }, {}, 'unjudged'],
    ['a custom query: no request count, judged on its ratio', { kind: 'health', successRate: 0.2 }, {}, 'failing'],
    ['latency is off by default', { kind: 'health', requests: 50, successRate: 1, p99Ms: 9000 }, {}, 'healthy'],
    [
      'latency above the limit',
      { kind: 'health', requests: 50, successRate: 1, p99Ms: 900 },
      { maxLatencyMs: 500 },
      'failing',
    ],
    ['latency alone, within', { kind: 'health', requests: 50, p99Ms: 400 }, { maxLatencyMs: 500 }, 'healthy'],
  ])('%s', (_name, sample, settings, verdict) => {
    expect(sampleVerdict({ ...DEFAULT_POLICY, ...settings }, sample).verdict).toBe(verdict);
  });

  it('says why, with the figures', () => {
    expect(
      sampleVerdict({ ...DEFAULT_POLICY, maxLatencyMs: 500 }, { ...health(0.412), requests: 57, p99Ms: 812 }).why,
    ).toBe('success rate 0.412 < 0.95, p99 812 ms > 500 ms (success 0.412, p99 812 ms, 57 requests)');
  });
});

describe('health gate and rollback', () => {
  it('two fresh failing samples: back to natural at once (no dwell), phase unhealthy, and why', () => {
    const r = runScript({}, [at30(healthy), at30(sick), at30(sick)], { start: bursting });
    expect(r.weights).toEqual(['0/100', '0/100', '100/0']);
    expect(r.decisions[1]).toMatchObject({ changed: false, health: { verdict: 'failing' } });
    expect(r.decisions[2]).toMatchObject({ changed: true, kind: 'rollback', phase: 'unhealthy', weights: NATURAL });
    expect(r.reasons[2]).toBe(
      'burst side failing 2/2: success rate 0.500 < 0.95 (success 0.500, 100 requests): 0/100 -> 100/0 at once, no burst for 120.0s',
    );
  });

  it('no new burst for the cool-down, then bursts again if the load is still high', () => {
    const r = runScript({}, [at30(sick), at30(sick), ...Array<ScriptTick>(130).fill(30)], { start: bursting });
    const rollback = 1;
    expect(r.kinds[rollback]).toBe('rollback');
    const upAt = r.decisions.findIndex((d, i) => i > rollback && d.changed);
    // The rollback at t=1 s: the cool-down of 120 s ends at t=121 s.
    expect(upAt).toBe(121);
    expect(r.weights[upAt]).toBe('0/100');
    expect(r.decisions[upAt]?.phase).toBe('burst');
    expect(r.kinds.slice(rollback + 3, upAt).every((k) => k === 'cooldown')).toBe(true);
    expect(r.decisions[2]?.pending).toMatchObject({ direction: 'up', cooldownLeftMs: 119_000 });
    expect(r.reasons[50]).toMatch(/cool-down after a rollback, 71\.0s left before 0\/100/);
  });

  it.each<[string, HealthObservation | undefined]>([
    ['too few requests', health(0, { requests: 3 })],
    ['no burst-side series', { kind: 'no-data' }],
    ['a failed health read', { kind: 'failure', error: 'timeout' }],
    ['no health read at all', undefined],
    ['nothing measured', health(undefined)],
  ])('%s is never a failure', (_name, h) => {
    expect(runScript({}, Array<ScriptTick>(10).fill(at30(h)), { start: bursting }).changes).toBe(0);
  });

  it('a healthy sample resets the count; an unjudged one does not', () => {
    expect(runScript({}, [at30(sick), at30(healthy), at30(sick)], { start: bursting }).changes).toBe(0);
    const r = runScript({}, [at30(sick), at30(health(0, { requests: 2 })), at30(sick)], { start: bursting });
    expect(r.kinds).toEqual(['hold', 'hold', 'rollback']);
  });

  it('counts fresh samples only: one scrape read three times is one sample', () => {
    const stale = (dataAt: number) => at30(health(0.5, { dataAt }));
    const r = runScript({}, [stale(1000), stale(1000), stale(1000), stale(2000)], { start: bursting });
    expect(r.kinds).toEqual(['hold', 'hold', 'hold', 'rollback']);
  });

  it('the latency gate works the same way when set', () => {
    const slow = at30(health(1, { p99Ms: 2000 }));
    expect(runScript({}, [slow, slow, slow], { start: bursting }).changes).toBe(0);
    const r = runScript({ maxLatencyMs: 500 }, [slow, slow], { start: bursting });
    expect(r.kinds).toEqual(['hold', 'rollback']);
    expect(r.reasons[1]).toMatch(/p99 2000 ms > 500 ms/);
  });

  it('rolls back even while the rate cannot be read, and in spill mode', () => {
    const failing = { rps: 'fail' as const, health: sick };
    expect(runScript({}, [failing, failing], { start: bursting }).kinds).toEqual(['read-failure', 'rollback']);
    const spilling = resumeState({ weights: { primary: 50, burst: 50 }, phase: 'burst', changedAt: 0 });
    expect(runScript({ mode: 'spill' }, [at30(sick), at30(sick)], { start: spilling }).weights).toEqual([
      '50/50',
      '100/0',
    ]);
  });

  it('is not consulted while everything is on primary', () => {
    const r = runScript({ samplesUp: 5 }, [at30(sick), at30(sick), at30(sick)]);
    expect(r.kinds).toEqual(['hold', 'hold', 'hold']);
    expect(r.decisions[2]?.health).toBeUndefined();
  });
});
