/**
 * The seam between the watcher's state on the worker route and the route's kind: where the two
 * weights sit in the object. A VirtualService keeps them on its subsets' destinations, an HTTPRoute
 * on its backendRefs; everything else (the annotations, the fenced JSON Patch, the YAML file) is
 * the same for both and lives in route-state.ts and route-yaml.ts.
 */
import { DEFAULT_SUBSETS, type RouteKind, type SubsetNames } from '@string-hashr/contract';
import { checkWeights, type Weights } from '@string-hashr/policy';
import { httpRouteFlavour } from './http-route.js';
import { weightSlots, type RouteFlavour, type RouteObject } from './route-object.js';
import { locateWeights, readWeights, type VirtualServiceLike } from './virtual-service.js';

export type { RouteFlavour, RouteObject, WeightSlot } from './route-object.js';

/** What the route-state functions accept: a flavour, or the subsets of a VirtualService (the default). */
export type RouteShape = RouteFlavour | SubsetNames;

/** The worker VirtualService: the weights on the destinations of its two subsets (virtual-service.ts). */
export function virtualServiceFlavour(subsets: SubsetNames = DEFAULT_SUBSETS): RouteFlavour {
  return {
    kind: 'VirtualService',
    locate(object) {
      const at = locateWeights(object as VirtualServiceLike, subsets);
      return weightSlots(['spec', 'http', at.httpIndex, 'route'], at);
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
