/**
 * The seam between the watcher's state on the worker route and the route's kind: where the two
 * weights sit in the object. A VirtualService keeps them on its subsets' destinations, an HTTPRoute
 * on its backendRefs; everything else (the annotations, the fenced JSON Patch, the YAML file) is
 * the same for both and lives in route-state.ts and route-yaml.ts.
 */
import { DEFAULT_SUBSETS, type RouteKind, type SubsetNames } from '@string-hashr/contract';
import { checkWeights, type Weights } from '@string-hashr/policy';
import { httpRouteFlavour } from './http-route.js';
import { locateWeights, readWeights, type VirtualServiceLike } from './virtual-service.js';

/** The fields every route object has that this library reads; the rest is carried through untouched. */
export interface RouteObject {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; resourceVersion?: string; [key: string]: unknown };
  [key: string]: unknown;
}

/** One weight: its path from the object's root (a JSON Pointer's tokens, a YAML path), and its value as read. */
export interface WeightSlot {
  path: Array<string | number>;
  /** Absent in the object: the kind's default applies (VirtualService: 0; HTTPRoute: 1). */
  weight: number | undefined;
}

export interface RouteFlavour {
  kind: RouteKind;
  /** Where the primary and burst weights are; throws saying what is missing. */
  locate(object: RouteObject): { primary: WeightSlot; burst: WeightSlot };
  /** The weights in force; throws when they cannot be found or are not integers 0..100 summing to 100. */
  read(object: RouteObject): Weights;
}

/** What the route-state functions accept: a flavour, or the subsets of a VirtualService (the default). */
export type RouteShape = RouteFlavour | SubsetNames;

/** The worker VirtualService: the weights on the destinations of its two subsets (virtual-service.ts). */
export function virtualServiceFlavour(subsets: SubsetNames = DEFAULT_SUBSETS): RouteFlavour {
  return {
    kind: 'VirtualService',
    locate(object) {
      const at = locateWeights(object as VirtualServiceLike, subsets);
      const route = ['spec', 'http', at.httpIndex, 'route'];
      return {
        primary: { path: [...route, at.primaryIndex, 'weight'], weight: at.primary.weight },
        burst: { path: [...route, at.burstIndex, 'weight'], weight: at.burst.weight },
      };
    },
    read: (object) => readWeights(object as VirtualServiceLike, subsets),
  };
}

/** The worker route's flavour for a kind, with the contract's subsets or backends. */
export function routeFlavour(kind: RouteKind): RouteFlavour {
  return kind === 'HTTPRoute' ? httpRouteFlavour() : virtualServiceFlavour();
}

/** The flavour a shape stands for: older callers pass subsets, meaning a VirtualService. */
export function flavourOf(shape: RouteShape = DEFAULT_SUBSETS): RouteFlavour {
  return 'locate' in shape ? shape : virtualServiceFlavour(shape);
}

/** A copy of the route with only its two weights changed (in whole percent, checked). */
export function withRouteWeights<T extends RouteObject>(object: T, weights: Weights, flavour: RouteFlavour): T {
  checkWeights(weights);
  const copy = structuredClone(object);
  const at = flavour.locate(copy);
  for (const [slot, weight] of [
    [at.primary, weights.primary],
    [at.burst, weights.burst],
  ] as const) {
    const parent = slot.path.slice(0, -1).reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], copy);
    (parent as Record<string, unknown>)[String(slot.path.at(-1))] = weight;
  }
  return copy;
}
