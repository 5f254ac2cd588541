/**
 * Where the thresholds alone lead at a rate, before samples, dwell, band and steps: above
 * `highRps` to burst (all of it, or the spill share), below `lowRps` back to natural, between the
 * two nothing moves (spill mode follows the load there but keeps at least one step on burst).
 */
import { ALL_BURST, NATURAL, type Weights } from './weights.js';
import type { PolicySettings } from './settings.js';
import { primaryKeepsRps, spillWeights } from './spill.js';

export function targetWeights(s: PolicySettings, current: Weights, rps: number): { weights: Weights; why: string } {
  const rate = rps.toFixed(2);
  if (rps < s.lowRps) return { weights: NATURAL, why: `${rate} req/s below low threshold ${s.lowRps}` };
  const bursting = current.burst > 0;
  const between = `${rate} req/s between thresholds ${s.lowRps} and ${s.highRps}`;
  if (s.mode === 'switch') {
    if (rps > s.highRps) return { weights: ALL_BURST, why: `${rate} req/s above high threshold ${s.highRps}` };
    return { weights: current, why: between };
  }
  const spill = spillWeights(s, rps);
  const keeps = Number(primaryKeepsRps(s).toFixed(2));
  if (rps > s.highRps)
    return {
      weights: spill,
      why: `${rate} req/s above high threshold ${s.highRps}, primary keeps ${keeps}`,
    };
  if (!bursting) return { weights: current, why: between };
  const burst = Math.max(s.weightStep, spill.burst);
  return {
    weights: { primary: 100 - burst, burst },
    why: `${rate} req/s between thresholds while spilling, primary keeps ${keeps}`,
  };
}
