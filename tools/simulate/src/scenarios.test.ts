import { describe, expect, it } from 'vitest';
import { SCENARIOS, buildScenario, scenarioNames, seededRandom } from './scenarios.js';

describe('scenarios', () => {
  it.each(scenarioNames())('%s is reproducible from its seed, and non-negative', (name) => {
    const a = buildScenario(name, { seed: 3, days: 1 }).rps;
    const b = buildScenario(name, { seed: 3, days: 1 }).rps;
    expect(a).toEqual(b);
    expect(a.length).toBeGreaterThan(60);
    expect(a.every((r) => r >= 0 && Number.isFinite(r))).toBe(true);
  });

  it('another seed gives other noise (the steps have none)', () => {
    for (const name of scenarioNames().filter((n) => n !== 'steps'))
      expect(buildScenario(name, { seed: 1, days: 1 }).rps).not.toEqual(buildScenario(name, { seed: 2, days: 1 }).rps);
  });

  it.each<[string, (rps: Float64Array) => void]>([
    [
      'daily',
      (rps) => {
        // Quiet at 3:00, busy at 14:00 (hour means).
        const hour = (h: number) => rps.slice(h * 3600, (h + 1) * 3600).reduce((a, b) => a + b, 0) / 3600;
        expect(hour(3)).toBeLessThan(6);
        expect(hour(14)).toBeGreaterThan(22);
      },
    ],
    [
      'flash-crowd',
      (rps) => {
        const mean = (from: number, to: number) => rps.slice(from, to).reduce((a, b) => a + b, 0) / (to - from);
        // x10 within a minute: 5 req/s before, 50 a minute later.
        expect(mean(15 * 60, 20 * 60)).toBeCloseTo(5, 0);
        expect(mean(21 * 60, 25 * 60) / mean(15 * 60, 20 * 60)).toBeGreaterThan(8);
      },
    ],
    [
      'hover-high',
      (rps) => {
        const mean = rps.reduce((a, b) => a + b, 0) / rps.length;
        expect(mean).toBeGreaterThan(14);
        expect(mean).toBeLessThan(16);
      },
    ],
    ['steps', (rps) => expect([rps[5], rps[15], rps[35], rps[55], rps[85]]).toEqual([5, 30, 5, 25, 3])],
  ])('%s has its shape', (name, check) => check(buildScenario(name, { seed: 1, days: 1 }).rps));

  it('daily lasts --days days', () => {
    expect(buildScenario('daily', { seed: 1, days: 2 }).rps).toHaveLength(2 * 86_400);
  });

  it('an unknown name lists the known ones', () => {
    expect(() => buildScenario('monday', { seed: 1, days: 1 })).toThrow(
      `unknown scenario "monday": expected one of ${SCENARIOS.map((s) => s.name).join(', ')}`,
    );
  });

  it('seededRandom is uniform enough on [0, 1)', () => {
    const random = seededRandom(42);
    const values = Array.from({ length: 10_000 }, random);
    expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...values)).toBeLessThan(1);
    expect(values.reduce((a, b) => a + b, 0) / values.length).toBeCloseTo(0.5, 1);
  });
});
