/**
 * Spill mode: primary keeps its capacity and burst gets the overflow share, rounded up to the
 * weight step. Without more, a rate that hovers at a step boundary flips the weights on every
 * dwell (30 +- 0.2 req/s with capacity 15 gave 50/50 and 40/60 in turn), so the spill weights
 * stay put while the rate is within a band around the rate that set them (the anchor): half a
 * weight step, relative to the anchor. Why that width: the boundaries of successive steps are at
 * least one step apart in relative terms (the k-th is at capacity / (1 - k*step)), so half a step
 * absorbs noise at any boundary while a real move of the load still crosses the next one.
 */
import { NATURAL, type Weights } from './weights.js';
import type { PolicySettings } from './settings.js';

/** What spill mode leaves primary (req/s): its capacity less the headroom. */
export function primaryKeepsRps(s: Pick<PolicySettings, 'primaryCapacityRps' | 'primaryHeadroom'>): number {
  return s.primaryCapacityRps / (1 + s.primaryHeadroom);
}

/** The burst weight that leaves primary at most what it keeps, rounded up to the step. */
export function spillWeights(
  s: Pick<PolicySettings, 'primaryCapacityRps' | 'primaryHeadroom' | 'weightStep'>,
  rps: number,
): Weights {
  const keeps = primaryKeepsRps(s);
  if (rps <= keeps || rps <= 0) return NATURAL;
  const overflow = (100 * (rps - keeps)) / rps;
  // A tolerance so 50.000000001 % does not round up to the next step.
  const burst = Math.min(100, Math.ceil(overflow / s.weightStep - 1e-9) * s.weightStep);
  return { primary: 100 - burst, burst };
}

/** Half a weight step of the anchor rate: the spill weights hold while the rate stays this close. */
export function spillBand(s: Pick<PolicySettings, 'weightStep'>, anchorRps: number): number {
  return (anchorRps * s.weightStep) / 200;
}

/** Whether `rps` is still within the band around the anchor that set the current spill weights. */
export function withinSpillBand(s: Pick<PolicySettings, 'weightStep'>, anchorRps: number, rps: number): boolean {
  return Math.abs(rps - anchorRps) <= spillBand(s, anchorRps);
}
