/**
 * The worker VirtualService's weights: the one thing the watcher changes. Read and edited here
 * for every user of the object: the watcher's routers, the local mesh stand-in and the manifest
 * generator. Pure functions over plain objects; nothing here does I/O.
 */

export interface Weights {
  primary: number;
  burst: number;
}

export interface SubsetNames {
  primary: string;
  burst: string;
}

export const DEFAULT_SUBSETS: SubsetNames = { primary: 'primary', burst: 'burst' };
export const NATURAL: Weights = { primary: 100, burst: 0 };
export const ALL_BURST: Weights = { primary: 0, burst: 100 };

/** The fields of a VirtualService this module reads; everything else is carried through untouched. */
export interface VirtualServiceLike {
  metadata?: { name?: string; namespace?: string; resourceVersion?: string; [key: string]: unknown };
  spec?: {
    http?: Array<{ route?: Array<{ destination?: { host?: string; subset?: string; [key: string]: unknown }; weight?: number; [key: string]: unknown }>; [key: string]: unknown }>;
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

export interface WeightLocation {
  httpIndex: number;
  primaryIndex: number;
  burstIndex: number;
}

export function weightsEqual(a: Weights, b: Weights): boolean {
  return a.primary === b.primary && a.burst === b.burst;
}

/** Weights are whole percentages that sum to 100 (so never both 0). */
export function checkWeights(weights: Weights): void {
  const { primary, burst } = weights;
  if (![primary, burst].every((w) => Number.isInteger(w) && w >= 0 && w <= 100) || primary + burst !== 100) {
    throw new Error(`invalid weights primary=${primary} burst=${burst}: expected integers 0-100 that sum to 100`);
  }
}

/** Finds the first HTTP route that has a destination for each subset; throws saying what is missing. */
export function locateWeights(vs: VirtualServiceLike, subsets: SubsetNames = DEFAULT_SUBSETS): WeightLocation {
  const routes = vs.spec?.http ?? [];
  for (let httpIndex = 0; httpIndex < routes.length; httpIndex++) {
    const route = routes[httpIndex].route ?? [];
    const primaryIndex = route.findIndex((r) => r.destination?.subset === subsets.primary);
    const burstIndex = route.findIndex((r) => r.destination?.subset === subsets.burst);
    if (primaryIndex >= 0 && burstIndex >= 0) return { httpIndex, primaryIndex, burstIndex };
  }
  const name = vs.metadata?.name ?? 'VirtualService';
  throw new Error(`${name} has no HTTP route with destinations for both subsets "${subsets.primary}" and "${subsets.burst}"`);
}

/** Current weights; an omitted weight counts as 0, as Istio does when several destinations are listed. */
export function readWeights(vs: VirtualServiceLike, subsets: SubsetNames = DEFAULT_SUBSETS): Weights {
  const at = locateWeights(vs, subsets);
  const route = vs.spec!.http![at.httpIndex].route!;
  return { primary: route[at.primaryIndex].weight ?? 0, burst: route[at.burstIndex].weight ?? 0 };
}

/** A copy of the object with only the two subset weights changed. */
export function withWeights<T extends VirtualServiceLike>(vs: T, weights: Weights, subsets: SubsetNames = DEFAULT_SUBSETS): T {
  checkWeights(weights);
  const at = locateWeights(vs, subsets);
  const copy = structuredClone(vs);
  const route = copy.spec!.http![at.httpIndex].route!;
  route[at.primaryIndex].weight = weights.primary;
  route[at.burstIndex].weight = weights.burst;
  return copy;
}

export type JsonPatchOp = { op: 'test' | 'replace' | 'add'; path: string; value: unknown };

/**
 * A JSON Patch (RFC 6902) that changes only the two weights, guarded by `test` ops on the
 * resourceVersion and the weights as read, so it fails instead of overwriting someone else's edit.
 */
export function weightPatch(vs: VirtualServiceLike, weights: Weights, subsets: SubsetNames = DEFAULT_SUBSETS): JsonPatchOp[] {
  checkWeights(weights);
  const at = locateWeights(vs, subsets);
  const route = vs.spec!.http![at.httpIndex].route!;
  const base = `/spec/http/${at.httpIndex}/route`;
  const ops: JsonPatchOp[] = [];
  if (vs.metadata?.resourceVersion) ops.push({ op: 'test', path: '/metadata/resourceVersion', value: vs.metadata.resourceVersion });
  for (const [index, weight] of [
    [at.primaryIndex, weights.primary],
    [at.burstIndex, weights.burst],
  ] as const) {
    const current = route[index].weight;
    if (current === undefined) ops.push({ op: 'add', path: `${base}/${index}/weight`, value: weight });
    else ops.push({ op: 'test', path: `${base}/${index}/weight`, value: current }, { op: 'replace', path: `${base}/${index}/weight`, value: weight });
  }
  return ops;
}
