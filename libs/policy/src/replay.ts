/**
 * Runs a series of timed observations through the policy, as the watcher's loop would, and
 * returns every decision: the tests' tables and the simulator replay traffic with it.
 */
import type { Observation } from './observation.js';
import { burstPolicy, type Decision } from './policy.js';
import type { PolicySettings } from './settings.js';
import type { PolicyState } from './state.js';

export interface TimedObservation {
  /** Tick time (ms). */
  at: number;
  observation: Observation;
}

export function replay(settings: PolicySettings, start: PolicyState, ticks: Iterable<TimedObservation>): Decision[] {
  const decide = burstPolicy(settings);
  const decisions: Decision[] = [];
  let state = start;
  for (const { at, observation } of ticks) {
    const decision = decide(state, observation, at);
    decisions.push(decision);
    state = decision.state;
  }
  return decisions;
}
