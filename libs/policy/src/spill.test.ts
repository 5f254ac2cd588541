import { describe, expect, it } from 'vitest';
import { runScript, type ScriptTick } from './script.js';
import { primaryKeepsRps, spillBand, spillWeights, withinSpillBand } from './spill.js';
import { NATURAL, weightsText } from './weights.js';

const spill = { mode: 'spill' as const, primaryCapacityRps: 15, primaryHeadroom: 0, weightStep: 10 };
/** Deterministic noise in [-amplitude, amplitude] (a fixed pseudo-random sequence). */
const noise = (i: number, amplitude: number) => amplitude * Math.sin(i * 12.9898 + Math.sin(i * 78.233) * 43758.5453);
const changes = (r: ReturnType<typeof runScript>) =>
  r.decisions.flatMap((d) => (d.changed ? [weightsText(d.weights)] : []));

describe('spillWeights', () => {
  it.each([
    [10, NATURAL],
    [15, NATURAL],
    [16, { primary: 90, burst: 10 }],
    [20, { primary: 70, burst: 30 }],
    [30, { primary: 50, burst: 50 }],
    [30.1, { primary: 40, burst: 60 }],
    [45, { primary: 30, burst: 70 }],
    [150, { primary: 10, burst: 90 }],
    [1000, { primary: 0, burst: 100 }],
  ])('%s req/s with capacity 15 and 10%% steps -> %j (primary never above capacity)', (rps, expected) => {
    const weights = spillWeights({ primaryCapacityRps: 15, primaryHeadroom: 0, weightStep: 10 }, rps);
    expect(weights).toEqual(expected);
    expect((rps * weights.primary) / 100).toBeLessThanOrEqual(15 + 1e-9);
  });

  it('rounds to the configured step', () => {
    expect(spillWeights({ primaryCapacityRps: 15, primaryHeadroom: 0, weightStep: 25 }, 20)).toEqual({
      primary: 75,
      burst: 25,
    });
    expect(spillWeights({ primaryCapacityRps: 15, primaryHeadroom: 0, weightStep: 5 }, 20)).toEqual({
      primary: 75,
      burst: 25,
    });
  });
});

describe('spillWeights with headroom on primary', () => {
  const margin = { primaryCapacityRps: 15, primaryHeadroom: 0.5, weightStep: 10 };
  it.each([
    [10, NATURAL],
    [11, { primary: 90, burst: 10 }],
    [20, { primary: 50, burst: 50 }],
    [40, { primary: 20, burst: 80 }],
  ])('%s req/s with capacity 15 and headroom 0.5 -> %j (primary never above 10)', (rps, expected) => {
    expect(primaryKeepsRps(margin)).toBe(10);
    const weights = spillWeights(margin, rps);
    expect(weights).toEqual(expected);
    expect((rps * weights.primary) / 100).toBeLessThanOrEqual(10 + 1e-9);
  });
});

describe('the band around the anchor rate', () => {
  it.each([
    [10, 30, 1.5],
    [5, 30, 0.75],
    [10, 100, 5],
  ])('step %s%%, anchor %s req/s: half a step of the anchor, %s req/s', (weightStep, anchor, band) => {
    expect(spillBand({ weightStep }, anchor)).toBe(band);
    expect(withinSpillBand({ weightStep }, anchor, anchor + band)).toBe(true);
    expect(withinSpillBand({ weightStep }, anchor, anchor - band - 0.01)).toBe(false);
  });
});

describe('spill mode without flapping', () => {
  it('capacity 15, step 10, 30 +- 0.2 req/s for 10 minutes: at most one change after settling', () => {
    const rates = Array.from({ length: 600 }, (_, i) => 30 + noise(i, 0.2));
    // The noise crosses the 50/50 | 40/60 boundary all the time: without the band this flapped once per dwell.
    expect(new Set(rates.map((r) => weightsText(spillWeights(spill, r)))).size).toBe(2);
    const r = runScript(spill, rates);
    const settled = r.decisions.findIndex((d) => d.changed);
    expect(settled).toBeGreaterThanOrEqual(0);
    expect(r.decisions.slice(settled + 1).filter((d) => d.changed).length).toBeLessThanOrEqual(1);
    expect(
      r.reasons.some((reason) => /within 1\.[45]\d of the (29|30)\.\d\d req\/s that set 50\/50/.test(reason)),
    ).toBe(true);
  });

  it('a ramp from 20 to 40 req/s over 10 minutes still follows step by step', () => {
    const ramp: ScriptTick[] = Array.from({ length: 600 }, (_, i) => 20 + (20 * i) / 600 + noise(i, 0.2));
    const r = runScript(spill, ramp);
    expect(changes(r)).toEqual(['70/30', '60/40', '50/50', '40/60', '30/70']);
  });

  it('follows the load up and down, keeps one step between the thresholds, natural below low', () => {
    const fast = { samplesUp: 1, samplesDown: 1, minDwellUpMs: 0, minDwellDownMs: 0 };
    const r = runScript({ ...spill, ...fast }, [12, 20, 30, 45, 20, 14, 11, 9]);
    expect(r.weights).toEqual(['100/0', '70/30', '50/50', '30/70', '70/30', '90/10', '90/10', '100/0']);
  });

  it('the band never keeps the weights when the rate falls below the low threshold', () => {
    // Steps of 50%: the band is 25% of the anchor, 12-20 req/s around 16; 12.5 is inside it but below low.
    const fast = { samplesUp: 1, samplesDown: 1, minDwellUpMs: 0, minDwellDownMs: 0, lowRps: 13, weightStep: 50 };
    expect(runScript({ ...spill, ...fast }, [16, 12.5]).weights).toEqual(['50/50', '100/0']);
  });
});
