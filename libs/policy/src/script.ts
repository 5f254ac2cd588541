/**
 * A compact notation for a series of ticks, one per `everyMs`: the tables in the tests and the
 * simulator write traffic this way and read back the weights after each tick.
 */
import type { Control } from './state.js';
import type { BurstReadiness, HealthObservation, Observation, TrafficObservation } from './observation.js';
import type { Decision } from './policy.js';
import { replay } from './replay.js';
import { DEFAULT_POLICY, type PolicySettings } from './settings.js';
import { resumeState, type PolicyState } from './state.js';
import { weightsText, type Weights } from './weights.js';

/** A rate (req/s), `fail` (a failed read), `empty` (no data), or all of a tick spelled out. */
export type ScriptTick =
  | number
  | 'fail'
  | 'empty'
  | {
      rps: number | 'fail' | 'empty';
      dataAt?: number;
      health?: HealthObservation;
      control?: Control;
      burst?: BurstReadiness;
    };

function trafficOf(value: number | 'fail' | 'empty', dataAt?: number): TrafficObservation {
  if (value === 'fail') return { kind: 'failure', error: 'timeout' };
  if (value === 'empty') return { kind: 'no-data' };
  return dataAt === undefined ? { kind: 'rate', rps: value } : { kind: 'rate', rps: value, dataAt };
}

export function observationOfTick(tick: ScriptTick): Observation {
  if (typeof tick !== 'object') return { traffic: trafficOf(tick) };
  return { traffic: trafficOf(tick.rps, tick.dataAt), health: tick.health, control: tick.control, burst: tick.burst };
}

export interface ScriptRun {
  decisions: Decision[];
  /** `primary/burst` after each tick. */
  weights: string[];
  kinds: string[];
  reasons: string[];
  changes: number;
  state: PolicyState;
}

/** Replays `ticks` from `start` (weights, or a whole state) with DEFAULT_POLICY overridden by `settings`. */
export function runScript(
  settings: Partial<PolicySettings>,
  ticks: ScriptTick[],
  options: { start?: Weights | PolicyState; everyMs?: number; startMs?: number } = {},
): ScriptRun {
  const start = options.start ?? { primary: 100, burst: 0 };
  const state = 'phase' in start ? start : resumeState({ weights: start });
  const everyMs = options.everyMs ?? 1000;
  const startMs = options.startMs ?? 0;
  const decisions = replay(
    { ...DEFAULT_POLICY, ...settings },
    state,
    ticks.map((tick, i) => ({ at: startMs + i * everyMs, observation: observationOfTick(tick) })),
  );
  const last = decisions.at(-1);
  return {
    decisions,
    weights: decisions.map((d) => weightsText(d.weights)),
    kinds: decisions.map((d) => d.kind),
    reasons: decisions.map((d) => d.reason),
    changes: decisions.filter((d) => d.changed).length,
    state: last ? last.state : state,
  };
}
