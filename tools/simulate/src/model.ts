/**
 * The model's parameters: what the clusters can serve, how the burst side grows, and how the
 * watcher sees the traffic. Each has a command-line flag (`--pod-start-seconds 20`); README.md
 * says where each default comes from.
 */

export interface ModelSettings {
  /** What primary serves (req/s); beyond it requests are overload. */
  primaryCapacityRps: number;
  /** What one burst worker pod serves (req/s), at its CPU request. */
  burstPodCapacityRps: number;
  /** The burst worker's HorizontalPodAutoscaler. */
  burstMinPods: number;
  burstMaxPods: number;
  /** Target CPU utilization (0..1 of a pod's capacity). */
  hpaTargetUtilization: number;
  /** How often the HPA recomputes (kube-controller-manager's sync period). */
  hpaSyncSeconds: number;
  /** The HPA sees the served load averaged over this window (metrics-server resolution). */
  hpaMetricsWindowSeconds: number;
  /** The HPA leaves the replicas alone while usage is within this fraction of the target. */
  hpaTolerance: number;
  /** Scale down only to the highest recommendation of this window. */
  hpaScaleDownStabilizationSeconds: number;
  /** The same window while the watcher holds the HPA's minReplicas (warm design `min-replicas`). */
  hpaWarmScaleDownStabilizationSeconds: number;
  /** From a pod's creation on a ready node to it passing readiness. */
  podStartSeconds: number;
  /** Burst worker pods that fit on one node. */
  podsPerNode: number;
  burstMinNodes: number;
  burstMaxNodes: number;
  /** From pods that do not fit to a new node being ready (cluster autoscaler + VM boot). */
  nodeProvisionSeconds: number;
  /** A node the pods no longer need is removed after this long. */
  nodeScaleDownSeconds: number;
  /** Prometheus's scrape interval and the phase of its scrapes within it. */
  scrapeIntervalSeconds: number;
  scrapeOffsetSeconds: number;
  /** The phase of the watcher's ticks within its interval. */
  tickOffsetSeconds: number;
  /**
   * 1: requests as the frontend's scheduler sends them when a page (or `npm run replay`) sets
   * each second's rate: whole, the schedule restarted at every change; 0: the trace's rate as a
   * continuous flow (traffic as the trace describes it).
   */
  frontendWholeRequests: number;
}

interface Bound {
  min: number;
  /** The value must be above min, not equal to it. */
  exclusive?: boolean;
  max?: number;
  integer?: boolean;
}

const BOUNDS: Record<keyof ModelSettings, Bound> = {
  primaryCapacityRps: { min: 0 },
  burstPodCapacityRps: { min: 0, exclusive: true },
  burstMinPods: { min: 0, integer: true },
  burstMaxPods: { min: 1, integer: true },
  hpaTargetUtilization: { min: 0, exclusive: true, max: 1 },
  hpaSyncSeconds: { min: 1, integer: true },
  hpaMetricsWindowSeconds: { min: 1, integer: true },
  hpaTolerance: { min: 0, max: 1 },
  hpaScaleDownStabilizationSeconds: { min: 0 },
  hpaWarmScaleDownStabilizationSeconds: { min: 0 },
  podStartSeconds: { min: 0 },
  podsPerNode: { min: 1, integer: true },
  burstMinNodes: { min: 0, integer: true },
  burstMaxNodes: { min: 1, integer: true },
  nodeProvisionSeconds: { min: 0 },
  nodeScaleDownSeconds: { min: 0 },
  scrapeIntervalSeconds: { min: 0, exclusive: true },
  scrapeOffsetSeconds: { min: 0 },
  tickOffsetSeconds: { min: 0 },
  frontendWholeRequests: { min: 0, max: 1, integer: true },
};

export const MODEL_KEYS = Object.keys(BOUNDS) as Array<keyof ModelSettings>;

/** `burstPodCapacityRps` -> `--burst-pod-capacity-rps`. */
export function flagOf(key: keyof ModelSettings): string {
  return `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

export class SettingError extends Error {
  override name = 'SettingError';
}

/** Checks every parameter; the first problem throws naming its flag and what it expected. */
export function checkModel(model: ModelSettings): ModelSettings {
  for (const key of MODEL_KEYS) {
    const value = model[key];
    const b = BOUNDS[key];
    const expected = `${b.integer ? 'an integer' : 'a number'} ${b.exclusive ? '>' : '>='} ${b.min}${b.max !== undefined ? ` and <= ${b.max}` : ''}`;
    const ok =
      typeof value === 'number' &&
      Number.isFinite(value) &&
      (b.exclusive ? value > b.min : value >= b.min) &&
      (b.max === undefined || value <= b.max) &&
      (!b.integer || Number.isInteger(value));
    if (!ok) throw new SettingError(`${flagOf(key)} is not valid: expected ${expected}, got ${value}`);
  }
  const pairs: Array<[keyof ModelSettings, keyof ModelSettings]> = [
    ['burstMinPods', 'burstMaxPods'],
    ['burstMinNodes', 'burstMaxNodes'],
  ];
  for (const [low, high] of pairs)
    if (model[low] > model[high])
      throw new SettingError(`${flagOf(low)} (${model[low]}) must not be above ${flagOf(high)} (${model[high]})`);
  if (model.burstMinPods > model.burstMinNodes * model.podsPerNode)
    throw new SettingError(
      `${flagOf('burstMinPods')} (${model.burstMinPods}) must fit on ${flagOf('burstMinNodes')} x ${flagOf('podsPerNode')} (${model.burstMinNodes} x ${model.podsPerNode})`,
    );
  if (model.scrapeOffsetSeconds >= model.scrapeIntervalSeconds)
    throw new SettingError(`${flagOf('scrapeOffsetSeconds')} must be below ${flagOf('scrapeIntervalSeconds')}`);
  return model;
}

/** Applies `--flag value` overrides (already split into pairs) to a model, naming a bad flag or value. */
export function overrideModel(model: ModelSettings, overrides: Array<[string, string]>): ModelSettings {
  const next = { ...model };
  for (const [flag, text] of overrides) {
    const key = MODEL_KEYS.find((k) => flagOf(k) === flag);
    if (!key) throw new SettingError(`unknown model parameter ${flag}`);
    const value = text.trim() === '' ? NaN : Number(text);
    if (!Number.isFinite(value)) throw new SettingError(`${flag} is not valid: expected a number, got "${text}"`);
    next[key] = value;
  }
  return checkModel(next);
}
