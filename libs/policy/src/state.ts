/**
 * What the policy remembers between ticks (plain, serialisable data), and how it is rebuilt from
 * what the VirtualService says: the weights and the watcher's own annotations.
 */
import type { Weights } from './weights.js';

/** What the warm-up holds between ticks: the pods asked for, and since when less has been wanted. */
export interface WarmState {
  pods: number;
  lowerSince?: number;
}

/** The phase annotation: all on primary, some on burst, or rolled back by the health gate. */
export type Phase = 'natural' | 'burst' | 'unhealthy';

/** Operator orders, read from the VirtualService on every tick. */
export interface Control {
  /** `burst.string-hashr.dev/suspend: "true"`: no change while set. */
  suspend: boolean;
  /** `burst.string-hashr.dev/pin`: these weights at once, whatever the load. */
  pin?: 'natural' | 'burst';
}

/** What the VirtualService says: its weights and the watcher's annotations, when present. */
export interface PersistedState {
  weights: Weights;
  /** `burst.string-hashr.dev/phase`. */
  phase?: Phase;
  /** `burst.string-hashr.dev/changed-at`, ms since the epoch. */
  changedAt?: number;
}

export interface HealthState {
  /** Fresh failing health samples in a row. */
  failures: number;
  /** Data time of the last health sample counted. */
  lastDataAt?: number;
  /** Tick time of the last fresh sample judged healthy: a step up waits for one after the last change. */
  lastHealthyAt?: number;
}

export interface PolicyState {
  /** The weights in force, as last read or applied. */
  weights: Weights;
  phase: Phase;
  /** When the weights last changed (ms): the dwell, the steps and the cool-down count from it. */
  lastChangeAt?: number;
  /** Consecutive fresh samples asking to move in one direction. */
  streak?: { direction: 'up' | 'down'; count: number };
  /** Consecutive failed reads of the rate. */
  failures: number;
  /** Data time of the last rate sample counted: a sample counts only if its data is newer. */
  lastDataAt?: number;
  /** Since when the answers have been empty (ms). */
  noDataSince?: number;
  health: HealthState;
  /** Spill mode: the rate that set the current weights; they stay while the rate is within a band around it. */
  anchorRps?: number;
  /** A climb in steps is under way: the next step needs only its time and a healthy burst side. */
  climbing?: boolean;
  /** The burst pods the watcher asks for (warm design `min-replicas`). */
  warm?: WarmState;
}

/** The phase the weights alone say. */
export function phaseOf(weights: Weights): Phase {
  return weights.burst > 0 ? 'burst' : 'natural';
}

/**
 * The state rebuilt from the object (start, leader change, router error, conflict, outside edit).
 * The dwell holds across all of them: the last change is `changed-at`. A phase that the weights
 * contradict (someone edited the weights by hand) gives way to the weights; `unhealthy` with
 * natural weights keeps the cool-down running from `changed-at`.
 */
export function resumeState(persisted: PersistedState): PolicyState {
  const { weights, phase, changedAt } = persisted;
  const fromWeights = phaseOf(weights);
  const agrees = phase === fromWeights || (phase === 'unhealthy' && fromWeights === 'natural');
  return {
    weights,
    phase: phase !== undefined && agrees ? phase : fromWeights,
    lastChangeAt: changedAt !== undefined && Number.isFinite(changedAt) ? changedAt : undefined,
    failures: 0,
    health: { failures: 0 },
  };
}

/** The state from the weights alone (an object without the watcher's annotations). */
export function initialPolicyState(weights: Weights): PolicyState {
  return resumeState({ weights });
}
