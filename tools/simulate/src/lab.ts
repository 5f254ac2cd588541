/** A trace through every policy of a lineup and the oracle: the figures of one scenario. */
import { overloadEpisodes, type PolicyFigures } from './figures.js';
import type { ModelSettings } from './model.js';
import { runOracle } from './oracle.js';
import type { PolicySpec } from './policies.js';
import { simulate, type Run } from './simulate.js';
import type { Trace } from './trace.js';

export interface LabResult {
  trace: string;
  seconds: number;
  policies: PolicyFigures[];
  oracle: PolicyFigures;
  /** The run of the policy asked for in `recordPolicy`, with its per-second series. */
  recorded?: Run;
}

export function runLab(
  trace: Trace,
  policies: PolicySpec[],
  model: ModelSettings,
  options: { recordPolicy?: string; progress?: (policy: string, seconds: number) => void } = {},
): LabResult {
  const episodes = overloadEpisodes(trace.rps, model.primaryCapacityRps);
  let recorded: Run | undefined;
  const figures = policies.map((policy) => {
    const record = policy.name === options.recordPolicy;
    const run = simulate(trace, policy, model, {
      episodes,
      record,
      progress: options.progress && ((s) => options.progress?.(policy.name, s)),
    });
    if (record) recorded = run;
    return run.figures;
  });
  return {
    trace: trace.name,
    seconds: trace.rps.length,
    policies: figures,
    oracle: runOracle(trace, model, episodes),
    recorded,
  };
}
