/**
 * The worker VirtualService's weights: the one thing the watcher changes. Read and edited here
 * for every user of the object: the watcher's routers, the local mesh stand-in and the manifest
 * generator. Pure functions over plain objects; nothing here does I/O.
 */
import { DEFAULT_SUBSETS, type SubsetNames } from '@string-hashr/contract';
import { checkWeights, type Weights } from '@string-hashr/policy';
import { checkedRouteWeights } from './route-weights.js';

/** The fields of a VirtualService this module reads; everything else is carried through untouched. */
export interface VirtualServiceLike {
  metadata?: { name?: string; namespace?: string; resourceVersion?: string; [key: string]: unknown };
  spec?: {
    http?: Array<{
      route?: Array<{
        destination?: { host?: string; subset?: string; [key: string]: unknown };
        weight?: number;
        [key: string]: unknown;
      }>;
      [key: string]: unknown;
    }>;
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

type Destination = NonNullable<NonNullable<NonNullable<VirtualServiceLike['spec']>['http']>[number]['route']>[number];

/** Where the two weights are: their indexes (for JSON Patch paths) and the destinations themselves. */
export interface WeightLocation {
  httpIndex: number;
  primaryIndex: number;
  burstIndex: number;
  primary: Destination;
  burst: Destination;
}

/** Finds the first HTTP route that has a destination for each subset; throws saying what is missing. */
export function locateWeights(vs: VirtualServiceLike, subsets: SubsetNames = DEFAULT_SUBSETS): WeightLocation {
  for (const [httpIndex, http] of (vs.spec?.http ?? []).entries()) {
    const route = http.route ?? [];
    const primaryIndex = route.findIndex((r) => r.destination?.subset === subsets.primary);
    const burstIndex = route.findIndex((r) => r.destination?.subset === subsets.burst);
    const primary = route[primaryIndex];
    const burst = route[burstIndex];
    if (primary && burst) return { httpIndex, primaryIndex, burstIndex, primary, burst };
  }
  const name = vs.metadata?.name ?? 'VirtualService';
  throw new Error(
    `${name} has no HTTP route with destinations for both subsets "${subsets.primary}" and "${subsets.burst}"`,
  );
}

/**
 * Current weights; an omitted weight counts as 0, as Istio does when several destinations are
 * listed. Throws when they are not whole percentages summing to 100 (`weight: "abc"` included).
 */
export function readWeights(vs: VirtualServiceLike, subsets: SubsetNames = DEFAULT_SUBSETS): Weights {
  const at = locateWeights(vs, subsets);
  return checkedRouteWeights(
    { primary: at.primary.weight ?? 0, burst: at.burst.weight ?? 0 },
    vs.metadata?.name ?? 'VirtualService',
  );
}

/** A copy of the object with only the two subset weights changed. */
export function withWeights<T extends VirtualServiceLike>(
  vs: T,
  weights: Weights,
  subsets: SubsetNames = DEFAULT_SUBSETS,
): T {
  checkWeights(weights);
  const copy = structuredClone(vs);
  const at = locateWeights(copy, subsets);
  at.primary.weight = weights.primary;
  at.burst.weight = weights.burst;
  return copy;
}

export type JsonPatchOp = { op: 'test' | 'replace' | 'add'; path: string; value: unknown };
