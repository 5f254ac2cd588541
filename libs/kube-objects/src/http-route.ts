/**
 * The worker HTTPRoute's weights (Gateway API, mesh routing with a Service as parent): one
 * backendRef per cluster's Service, each with its weight. Read and located here for every user of
 * the object; pure functions over plain objects.
 */
import { WORKER_BACKENDS, type BackendNames } from '@string-hashr/contract';
import { checkWeights, type Weights } from '@string-hashr/policy';
import { weightSlots, type RouteFlavour, type RouteObject } from './route-object.js';

type BackendRef = { group?: string; kind?: string; name?: string; weight?: number; [key: string]: unknown };

/** The fields of an HTTPRoute this module reads; everything else is carried through untouched. */
export interface HttpRouteLike extends RouteObject {
  spec?: {
    parentRefs?: Array<{ group?: string; kind?: string; name?: string; [key: string]: unknown }>;
    rules?: Array<{ backendRefs?: BackendRef[]; [key: string]: unknown }>;
    [key: string]: unknown;
  };
}

/** Gateway API's default for a backendRef without a weight. */
export const BACKEND_REF_DEFAULT_WEIGHT = 1;

/** A backendRef to the core Service `name` (group "" and kind Service are the defaults). */
function refersToService(ref: BackendRef, name: string): boolean {
  return ref.name === name && (ref.group ?? '') === '' && (ref.kind ?? 'Service') === 'Service';
}

/** Where the two weights are: the first rule with a backendRef to each backend Service. */
export function locateBackendWeights(
  route: HttpRouteLike,
  backends: BackendNames = WORKER_BACKENDS,
): { ruleIndex: number; primaryIndex: number; burstIndex: number; primary: BackendRef; burst: BackendRef } {
  for (const [ruleIndex, rule] of (route.spec?.rules ?? []).entries()) {
    const refs = rule.backendRefs ?? [];
    const primaryIndex = refs.findIndex((r) => refersToService(r, backends.primary));
    const burstIndex = refs.findIndex((r) => refersToService(r, backends.burst));
    const primary = refs[primaryIndex];
    const burst = refs[burstIndex];
    if (primary && burst) return { ruleIndex, primaryIndex, burstIndex, primary, burst };
  }
  const name = route.metadata?.name ?? 'HTTPRoute';
  throw new Error(
    `${name} has no rule with backendRefs to both Services "${backends.primary}" and "${backends.burst}"`,
  );
}

/**
 * The weights in force. Gateway API weights are proportions (an omitted one is 1); the watcher
 * writes whole percentages, so anything but integers 0..100 that sum to 100 is refused, not guessed.
 */
export function readBackendWeights(route: HttpRouteLike, backends: BackendNames = WORKER_BACKENDS): Weights {
  const at = locateBackendWeights(route, backends);
  const weights = {
    primary: at.primary.weight ?? BACKEND_REF_DEFAULT_WEIGHT,
    burst: at.burst.weight ?? BACKEND_REF_DEFAULT_WEIGHT,
  };
  try {
    checkWeights(weights);
  } catch (err) {
    throw new Error(`${route.metadata?.name ?? 'HTTPRoute'}: ${(err as Error).message}`);
  }
  return weights;
}

/** The worker HTTPRoute as a flavour of the watcher's route (route-flavour.ts). */
export function httpRouteFlavour(backends: BackendNames = WORKER_BACKENDS): RouteFlavour {
  return {
    kind: 'HTTPRoute',
    locate(object) {
      const at = locateBackendWeights(object as HttpRouteLike, backends);
      return weightSlots(['spec', 'rules', at.ruleIndex, 'backendRefs'], at);
    },
    read: (object) => readBackendWeights(object as HttpRouteLike, backends),
  };
}
