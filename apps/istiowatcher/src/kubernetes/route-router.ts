import { CoreV1Api, CustomObjectsApi, Watch, type KubeConfig } from '@kubernetes/client-node';
import { ROUTE_KINDS } from '@string-hashr/contract';
import { readRouteState, statePatch, type RouteObject, type RouteState } from '@string-hashr/kube-objects';
import type { Logger } from '@string-hashr/runtime';
import { flavourOfRoute, type RouteRef } from '../config.js';
import { RouterError, type RouteEvent, type Router } from '../routers/router.js';
import { apiFailure, describeApiError } from './errors.js';
import { API_CALL_TIMEOUT_MS, JSON_PATCH, withDeadline } from './requests.js';

export interface KubernetesRouterOptions {
  /** Who this replica is, in the Events it records. */
  identity: string;
  /** Watch the object (default true): edits by others are seen as they happen, and reads cost no call. */
  watch?: boolean;
  /** The server ends a watch after this long, and a silent one is restarted after this plus 30 s. */
  watchTimeoutSeconds?: number;
  /** A watch the server has not answered (no headers) within this long is given up and tried again. */
  watchConnectSeconds?: number;
}

/** An ERROR event other than 410 Gone in a watch stream: the watch failed and is listed again after a backoff. */
class WatchErrorEvent extends Error {
  constructor(
    readonly statusCode: number | undefined,
    detail: string | undefined,
  ) {
    super(`the API server ended the watch with an error event${statusCode ? ` (${statusCode})` : ''}: ${detail ?? ''}`);
    this.name = 'WatchErrorEvent';
  }
}

/** Whether resourceVersion `a` is older than `b`. They are etcd revisions (decimal) in practice; otherwise, newest seen wins. */
function olderThan(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined || !/^\d+$/.test(a) || !/^\d+$/.test(b)) return false;
  return BigInt(a) < BigInt(b);
}

/**
 * The worker route (a VirtualService or an HTTPRoute: the flavour says where its weights are)
 * through the Kubernetes API. Reads come from a watch on that one
 * object (resourceVersion-based, listed again when the server says the version is too old: 410
 * Gone, or after a backoff on any other error event), or from a GET when the watch is not running or a fresh read is asked for. Writes are one
 * JSON Patch built by `statePatch`, which `test`s the resourceVersion and the owner: a failed test
 * (422) or 409 is a `conflict`, thrown and never retried here; any other 422 is `invalid`. Every
 * call is aborted at its deadline.
 */
export function kubernetesRouter(
  kc: KubeConfig,
  route: RouteRef,
  log: Logger,
  options: KubernetesRouterOptions,
): Router {
  const [group = '', version = ''] = route.apiVersion.split('/');
  const { plural } = ROUTE_KINDS[route.kind];
  const flavour = flavourOfRoute(route);
  const what = `${route.kind} ${route.namespace}/${route.name}`;
  const objects = kc.makeApiClient(CustomObjectsApi);
  const core = kc.makeApiClient(CoreV1Api);
  const target = { group, version, namespace: route.namespace, plural, name: route.name };
  const call = (verb: string) => ({ verb, resource: plural, group, namespace: route.namespace, name: route.name });
  const collectionPath = `/apis/${group}/${version}/namespaces/${encodeURIComponent(route.namespace)}/${plural}`;
  const fieldSelector = `metadata.name=${route.name}`;
  const watchTimeoutSeconds = options.watchTimeoutSeconds ?? 300;
  const watchConnectSeconds = options.watchConnectSeconds ?? 10;
  /** Ends the watch request in flight that has no answer yet: its request cannot be aborted before then. */
  let abandonWatch: (() => void) | undefined;

  /** The newest object seen (GET, patch answer, or watch), and every version read lately, for writes. */
  let newest: RouteObject | undefined;
  const readAt = new Map<string, RouteObject>();
  /** Versions this router wrote: their watch events are not someone else's edit. */
  const ownVersions = new Set<string>();
  const listeners: Array<() => void> = [];
  let closed = false;
  let wakeFromBackoff: (() => void) | undefined;
  let watch: { synced: boolean; abort?: AbortController; loop?: Promise<void>; present: boolean } | undefined;

  function remember(object: RouteObject): void {
    const rv = object.metadata?.resourceVersion;
    if (!olderThan(rv, newest?.metadata?.resourceVersion)) newest = object;
    if (rv) {
      readAt.set(rv, object);
      // A write names the version it read; a handful is plenty.
      for (const key of readAt.keys()) if (readAt.size > 16) readAt.delete(key);
    }
  }

  function stateOf(object: RouteObject): RouteState {
    try {
      return readRouteState(object, flavour);
    } catch (err) {
      throw new RouterError('invalid', `${what}: ${(err as Error).message}`);
    }
  }

  async function get(): Promise<RouteObject> {
    try {
      const object = (await withDeadline(API_CALL_TIMEOUT_MS, `get ${plural}`, (o) =>
        objects.getNamespacedCustomObject(target, o),
      )) as RouteObject;
      remember(object);
      return object;
    } catch (err) {
      throw describeApiError(err, call('get'));
    }
  }

  // ---- the watch ---------------------------------------------------------------------------

  /** Lists the one object; the list's resourceVersion is where the watch starts. */
  async function list(): Promise<string> {
    const answer = (await withDeadline(API_CALL_TIMEOUT_MS, `list ${plural}`, (o) =>
      objects.listNamespacedCustomObject({ group, version, namespace: route.namespace, plural, fieldSelector }, o),
    )) as { metadata?: { resourceVersion?: string }; items?: RouteObject[] };
    const item = answer.items?.find((i) => i.metadata?.name === route.name);
    if (watch) watch.present = item !== undefined;
    if (item) remember(item);
    const rv = answer.metadata?.resourceVersion;
    if (!rv) throw new Error('the list answer has no resourceVersion');
    return rv;
  }

  /**
   * One watch request from `from`; resolves with where to resume, or `expired` (410: list again).
   * Any other ERROR event rejects with a WatchErrorEvent: the loop backs off and lists again.
   */
  function watchOnce(from: string, onEstablished: () => void): Promise<{ next: string; expired: boolean }> {
    return new Promise((resolve, reject) => {
      let next = from;
      let expired = false;
      let failed: WatchErrorEvent | undefined;
      let silence: NodeJS.Timeout | undefined;
      let controller: AbortController | undefined;
      // A frozen server may take the request and never answer: give up on it, and let close() do so.
      let abandoned = false;
      const unanswered = setTimeout(() => {
        abandoned = true;
        reject(new Error(`no answer to the watch within ${watchConnectSeconds} s`));
      }, watchConnectSeconds * 1000);
      abandonWatch = () => {
        abandoned = true;
        resolve({ next, expired: false });
      };
      const quietFor = () => {
        clearTimeout(silence);
        // A watch that delivers nothing, not even its end, past the server's own timeout is dead.
        silence = setTimeout(() => controller?.abort(), (watchTimeoutSeconds + 30) * 1000);
      };
      const watcher = new Watch(kc);
      watcher
        .watch(
          collectionPath,
          {
            fieldSelector,
            resourceVersion: from,
            allowWatchBookmarks: true,
            timeoutSeconds: watchTimeoutSeconds,
          },
          (type: string, object: RouteObject & { code?: number; message?: string }) => {
            if (abandoned) return;
            quietFor();
            if (type === 'ERROR') {
              if (object.code === 410) expired = true;
              else {
                failed ??= new WatchErrorEvent(object.code, object.message);
                // The stream's versions after an error are not to be trusted: end it here.
                controller?.abort();
              }
              return;
            }
            if (failed) return;
            const rv = object.metadata?.resourceVersion;
            if (rv) next = rv;
            if (type === 'BOOKMARK') return;
            if (type === 'DELETED') {
              if (watch) watch.present = false;
              newest = undefined;
              return;
            }
            if (watch) watch.present = true;
            remember(object);
            if (rv && !ownVersions.has(rv)) for (const listener of listeners) listener();
          },
          (err: unknown) => {
            clearTimeout(silence);
            clearTimeout(unanswered);
            if (watch) watch.synced = false;
            if (failed) reject(failed);
            else if (err && !(err instanceof Error && err.name === 'AbortError') && !expired) reject(err);
            else resolve({ next, expired });
          },
        )
        .then((c) => {
          clearTimeout(unanswered);
          // Answered after it was given up: a newer watch has taken its place.
          if (abandoned) return void c.abort();
          controller = c;
          if (closed) c.abort();
          if (watch) watch.abort = c;
          if (!c.signal.aborted) {
            quietFor();
            onEstablished();
          }
        }, reject)
        .finally(() => clearTimeout(unanswered));
    });
  }

  /** Waits before trying again, longer each time (up to 30 s); close() cuts it short. */
  function backoff(attempt: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, Math.min(30_000, 250 * 2 ** Math.min(attempt, 7)));
      wakeFromBackoff = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  async function watchLoop(): Promise<void> {
    let from: string | undefined;
    let failures = 0;
    let expiries = 0;
    while (!closed) {
      try {
        from ??= await list();
        const result = await watchOnce(from, () => {
          if (watch) watch.synced = true;
          failures = 0;
        });
        if (result.expired) {
          log.info(`the watch of the ${route.kind} expired (410 Gone): listing it again`);
          from = undefined;
          // Expired again straight after a list: do not hammer the API server.
          if (++expiries > 1) await backoff(expiries);
        } else {
          from = result.next;
          expiries = 0;
        }
      } catch (err) {
        if (closed) return;
        if (watch) watch.synced = false;
        failures++;
        const status = (err as { statusCode?: number }).statusCode ?? apiFailure(err).code;
        // After an ERROR event (a 500 after a compaction, say) the version held is suspect: list again.
        if (status === 410 || err instanceof WatchErrorEvent) from = undefined;
        // Reads fall back to GETs meanwhile; say so once, not on every retry.
        if (failures === 1)
          log.warn(`cannot watch the ${route.kind}; reading it on each tick until the watch is back`, {
            detail: err instanceof WatchErrorEvent ? err.message : status ? `HTTP ${status}` : (err as Error).message,
          });
        await backoff(failures);
      }
    }
  }

  function startWatch(): void {
    if (watch || closed || options.watch === false) return;
    watch = { synced: false, present: false };
    watch.loop = watchLoop();
  }

  // ---- Events --------------------------------------------------------------------------------

  async function record(event: RouteEvent): Promise<void> {
    const now = new Date();
    const metadata = (newest?.metadata ?? {}) as { uid?: string; resourceVersion?: string };
    try {
      await withDeadline(API_CALL_TIMEOUT_MS, 'create event', (o) =>
        core.createNamespacedEvent(
          {
            namespace: route.namespace,
            body: {
              metadata: { generateName: `${route.name}.`, namespace: route.namespace },
              involvedObject: {
                apiVersion: route.apiVersion,
                kind: route.kind,
                name: route.name,
                namespace: route.namespace,
                uid: metadata.uid,
                resourceVersion: metadata.resourceVersion,
              },
              type: event.type,
              reason: event.reason,
              message: event.message.slice(0, 1024),
              source: { component: 'istiowatcher', host: options.identity },
              reportingComponent: 'istiowatcher',
              reportingInstance: options.identity,
              firstTimestamp: now,
              lastTimestamp: now,
              count: 1,
            },
          },
          o,
        ),
      );
    } catch (err) {
      // A missing Event is worth a warning, not a retry.
      const problem = describeApiError(err, {
        verb: 'create',
        resource: 'events',
        group: '',
        namespace: route.namespace,
      });
      log.warn(`could not record an Event (${event.reason}): ${problem.message}`);
    }
  }

  return {
    description: `kubernetes ${route.apiVersion} ${what}`,
    async read(readOptions) {
      startWatch();
      if (!readOptions?.fresh && watch?.synced && watch.present && newest) return stateOf(newest);
      return stateOf(await get());
    },
    async write(write, writeOptions) {
      const base = write.expect.version === undefined ? newest : readAt.get(write.expect.version);
      if (!base) throw new RouterError('conflict', `the ${route.kind} was not read at version ${write.expect.version}`);
      let body;
      try {
        body = statePatch(base, write, flavour);
      } catch (err) {
        throw new RouterError('invalid', `${what}: ${(err as Error).message}`);
      }
      const deadline = Math.max(1, Math.min(API_CALL_TIMEOUT_MS, writeOptions?.deadlineMs ?? API_CALL_TIMEOUT_MS));
      try {
        const after = (await withDeadline(
          deadline,
          `patch ${plural}`,
          (o) => objects.patchNamespacedCustomObject({ ...target, body }, o),
          JSON_PATCH,
        )) as RouteObject;
        const rv = after.metadata?.resourceVersion;
        if (rv) {
          ownVersions.add(rv);
          for (const key of ownVersions) if (ownVersions.size > 16) ownVersions.delete(key);
        }
        remember(after);
        return stateOf(after);
      } catch (err) {
        throw describeApiError(err, call('patch'));
      }
    },
    record,
    onOutsideChange(listener) {
      listeners.push(listener);
    },
    async close() {
      closed = true;
      watch?.abort?.abort();
      abandonWatch?.();
      wakeFromBackoff?.();
      await watch?.loop;
    },
  };
}
