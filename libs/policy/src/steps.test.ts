import { describe, expect, it } from 'vitest';
import type { HealthObservation } from './observation.js';
import { runScript, type ScriptTick } from './script.js';
import { stepToward } from './steps.js';
import { ALL_BURST, NATURAL } from './weights.js';

const healthy: HealthObservation = { kind: 'health', requests: 100, successRate: 1 };
const sick: HealthObservation = { kind: 'health', requests: 100, successRate: 0.5 };
const quick = { samplesUp: 1, minDwellUpMs: 0, stepPercent: 25, stepMs: 10_000 };

/** The weights each time they changed, with the second of the change. */
const changes = (r: ReturnType<typeof runScript>) =>
  r.decisions.flatMap((d, t) => (d.changed ? [`${t}s ${d.weights.primary}/${d.weights.burst}`] : []));

describe('stepToward', () => {
  it.each([
    [NATURAL, ALL_BURST, 25, { primary: 75, burst: 25 }],
    [{ primary: 25, burst: 75 }, ALL_BURST, 25, ALL_BURST],
    [NATURAL, { primary: 50, burst: 50 }, 30, { primary: 70, burst: 30 }],
    [{ primary: 70, burst: 30 }, { primary: 50, burst: 50 }, 30, { primary: 50, burst: 50 }],
    [NATURAL, ALL_BURST, 100, ALL_BURST],
  ])('from %j toward %j by %s%%', (current, target, stepPercent, expected) => {
    expect(stepToward({ stepPercent }, current, target)).toEqual(expected);
  });
});

describe('steps', () => {
  it('switch mode with 25% steps: 75/25, 50/50, 25/75, 0/100, one step per step time while the burst side is healthy', () => {
    const r = runScript(quick, Array<ScriptTick>(45).fill({ rps: 30, health: healthy }));
    expect(changes(r)).toEqual(['0s 75/25', '10s 50/50', '20s 25/75', '30s 0/100']);
    expect(r.kinds.filter((k) => k !== 'hold')).toEqual(['change', 'step', 'step', 'step']);
    expect(r.decisions[0]).toMatchObject({ target: ALL_BURST, phase: 'burst' });
    expect(r.decisions[5]?.pending).toMatchObject({ to: { primary: 50, burst: 50 }, nextStepInMs: 5000 });
    expect(r.reasons[5]).toMatch(/next step to 50\/50 in 5\.0s/);
  });

  it('stops climbing while the health gate fails, and rolls back when it has failed enough', () => {
    const ticks = Array.from({ length: 40 }, (_, t): ScriptTick => {
      // Healthy until 14 s; failing samples at 15 and 16 s, then the same scrape re-read; a third at 27 s.
      const h = t < 15 ? healthy : t < 17 || t === 27 ? { ...sick, dataAt: t * 1000 } : { ...sick, dataAt: 16_000 };
      return { rps: 30, health: h };
    });
    const r = runScript({ ...quick, healthSamples: 3 }, ticks);
    expect(changes(r)).toEqual(['0s 75/25', '10s 50/50', '27s 100/0']);
    expect(r.reasons[20]).toMatch(/climb stopped at 50\/50, burst side failing 2\/3/);
    expect(r.kinds[27]).toBe('rollback');
  });

  it('each step waits until the health gate has judged the weights in force', () => {
    const unjudged: HealthObservation = { kind: 'health', requests: 2, successRate: 1 };
    const ticks = Array.from({ length: 30 }, (_, t): ScriptTick => ({ rps: 30, health: t < 22 ? unjudged : healthy }));
    const r = runScript(quick, ticks);
    expect(changes(r)).toEqual(['0s 75/25', '22s 50/50']);
    expect(r.reasons[15]).toMatch(/waiting for the health gate to judge 75\/25 before 50\/50 \(too few burst requests/);
  });

  it('spill mode climbs to the spill share the same way', () => {
    const r = runScript({ ...quick, mode: 'spill' }, Array<ScriptTick>(30).fill({ rps: 30, health: healthy }));
    expect(changes(r)).toEqual(['0s 75/25', '10s 50/50']);
  });

  it('the climb stops where the load no longer asks for more', () => {
    const ticks = Array.from({ length: 30 }, (_, t): ScriptTick => ({ rps: t < 5 ? 30 : 12, health: healthy }));
    const r = runScript(quick, ticks);
    expect(changes(r)).toEqual(['0s 75/25']);
    expect(r.state.climbing).toBe(false);
  });

  it('comes back in one move, at once on a health failure or when the load falls below low', () => {
    const low = Array.from({ length: 30 }, (_, t): ScriptTick => ({ rps: t < 25 ? 30 : 5, health: healthy }));
    const r = runScript({ ...quick, samplesDown: 1, minDwellDownMs: 0 }, low);
    expect(changes(r)).toEqual(['0s 75/25', '10s 50/50', '20s 25/75', '25s 100/0']);
  });

  it('the default step is 100%: the codelab single move', () => {
    const r = runScript({ samplesUp: 1, minDwellUpMs: 0 }, [30, 30]);
    expect(r.weights).toEqual(['0/100', '0/100']);
  });
});
