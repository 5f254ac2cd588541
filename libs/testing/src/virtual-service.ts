import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { NATURAL, type Weights } from '@string-hashr/policy';
import { findRoute, findVirtualService, routeFlavour, withRouteWeights, withWeights } from '@string-hashr/kube-objects';
import { WORKER_ROUTE_NAMES, WORKER_VIRTUAL_SERVICE, type RouteKind } from '@string-hashr/contract';

const states = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../istio-manifests/states');
const generated = path.join(states, 'natural.yaml');
/** Where `npm run manifests` writes each kind's natural state (tools/manifests/src/layout.ts STATES_DIRS). */
const GENERATED_STATES: Readonly<Record<RouteKind, string>> = {
  VirtualService: generated,
  HTTPRoute: path.join(states, 'gateway-api/natural.yaml'),
};

/**
 * The worker VirtualService exactly as `npm run manifests` generates it, at the given weights:
 * the format the watcher's file router and the mesh stand-in read.
 */
export function workerVirtualServiceYaml(weights: Weights = NATURAL): string {
  return stringify(
    withWeights(findVirtualService(readFileSync(generated, 'utf8'), WORKER_VIRTUAL_SERVICE).vs, weights),
  );
}

/** The worker route of either kind exactly as `npm run manifests` generates it, at the given weights. */
export function workerRouteYaml(kind: RouteKind, weights: Weights = NATURAL): string {
  const { route } = findRoute(readFileSync(GENERATED_STATES[kind], 'utf8'), { kind, name: WORKER_ROUTE_NAMES[kind] });
  return stringify(withRouteWeights(route, weights, routeFlavour(kind)));
}
