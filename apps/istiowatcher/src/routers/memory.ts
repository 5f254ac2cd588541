import {
  DEFAULT_ROUTE_KIND,
  DEFAULT_SUBSETS,
  WORKER_BACKENDS,
  WORKER_ROUTE_NAMES,
  routeApiVersion,
  type RouteKind,
} from '@string-hashr/contract';
import { readRouteState, routeFlavour, writtenAnnotations, type RouteObject } from '@string-hashr/kube-objects';
import { checkWeights, NATURAL, type Weights } from '@string-hashr/policy';
import { RouterError, type RouteEvent, type Router } from './router.js';

/**
 * The worker route (a VirtualService, or an HTTPRoute with `kind`) held in memory, with the Kubernetes router's semantics (a version bumped on
 * every write, writes that expect a version and an owner, conflicts) and no I/O: for the
 * watcher's unit tests and for simulations. `edit` changes it as someone else would.
 */
export function memoryRouter(
  initial: { weights?: Weights; annotations?: Record<string, string>; kind?: RouteKind } = {},
) {
  const kind = initial.kind ?? DEFAULT_ROUTE_KIND;
  const flavour = routeFlavour(kind);
  let weights = initial.weights ?? NATURAL;
  let annotations: Record<string, string> = { ...initial.annotations };
  let version = 1;
  const events: RouteEvent[] = [];
  const writes: Array<{ owner: string; weights?: Weights; version: string }> = [];
  let failNext: RouterError | undefined;

  const spec = () =>
    kind === 'HTTPRoute'
      ? {
          rules: [
            {
              backendRefs: [
                { name: WORKER_BACKENDS.primary, weight: weights.primary },
                { name: WORKER_BACKENDS.burst, weight: weights.burst },
              ],
            },
          ],
        }
      : {
          http: [
            {
              route: [
                { destination: { subset: DEFAULT_SUBSETS.primary }, weight: weights.primary },
                { destination: { subset: DEFAULT_SUBSETS.burst }, weight: weights.burst },
              ],
            },
          ],
        };
  const object = (): RouteObject => ({
    apiVersion: routeApiVersion(kind),
    kind,
    metadata: { name: WORKER_ROUTE_NAMES[kind], resourceVersion: String(version), annotations: { ...annotations } },
    spec: spec(),
  });

  /** As the Kubernetes router reads it: an object it cannot take is `invalid`. */
  const stateOf = () => {
    try {
      return readRouteState(object(), flavour);
    } catch (err) {
      throw new RouterError('invalid', (err as Error).message);
    }
  };

  const router: Router = {
    description: `memory ${kind}`,
    async read() {
      if (failNext) {
        const err = failNext;
        failNext = undefined;
        throw err;
      }
      return stateOf();
    },
    async write(write) {
      if (failNext) {
        const err = failNext;
        failNext = undefined;
        throw err;
      }
      if (write.expect.version !== undefined && write.expect.version !== String(version))
        throw new RouterError('conflict', `changed since version ${write.expect.version} (now ${version})`);
      if (write.expect.owner !== undefined && write.expect.owner !== annotations['burst.string-hashr.dev/owner'])
        throw new RouterError('conflict', `not owned by ${write.expect.owner}`);
      const before = JSON.stringify([weights, annotations]);
      if (write.change) {
        checkWeights(write.change.weights);
        weights = write.change.weights;
      }
      annotations = { ...annotations, ...writtenAnnotations(write) };
      // As the API server: a write that changes nothing stores nothing, and the version stays.
      if (JSON.stringify([weights, annotations]) !== before) version++;
      writes.push({ owner: write.owner, version: String(version), ...(write.change ? { weights } : {}) });
      return stateOf();
    },
    async record(event) {
      events.push(event);
    },
    async close() {},
  };

  return {
    router,
    events,
    /** Every write that landed, with its writer's token. */
    writes,
    weights: () => weights,
    /** The object as a reader of its kind sees it. */
    object,
    version: () => String(version),
    annotations: () => ({ ...annotations }),
    /** A change by someone else (kubectl): a new version. */
    edit(change: { weights?: Weights; annotations?: Record<string, string | undefined> }): void {
      if (change.weights) weights = change.weights;
      for (const [key, value] of Object.entries(change.annotations ?? {})) {
        if (value === undefined) delete annotations[key];
        else annotations[key] = value;
      }
      version++;
    },
    /** The next read or write fails with `err`. */
    failNext(err: RouterError): void {
      failNext = err;
    },
  };
}
