/**
 * The oracle: the lower bound no real policy can beat. It knows the true load now and ahead, so
 * each second it sends primary exactly what primary serves (whole-percent weights, as Istio's)
 * and the rest to burst, and it starts the burst pods (and nodes) it will need ahead of time by
 * exactly their cold start, so they are ready the second they are needed and not a second before.
 * The pods it runs are those the autoscaler settles on for that load (at its target utilization:
 * the infrastructure is the same for every policy); it pays for their start-up like anyone and
 * removes them the second they are not needed. Overload is then only what exceeds both sides at
 * full size.
 */
import { overloadEpisodes, timeToBurst, type Episode, type PolicyFigures } from './figures.js';
import type { ModelSettings } from './model.js';
import { requestsPerSecond } from './frontend.js';
import type { Trace } from './trace.js';

/** For each i, the largest of values[i .. i + span] (a monotonic deque, one pass from the end). */
export function lookaheadMax(values: Int32Array, span: number): Int32Array {
  const out = new Int32Array(values.length);
  const deque = new Int32Array(values.length);
  let head = 0;
  let tail = 0;
  const reach = Math.max(0, Math.ceil(span));
  for (let i = values.length - 1; i >= 0; i--) {
    const v = values[i] ?? 0;
    while (tail > head && (values[deque[tail - 1] ?? 0] ?? 0) <= v) tail--;
    deque[tail++] = i;
    while ((deque[head] ?? 0) > i + reach) head++;
    out[i] = values[deque[head] ?? i] ?? 0;
  }
  return out;
}

export function runOracle(trace: Trace, model: ModelSettings, episodes?: Episode[]): PolicyFigures {
  const rps = requestsPerSecond(trace.rps, model.frontendWholeRequests === 1);
  const n = rps.length;
  const cap = model.primaryCapacityRps;
  const maxBurst = model.burstMaxPods * model.burstPodCapacityRps;
  const podsNeeded = new Int32Array(n);
  let overloadRequests = 0;
  let total = 0;
  let weightChanges = 0;
  let previousPrimary = 100;
  for (let s = 0; s < n; s++) {
    const load = rps[s] ?? 0;
    total += load;
    const primary = load <= cap ? 100 : Math.max(0, Math.min(100, Math.floor((100 * cap) / load)));
    if (primary !== previousPrimary) weightChanges++;
    previousPrimary = primary;
    const toBurst = (load * (100 - primary)) / 100;
    overloadRequests += Math.max(0, load * (primary / 100) - cap) + Math.max(0, toBurst - maxBurst);
    const pods = Math.ceil(toBurst / (model.burstPodCapacityRps * model.hpaTargetUtilization) - 1e-9);
    podsNeeded[s] = Math.min(model.burstMaxPods, Math.max(model.burstMinPods, pods));
  }
  // A pod exists from its start (podStartSeconds ahead) to the second it is no longer needed.
  const pods = lookaheadMax(podsNeeded, model.podStartSeconds);
  const nodesNeeded = new Int32Array(n);
  for (let s = 0; s < n; s++)
    nodesNeeded[s] = Math.max(model.burstMinNodes, Math.ceil((pods[s] ?? 0) / model.podsPerNode));
  const nodes = lookaheadMax(nodesNeeded, model.nodeProvisionSeconds);
  let podSeconds = 0;
  let nodeSeconds = 0;
  for (let s = 0; s < n; s++) {
    podSeconds += Math.max(0, (pods[s] ?? 0) - model.burstMinPods);
    nodeSeconds += Math.max(0, (nodes[s] ?? 0) - model.burstMinNodes);
  }
  const eps = episodes ?? overloadEpisodes(trace.rps, cap);
  return {
    name: 'oracle',
    servedShare: total > 0 ? 1 - overloadRequests / total : 1,
    overloadRequests,
    burstPodSeconds: podSeconds,
    burstNodeMinutes: nodeSeconds / 60,
    weightChanges,
    rollbacks: 0,
    ...timeToBurst(eps.map(() => 0)),
    requests: total,
  };
}
