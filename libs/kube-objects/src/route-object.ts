/** The shape of a worker route object and of a flavour: where a route kind keeps its two weights (route-flavour.ts picks one). */
import type { RouteKind } from '@string-hashr/contract';
import type { Weights } from '@string-hashr/policy';

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

/** The two weights' slots in `list` (the path to the array that holds both destinations), at the indexes found. */
export function weightSlots(
  list: Array<string | number>,
  at: { primaryIndex: number; burstIndex: number; primary: { weight?: number }; burst: { weight?: number } },
): { primary: WeightSlot; burst: WeightSlot } {
  return {
    primary: { path: [...list, at.primaryIndex, 'weight'], weight: at.primary.weight },
    burst: { path: [...list, at.burstIndex, 'weight'], weight: at.burst.weight },
  };
}
