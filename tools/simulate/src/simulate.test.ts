import { describe, expect, it } from 'vitest';
import { gkeDeployment, localDeployment, shippedFiles } from './deployment.js';
import { lineup, type PolicySpec } from './policies.js';
import { buildScenario } from './scenarios.js';
import { simulate, type WeightChange } from './simulate.js';
import type { Trace } from './trace.js';

const gke = gkeDeployment(shippedFiles());
const [codelab, ours, spill] = lineup(gke.watcherEnv) as [PolicySpec, PolicySpec, PolicySpec];
/** The shipped watcher in switch mode: all the load goes where the weights say, whatever primary could serve. */
const switched: PolicySpec = { ...ours, name: 'switched', settings: { ...ours.settings, mode: 'switch' } };
/** A burst side kept warm (four pods, 60 req/s): what the watcher reads, without the cold start's rollbacks. */
const warm = { ...gke.model, burstMinPods: 4 };
const steady = (rps: number, seconds: number): Trace => ({ name: `${rps}`, rps: new Float64Array(seconds).fill(rps) });
const step = (low: number, high: number, at: number, seconds: number): Trace => {
  const rps = new Float64Array(seconds).fill(low);
  rps.fill(high, at);
  return { name: 'step', rps };
};

describe('simulate: the real policy against the model of the shipped deployment', () => {
  it.each([20, 25, 40])(
    "steady %i req/s for an hour onto a warm burst side: the codelab's watcher flaps (its destination-reported rate falls once it flips), ours climbs to burst and stays",
    (rps) => {
      const trace = steady(rps, 3600);
      const theirs = simulate(trace, codelab, warm, { record: true });
      const mine = simulate(trace, switched, warm);
      expect(theirs.figures.weightChanges).toBeGreaterThan(40);
      // All at once or in steps, whatever is shipped: only up, to 100, never back.
      expect(mine.figures.weightChanges).toBe(Math.ceil(100 / switched.settings.stepPercent));
      expect(mine.changes.every((c, i) => c.burst > (mine.changes[i - 1]?.burst ?? 0))).toBe(true);
      expect(mine.changes.at(-1)?.burst).toBe(100);
      // After each flip to burst the codelab's reading sinks below its low threshold.
      const observed = Array.from(theirs.record?.observed ?? []);
      expect(Math.min(...observed.slice(600).filter(Number.isFinite))).toBeLessThan(10);
      expect(theirs.figures.servedShare).toBeLessThan(mine.figures.servedShare);
    },
  );

  it('the flapping is the destination-reported rate, not the missing samples and dwell: with them gone, ours holds', () => {
    const hasty: PolicySpec = { ...switched, name: 'hasty', settings: { ...codelab.settings } };
    expect(simulate(steady(25, 3600), hasty, warm).figures.weightChanges).toBe(1);
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

  it('a step from 5 to 30 req/s: ours bursts once its samples (fresh scrapes) ask for it; primary overloads meanwhile', () => {
    const run = simulate(step(5, 30, 600, 1800), ours, warm);
    const first = run.changes[0];
    expect(first?.burst).toBe(ours.settings.stepPercent);
    const delay = (first?.at ?? Infinity) - 600;
    // The windowed rate passes the high threshold within the first scrapes of the new load; then
    // WATCHER_SAMPLES distinct 15 s scrapes must say so.
    expect(delay).toBeGreaterThan(45);
    expect(delay).toBeLessThan(90);
    expect(run.figures.timeToBurstSeconds).toBeCloseTo(delay, 9);
    // Until then primary carries 30 req/s for its 15: at least 15 x delay requests are overload.
    expect(run.figures.overloadRequests).toBeGreaterThanOrEqual(15 * Math.floor(delay));
    expect(run.figures.requests).toBe(600 * 5 + 1200 * 30);
    expect(run.figures.servedShare).toBeCloseTo(1 - run.figures.overloadRequests / run.figures.requests, 12);
  });

  it('all at once onto a cold burst side fails the health gate before the autoscaler grows it; steps let it grow', () => {
    const trace = steady(25, 3600);
    const cold = { ...switched.settings, warm: 'off' as const };
    const allAtOnce: PolicySpec = { ...switched, settings: { ...cold, stepPercent: 100 } };
    const atOnce = simulate(trace, allAtOnce, gke.model, { record: true });
    expect(atOnce.figures.rollbacks).toBeGreaterThanOrEqual(1);
    // One pod (15 req/s) takes the whole 25 req/s at the flip.
    const flip = Math.ceil(atOnce.changes[0]?.at ?? 0);
    expect(atOnce.record?.burstCapacity[flip]).toBe(15);
    expect(atOnce.record?.overload[flip + 1]).toBeCloseTo(10, 6);
    const stepped: PolicySpec = { ...switched, settings: { ...cold, stepPercent: 20, stepMs: 30_000 } };
    const inSteps = simulate(trace, stepped, gke.model);
    expect(inSteps.figures.rollbacks).toBe(0);
    expect(inSteps.figures.servedShare).toBeGreaterThan(atOnce.figures.servedShare);
    expect(inSteps.figures.burstPodSeconds).toBeGreaterThan(0);
  });

  it.each(['min-replicas', 'metric'] as const)(
    'warmed first (%s), all at once waits for the ready pods and passes the health gate',
    (design) => {
      const trace = steady(25, 3600);
      const warmed: PolicySpec = { ...switched, settings: { ...switched.settings, warm: design, stepPercent: 100 } };
      const run = simulate(trace, warmed, gke.model, { record: true });
      expect(run.figures.rollbacks).toBe(0);
      expect(run.changes.map((c) => c.burst)).toEqual([100]);
      // At the flip the burst side already serves the whole 25 req/s: no pod starts after it.
      const flip = Math.ceil(run.changes[0]?.at ?? 0);
      expect(run.record?.burstCapacity[flip]).toBeGreaterThanOrEqual(25);
      expect(run.record?.overload[flip + 1]).toBe(0);
    },
  );

  it('while the watcher holds the floor (min-replicas) the HPA scales down after its warm window; otherwise after its own', () => {
    const burstThenQuiet: Trace = { name: 'burst', rps: new Float64Array(3600).fill(5).fill(40, 300, 1500) };
    const run = (warm: PolicySpec['settings']['warm'], warmWindow: number) =>
      simulate(
        burstThenQuiet,
        { ...ours, settings: { ...ours.settings, warm } },
        { ...gke.model, hpaScaleDownStabilizationSeconds: 300, hpaWarmScaleDownStabilizationSeconds: warmWindow },
      ).figures;
    const short = run('min-replicas', 15);
    const long = run('min-replicas', 300);
    expect(short.burstPodSeconds).toBeLessThan(long.burstPodSeconds);
    expect(short.servedShare).toBeCloseTo(long.servedShare, 3);
    for (const design of ['off', 'metric'] as const) expect(run(design, 15)).toEqual(run(design, 300));
  });

  it('the local deployment never overloads and its watcher reacts within seconds', () => {
    const local = localDeployment();
    const [, localOurs] = lineup(local.watcherEnv) as [PolicySpec, PolicySpec];
    const run = simulate(buildScenario('steps', { seed: 1, days: 1 }), localOurs, local.model);
    expect(run.figures.overloadRequests).toBe(0);
    expect(run.changes.map((c) => c.burst)).toEqual([100, 0, 100, 0]);
    expect((run.changes[0]?.at ?? Infinity) - 10).toBeLessThan(6);
  });

  it("a run's own tick times: the changes fall on them; a drifting loop decides on other ticks than the grid", () => {
    const local = localDeployment();
    const [, localOurs] = lineup(local.watcherEnv) as [PolicySpec, PolicySpec];
    const trace = buildScenario('steps', { seed: 1, days: 1 });
    const seconds = trace.rps.length;
    const onGrid = simulate(trace, localOurs, local.model);
    const gridTicks = Array.from({ length: seconds }, (_, n) => local.model.tickOffsetSeconds + n);
    expect(simulate(trace, localOurs, local.model, { tickTimes: gridTicks }).changes).toEqual(onGrid.changes);
    // Each tick 10 ms later than the one before, as a loop whose timers fire late drifts.
    const drifting = gridTicks.map((t, n) => t + n * 0.01);
    const drifted = simulate(trace, localOurs, local.model, { tickTimes: drifting }).changes;
    expect(drifted.map((c) => c.burst)).toEqual(onGrid.changes.map((c) => c.burst));
    for (const change of drifted) expect(drifting).toContain(change.at);
    // Its ticks cross the scrapes' phase, so some change comes a tick sooner or later than on the grid.
    const tickNumbers = (changes: WeightChange[], ticks: number[]) => changes.map((c) => ticks.indexOf(c.at));
    expect(tickNumbers(drifted, drifting)).not.toEqual(tickNumbers(onGrid.changes, gridTicks));
    // No tick given after 30 s: nothing decided after it.
    const cut = simulate(trace, localOurs, local.model, { tickTimes: gridTicks.filter((t) => t < 30) }).changes;
    expect(cut.every((c) => c.at < 30)).toBe(true);
    expect(cut.length).toBe(onGrid.changes.filter((c) => c.at < 30).length);
  });
});
