import { describe, expect, it } from 'vitest';
import { gkeDeployment, localDeployment, shippedFiles } from './deployment.js';
import { lineup, type PolicySpec } from './policies.js';
import { buildScenario } from './scenarios.js';
import { simulate } from './simulate.js';
import type { Trace } from './trace.js';

const gke = gkeDeployment(shippedFiles());
const [codelab, ours, spill] = lineup(gke.watcherEnv) as [PolicySpec, PolicySpec, PolicySpec];
const steady = (rps: number, seconds: number): Trace => ({ name: `${rps}`, rps: new Float64Array(seconds).fill(rps) });
const step = (low: number, high: number, at: number, seconds: number): Trace => {
  const rps = new Float64Array(seconds).fill(low);
  rps.fill(high, at);
  return { name: 'step', rps };
};

describe('simulate: the real policy against the model of the shipped deployment', () => {
  it.each([20, 25, 40])(
    "steady %i req/s for an hour: the codelab's watcher flaps (its destination-reported rate falls once it flips), ours changes once",
    (rps) => {
      const trace = steady(rps, 3600);
      const theirs = simulate(trace, codelab, gke.model, { record: true });
      const mine = simulate(trace, ours, gke.model);
      expect(theirs.figures.weightChanges).toBeGreaterThan(40);
      expect(mine.figures.weightChanges).toBe(1);
      expect(mine.changes[0]?.burst).toBe(100);
      // After each flip to burst the codelab's reading sinks below its low threshold.
      const observed = Array.from(theirs.record?.observed ?? []);
      expect(Math.min(...observed.slice(600).filter(Number.isFinite))).toBeLessThan(10);
      expect(theirs.figures.servedShare).toBeLessThan(mine.figures.servedShare);
    },
  );

  it('the flapping is the destination-reported rate, not the missing samples and dwell: with them gone, ours holds', () => {
    const hasty: PolicySpec = { ...ours, name: 'hasty', settings: { ...codelab.settings } };
    expect(simulate(steady(25, 3600), hasty, gke.model).figures.weightChanges).toBe(1);
  });

  it('no traffic: nothing changes, nothing is overloaded, the burst side costs nothing', () => {
    for (const policy of [codelab, ours, spill]) {
      const { figures } = simulate(steady(0, 7200), policy, gke.model);
      expect(figures).toMatchObject({
        servedShare: 1,
        overloadRequests: 0,
        burstPodSeconds: 0,
        burstNodeMinutes: 0,
        weightChanges: 0,
        overloadEpisodes: 0,
      });
    }
  });

  it('a step from 5 to 30 req/s: ours bursts after the window has filled enough, K samples and its tick; primary overloads meanwhile', () => {
    const run = simulate(step(5, 30, 600, 1800), ours, gke.model);
    const first = run.changes[0];
    expect(first?.burst).toBe(100);
    const delay = (first?.at ?? Infinity) - 600;
    // The 1m rate needs ~20 s of the new load to pass 15, then 3 samples and up to a scrape of lag.
    expect(delay).toBeGreaterThan(20);
    expect(delay).toBeLessThan(60);
    expect(run.figures.timeToBurstSeconds).toBeCloseTo(delay, 9);
    // Until then primary carries 30 req/s for its 15: at least 15 x delay requests are overload.
    expect(run.figures.overloadRequests).toBeGreaterThanOrEqual(15 * Math.floor(delay));
    expect(run.figures.requests).toBe(600 * 5 + 1200 * 30);
    expect(run.figures.servedShare).toBeCloseTo(1 - run.figures.overloadRequests / run.figures.requests, 12);
  });

  it('after the flip the cold burst side overloads until the autoscaler has grown it', () => {
    const run = simulate(step(5, 45, 60, 900), ours, gke.model, { record: true });
    const capacity = Array.from(run.record?.burstCapacity ?? []);
    const flip = Math.ceil(run.changes[0]?.at ?? 0);
    expect(capacity[flip]).toBe(15);
    expect(Math.max(...capacity)).toBeGreaterThanOrEqual(45);
    const grown = capacity.findIndex((c) => c >= 45);
    const overload = Array.from(run.record?.overload ?? []);
    expect(overload.slice(flip + 1, grown).every((o) => o > 0)).toBe(true);
    expect(overload.slice(grown + 1).every((o) => o === 0)).toBe(true);
    expect(run.figures.burstPodSeconds).toBeGreaterThan(0);
  });

  it('the local deployment never overloads and its watcher reacts within seconds', () => {
    const local = localDeployment();
    const [, localOurs] = lineup(local.watcherEnv) as [PolicySpec, PolicySpec];
    const run = simulate(buildScenario('steps', { seed: 1, days: 1 }), localOurs, local.model);
    expect(run.figures.overloadRequests).toBe(0);
    expect(run.changes.map((c) => c.burst)).toEqual([100, 0, 100, 0]);
    expect((run.changes[0]?.at ?? Infinity) - 20).toBeLessThan(6);
  });
});
