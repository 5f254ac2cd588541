import { DEFAULT_SUBSETS, WORKER_VIRTUAL_SERVICE } from '@string-hashr/contract';
import { readRouteState, writtenAnnotations, type VirtualServiceLike } from '@string-hashr/kube-objects';
import { checkWeights, NATURAL, type Weights } from '@string-hashr/policy';
import { RouterError, type RouteEvent, type Router } from './router.js';

/**
 * A VirtualService held in memory, with the Kubernetes router's semantics (a version bumped on
 * every write, writes that expect a version and an owner, conflicts) and no I/O: for the
 * watcher's unit tests and for simulations. `edit` changes it as someone else would.
 */
export function memoryRouter(initial: { weights?: Weights; annotations?: Record<string, string> } = {}) {
  let weights = initial.weights ?? NATURAL;
  let annotations: Record<string, string> = { ...initial.annotations };
  let version = 1;
  const events: RouteEvent[] = [];
  const writes: Array<{ owner: string; weights?: Weights; version: string }> = [];
  let failNext: RouterError | undefined;

  const object = (): VirtualServiceLike => ({
    metadata: { name: WORKER_VIRTUAL_SERVICE, resourceVersion: String(version), annotations: { ...annotations } },
    spec: {
      http: [
        {
          route: [
            { destination: { subset: DEFAULT_SUBSETS.primary }, weight: weights.primary },
            { destination: { subset: DEFAULT_SUBSETS.burst }, weight: weights.burst },
          ],
        },
      ],
    },
  });

  /** As the Kubernetes router reads it: an object it cannot take is `invalid`. */
  const stateOf = () => {
    try {
      return readRouteState(object());
    } catch (err) {
      throw new RouterError('invalid', (err as Error).message);
    }
  };

  const router: Router = {
    description: 'memory',
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
      if (write.change) {
        checkWeights(write.change.weights);
        weights = write.change.weights;
      }
      annotations = { ...annotations, ...writtenAnnotations(write) };
      version++;
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
