/**
 * Warm first, send only what is ready. The burst side is sized ahead of the traffic from the share
 * the thresholds are about to send it (in spill mode the overflow above what primary keeps,
 * rounded up to the weight step; in switch mode all of it), with headroom, in pods of
 * `burstPodCapacityRps`. Its autoscaler learns of a load only once it is served there: a 15 s sync
 * on a 30 s window, a pod start, a node. The pods wanted rise at once and are given back only after
 * the want has stayed lower for `warmGiveBackMs`, so a dip does not cost a cold start. A step toward
 * burst waits until the ready pods cover the share it would send (the ready gate).
 */
import type { BurstReadiness } from './observation.js';
import type { PolicySettings } from './settings.js';
import type { WarmState } from './state.js';
import type { Weights } from './weights.js';
import { primaryKeepsRps } from './spill.js';

/** Pods of `burstPodCapacityRps` that serve `rps` (0 for none). */
export function podsFor(s: Pick<PolicySettings, 'burstPodCapacityRps'>, rps: number): number {
  return rps > 0 ? Math.ceil(rps / s.burstPodCapacityRps - 1e-9) : 0;
}

/** The rate `weights` send to burst at `rps`. */
export function burstShareRps(weights: Weights, rps: number): number {
  return (rps * weights.burst) / 100;
}

/**
 * The rate each warm pod is sized for: its capacity less the headroom. Design `metric` gives it to
 * the burst autoscaler as the AverageValue target of the primary's rate.
 */
export function warmRpsPerPod(s: Pick<PolicySettings, 'burstPodCapacityRps' | 'warmHeadroom'>): number {
  return s.burstPodCapacityRps / (1 + s.warmHeadroom);
}

/** The burst pods to have ready for a share of `burstRps`: with the headroom, whole pods. */
export function warmPodsFor(s: Pick<PolicySettings, 'burstPodCapacityRps' | 'warmHeadroom'>, burstRps: number): number {
  return burstRps > 0 ? Math.ceil(burstRps / warmRpsPerPod(s) - 1e-9) : 0;
}

/**
 * The rate the burst side's own autoscaler reads when it scales on the primary's metric (design
 * `metric`): a fixed query knows the rate, not the watcher's state, so spill mode counts the
 * overflow above the primary's capacity and switch mode the whole rate above the high threshold.
 */
export function metricBurstRps(
  s: Pick<PolicySettings, 'mode' | 'highRps' | 'primaryCapacityRps' | 'primaryHeadroom'>,
  rps: number,
): number {
  if (s.mode === 'spill') return Math.max(0, rps - primaryKeepsRps(s));
  return rps > s.highRps ? rps : 0;
}

/**
 * The pods the watcher asks for this tick (design `min-replicas`): at once when more are wanted,
 * the same while less is wanted for less than `warmGiveBackMs`, then what is wanted now.
 */
export function warmUp(
  s: Pick<PolicySettings, 'warmGiveBackMs'>,
  held: WarmState | undefined,
  wanted: number,
  now: number,
): { state: WarmState; why: string } {
  const pods = held?.pods ?? 0;
  if (wanted >= pods) return { state: { pods: wanted }, why: `${wanted} burst pods wanted` };
  const since = held?.lowerSince ?? now;
  const left = since + s.warmGiveBackMs - now;
  if (left > 0)
    return {
      state: { pods, lowerSince: since },
      why: `${wanted} burst pods wanted, keeping ${pods} for ${(left / 1000).toFixed(1)}s more`,
    };
  return { state: { pods: wanted }, why: `${wanted} burst pods wanted, ${pods - wanted} given back` };
}

/** The ready gate's verdict on a step that sends `shareRps` to burst. */
export interface ReadyGate {
  open: boolean;
  readyPods: number;
  /** The pods the step waits for: those that serve its share, or fewer if no more are coming. */
  neededPods: number;
}

/**
 * Whether the burst side's ready pods cover `shareRps`. The gate waits only for pods that are
 * coming (the Deployment's replicas, or the pods the watcher has asked for, up to the autoscaler's
 * maximum): a burst side that will not grow opens it with what it has, and the health gate stays as
 * the net beneath.
 */
export function readyGate(
  s: Pick<PolicySettings, 'burstPodCapacityRps' | 'warmHeadroom'>,
  readiness: BurstReadiness,
  shareRps: number,
  askedPods: number,
): ReadyGate {
  const coming = Math.min(Math.max(readiness.desiredPods, askedPods), readiness.maxPods ?? Infinity);
  const neededPods = Math.min(warmPodsFor(s, shareRps), coming);
  return { open: readiness.readyPods >= neededPods, readyPods: readiness.readyPods, neededPods };
}
