import { describe, expect, it } from 'vitest';
import type { BurstReadiness, HealthObservation } from './observation.js';
import { runScript, type ScriptTick } from './script.js';
import { DEFAULT_POLICY } from './settings.js';
import { metricBurstRps, podsFor, readyGate, warmPodsFor, warmRpsPerPod, warmUp } from './warm.js';

const pods15 = { burstPodCapacityRps: 15, warmHeadroom: 0.5 };
const healthy: HealthObservation = { kind: 'health', requests: 100, successRate: 1 };
const ready = (readyPods: number, desiredPods = readyPods, maxPods?: number): BurstReadiness => ({
  readyPods,
  desiredPods,
  ...(maxPods === undefined ? {} : { maxPods }),
});
const quick = { samplesUp: 1, samplesDown: 1, minDwellUpMs: 0, minDwellDownMs: 0 };

describe('sizing the burst side', () => {
  it.each([
    [0, 0, 0],
    [15, 1, 2],
    [15.01, 2, 2],
    [35, 3, 4],
    [50, 4, 5],
  ])('%s req/s: %s pods serve it, %s with 50%% headroom', (rps, served, warmed) => {
    expect(podsFor(pods15, rps)).toBe(served);
    expect(warmPodsFor(pods15, rps)).toBe(warmed);
  });

  it('a warm pod is sized for its capacity less the headroom', () => {
    expect(warmRpsPerPod(pods15)).toBe(10);
    expect(warmRpsPerPod({ burstPodCapacityRps: 15, warmHeadroom: 0 })).toBe(15);
  });

  it.each([
    ['spill', 0, 50, 35],
    ['spill', 0, 12, 0],
    ['spill', 0.5, 50, 40],
    ['switch', 0, 50, 50],
    ['switch', 0, 15, 0],
    ['switch', 0.5, 15.5, 15.5],
  ] as const)(
    '%s mode, headroom %s on primary, at %s req/s: the burst HPA reads %s req/s of the primary rate',
    (mode, primaryHeadroom, rps, expected) => {
      expect(metricBurstRps({ mode, highRps: 15, primaryCapacityRps: 15, primaryHeadroom }, rps)).toBe(expected);
    },
  );
});

describe('warmUp: more pods at once, fewer only after the give-back delay', () => {
  const s = { warmGiveBackMs: 120_000 };
  it.each([
    ['from nothing', undefined, 4, 0, { pods: 4 }, '4 burst pods wanted'],
    ['more', { pods: 2 }, 5, 1000, { pods: 5 }, '5 burst pods wanted'],
    ['the same clears a give-back', { pods: 4, lowerSince: 0 }, 4, 1000, { pods: 4 }, '4 burst pods wanted'],
    [
      'fewer: kept',
      { pods: 4 },
      1,
      10_000,
      { pods: 4, lowerSince: 10_000 },
      '1 burst pods wanted, keeping 4 for 120.0s more',
    ],
    [
      'fewer, still in the delay',
      { pods: 4, lowerSince: 10_000 },
      0,
      129_999,
      { pods: 4, lowerSince: 10_000 },
      /keeping 4 for 0\.0s more/,
    ],
    [
      'fewer, the delay over',
      { pods: 4, lowerSince: 10_000 },
      1,
      130_000,
      { pods: 1 },
      '1 burst pods wanted, 3 given back',
    ],
  ])('%s', (_, held, wanted, now, state, why) => {
    const result = warmUp(s, held, wanted, now);
    expect(result.state).toEqual(state);
    expect(result.why).toMatch(why);
  });
});

describe('readyGate: the ready pods must cover the share, with the headroom, of the pods that are coming', () => {
  it.each([
    ['all ready', ready(5), 50, 5, true, 5],
    ['3 of 5', ready(3, 5), 50, 5, false, 5],
    ['asked for, not yet in the Deployment', ready(1, 1), 50, 5, false, 5],
    ['nothing more coming: opens with what there is', ready(2, 2), 50, 0, true, 2],
    ['the autoscaler at its maximum', ready(3, 3, 3), 50, 8, true, 3],
    ['no share', ready(0, 1), 0, 0, true, 0],
  ])('%s', (_, readiness, shareRps, asked, open, needed) => {
    expect(readyGate(pods15, readiness, shareRps, asked)).toEqual({
      open,
      readyPods: readiness.readyPods,
      neededPods: needed,
    });
  });
});

describe('the policy warms first and sends only what is ready', () => {
  const warm = { ...quick, warm: 'min-replicas' as const, warmHeadroom: 0.5, warmGiveBackMs: 10_000 };

  it('without a reading of the burst pods, or with warm off, the gate is off: the weights move as before', () => {
    const ticks: ScriptTick[] = [30, 30, 30];
    const before = runScript(quick, ticks);
    expect(runScript({ ...warm }, ticks).weights).toEqual(before.weights);
    const read = ticks.map((rps): ScriptTick => ({ rps: rps as number, burst: ready(1) }));
    expect(runScript(quick, read).weights).toEqual(before.weights);
    expect(before.weights[0]).toBe('0/100');
  });

  it('asks for pods on the first reading above the threshold, holds the move until they are ready, then moves', () => {
    const ticks: ScriptTick[] = [
      { rps: 30, burst: ready(1, 1) },
      { rps: 30, burst: ready(1, 1) },
      { rps: 30, burst: ready(2, 3) },
      { rps: 30, burst: ready(3, 3) },
    ];
    const r = runScript({ ...warm, samplesUp: 3 }, ticks);
    // 30 req/s all to burst, with 50% headroom: 45 req/s of 15 req/s pods.
    expect(r.decisions.map((d) => d.warm?.pods)).toEqual([3, 3, 3, 3]);
    expect(r.weights).toEqual(['100/0', '100/0', '100/0', '0/100']);
    expect(r.kinds).toEqual(['hold', 'hold', 'warming', 'change']);
    expect(r.reasons[2]).toMatch(/warming the burst side: 2 of 3 pods ready for 0\/100/);
  });

  it('says how many pods are ready of those the share needs, in the reason and the pending change', () => {
    const r = runScript({ ...warm, warmHeadroom: 0 }, [{ rps: 60, burst: ready(3, 4) }]);
    expect(r.kinds).toEqual(['warming']);
    expect(r.reasons[0]).toMatch(/warming the burst side: 3 of 4 pods ready for 0\/100/);
    expect(r.decisions[0]?.pending).toMatchObject({ direction: 'up', warming: { readyPods: 3, neededPods: 4 } });
  });

  it('each step of a climb waits for the pods of its own share', () => {
    const s = { ...warm, stepPercent: 50, stepMs: 1000, warmHeadroom: 0 };
    const tick = (readyPods: number): ScriptTick => ({ rps: 60, health: healthy, burst: ready(readyPods, 4) });
    const r = runScript(s, [tick(2), tick(2), tick(3), tick(4)]);
    // 50% of 60 is 30 req/s: 2 pods; all of it is 60: 4 pods.
    expect(r.weights).toEqual(['50/50', '50/50', '50/50', '0/100']);
    expect(r.kinds).toEqual(['change', 'warming', 'warming', 'step']);
    expect(r.reasons[2]).toMatch(/3 of 4 pods ready for 0\/100/);
  });

  it('gives the pods back once the load has been low for the give-back delay', () => {
    const high: ScriptTick = { rps: 30, burst: ready(3) };
    const low: ScriptTick = { rps: 5, burst: ready(3) };
    const r = runScript(warm, [high, low, ...Array<ScriptTick>(10).fill(low), low], { everyMs: 1000 });
    expect(r.weights.slice(0, 2)).toEqual(['0/100', '100/0']);
    expect(r.decisions.map((d) => d.warm?.pods)).toEqual([3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 0, 0]);
    expect(r.decisions[11]?.warm?.why).toMatch(/3 given back/);
  });

  it('starting without a warm state (a restart, a new leader) it keeps the floor found held until the give-back delay', () => {
    const low = (heldPods?: number): ScriptTick => ({
      rps: 5,
      burst: { ...ready(3), ...(heldPods ? { heldPods } : {}) },
    });
    // The autoscaler still reads 3 after the give-back (the patch lands later): no seed once a state exists.
    const seeded = runScript(warm, Array<ScriptTick>(12).fill(low(3)), { everyMs: 1000 });
    expect(seeded.decisions.map((d) => d.warm?.pods)).toEqual([3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 0, 0]);
    expect(seeded.decisions[0]?.warm?.why).toMatch(/0 burst pods wanted, keeping 3 for 10\.0s more/);
    expect(seeded.decisions[10]?.warm?.why).toMatch(/3 given back/);
    // Nothing held above the natural floor: nothing to keep.
    const fresh = runScript(warm, Array<ScriptTick>(3).fill(low()), { everyMs: 1000 });
    expect(fresh.decisions.map((d) => d.warm?.pods)).toEqual([0, 0, 0]);
    // More wanted than held: asked for at once, as always.
    const high = runScript(warm, [{ rps: 60, burst: { ...ready(3), heldPods: 3 } }]);
    expect(high.decisions[0]?.warm?.pods).toBe(6);
  });

  it('a suspend freezes the weights, not the warm-up or its give-back clock', () => {
    const suspend = { suspend: true };
    const r = runScript(warm, [
      { rps: 30, burst: ready(3) },
      { rps: 5, burst: ready(3), control: suspend },
      ...Array<ScriptTick>(10).fill({ rps: 5, burst: ready(3), control: suspend }),
    ]);
    expect(new Set(r.kinds.slice(1))).toEqual(new Set(['suspended']));
    expect(r.decisions.map((d) => d.warm?.pods)).toEqual([3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 0]);
  });

  it('a pin to burst warms for all the traffic and ignores the gate: the operator asked', () => {
    const r = runScript(warm, [{ rps: 12, burst: ready(1), control: { suspend: false, pin: 'burst' } }]);
    expect(r.weights).toEqual(['0/100']);
    expect(r.decisions[0]?.warm?.pods).toBe(2);
  });

  it('design metric: the gate holds the move, the watcher asks for no pods (the burst HPA reads the rate itself)', () => {
    const r = runScript({ ...quick, warm: 'metric' }, [
      { rps: 30, burst: ready(1, 3) },
      { rps: 30, burst: ready(3, 3) },
    ]);
    expect(r.kinds).toEqual(['warming', 'change']);
    expect(r.decisions.every((d) => d.warm === undefined)).toBe(true);
  });

  it('the defaults leave it off', () => {
    expect(DEFAULT_POLICY).toMatchObject({ warm: 'off', burstPodCapacityRps: 15 });
  });
});
