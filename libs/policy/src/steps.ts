/**
 * Steps: the burst weight rises by at most `stepPercent` at a time, `stepMs` apart, and each step
 * waits for the health gate to judge the burst side healthy at the weights in force. Coming back
 * is one move: a burst side that fails goes back at once, and a load that fell below the low
 * threshold returns to primary, the side that has served all along and is sized for that load;
 * stepping down would only keep traffic longer on the side we no longer need.
 */
import type { PolicySettings } from './settings.js';
import type { Weights } from './weights.js';

/** The weights one step from `current` toward a `target` with more burst (the target itself if that is close). */
export function stepToward(s: Pick<PolicySettings, 'stepPercent'>, current: Weights, target: Weights): Weights {
  const burst = Math.min(target.burst, current.burst + s.stepPercent);
  return { primary: 100 - burst, burst };
}

/** How long until the next step may be taken (ms; 0: now). */
export function nextStepIn(s: Pick<PolicySettings, 'stepMs'>, lastChangeAt: number | undefined, now: number): number {
  return lastChangeAt === undefined ? 0 : Math.max(0, lastChangeAt + s.stepMs - now);
}
