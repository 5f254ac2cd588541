import { CoreV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import { readWeights, weightPatch, weightsEqual, type VirtualServiceLike, type Weights } from '@string-hashr/burst';
import type { Logger } from '@string-hashr/core';
import type { VirtualServiceRef } from '../config.js';
import { RouterError, type Router } from './router.js';

/** The parts of a Kubernetes API error the watcher uses: the HTTP code and the Status message. */
export function apiFailure(err: unknown): { code?: number; message: string; reason?: string } {
  const e = err as { code?: unknown; body?: unknown; message?: string };
  let body = e.body;
  if (typeof body === 'string') {
    try {
      body = JSON.parse(body);
    } catch {
      /* a non-JSON body: keep the text */
    }
  }
  const status = body && typeof body === 'object' ? (body as { message?: string; reason?: string }) : undefined;
  return {
    code: typeof e.code === 'number' ? e.code : undefined,
    message: status?.message ?? (typeof body === 'string' && body ? body : (e.message ?? String(err))),
    reason: status?.reason,
  };
}

/** Rejects when `promise` has not settled within `ms`, so a hung API server cannot hang a tick. */
export function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer from the API server within ${ms} ms (${what})`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

export const API_CALL_TIMEOUT_MS = 10_000;

/** Turns an API error into a RouterError that says what is missing: the object, or the RBAC verb. */
export function describeApiError(err: unknown, call: { verb: string; resource: string; group: string; namespace: string; name?: string }): RouterError {
  const { code, message } = apiFailure(err);
  const what = `${call.resource}${call.group ? '.' + call.group : ''}${call.name ? ` "${call.name}"` : ''} in namespace ${call.namespace}`;
  if (code === 403) {
    return new RouterError('forbidden', `forbidden: the watcher's service account needs RBAC verb "${call.verb}" on ${what} (a Role generated from libs/burst watcherRbacRules grants it): ${message}`);
  }
  if (code === 404) return new RouterError('not-found', `not found: ${what} does not exist; apply the worker VirtualService or set VS_NAME / VS_NAMESPACE / VS_API_VERSION: ${message}`);
  if (code === 409 || code === 422) return new RouterError('conflict', `conflict on ${what}: ${message}`);
  return new RouterError('api', `${call.verb} ${what} failed${code ? ` (HTTP ${code})` : ''}: ${message}`);
}

/**
 * The worker VirtualService through the Kubernetes API. Weights are changed with a JSON Patch that
 * first tests the resourceVersion and the weights as read, so a concurrent edit makes it fail
 * (422, or 409) instead of being overwritten; then the object is read again and the patch retried.
 * Each change is recorded as a Kubernetes Event on the VirtualService.
 */
export function kubernetesRouter(kc: KubeConfig, vs: VirtualServiceRef, log: Logger, options: { identity: string; maxAttempts?: number }): Router {
  const [group, version] = vs.apiVersion.split('/');
  const objects = kc.makeApiClient(CustomObjectsApi);
  const core = kc.makeApiClient(CoreV1Api);
  const target = { group, version, namespace: vs.namespace, plural: 'virtualservices', name: vs.name };
  const call = (verb: string) => ({ verb, resource: 'virtualservices', group, namespace: vs.namespace, name: vs.name });
  const maxAttempts = options.maxAttempts ?? 5;

  async function read(): Promise<VirtualServiceLike> {
    try {
      return (await withDeadline(objects.getNamespacedCustomObject(target), API_CALL_TIMEOUT_MS, 'get virtualservice')) as VirtualServiceLike;
    } catch (err) {
      throw describeApiError(err, call('get'));
    }
  }

  function weightsOf(object: VirtualServiceLike): Weights {
    try {
      return readWeights(object, vs.subsets);
    } catch (err) {
      throw new RouterError('invalid', `VirtualService ${vs.namespace}/${vs.name}: ${(err as Error).message}`);
    }
  }

  async function recordEvent(object: VirtualServiceLike, from: Weights, to: Weights, reason: string): Promise<void> {
    const now = new Date();
    const metadata = object.metadata as { uid?: string; resourceVersion?: string };
    try {
      const created = core.createNamespacedEvent({
        namespace: vs.namespace,
        body: {
          metadata: { generateName: `${vs.name}.`, namespace: vs.namespace },
          involvedObject: { apiVersion: vs.apiVersion, kind: 'VirtualService', name: vs.name, namespace: vs.namespace, uid: metadata.uid, resourceVersion: metadata.resourceVersion },
          type: 'Normal',
          reason: to.burst > from.burst ? 'BurstIncreased' : 'BurstDecreased',
          message: `weights ${vs.subsets.primary}/${vs.subsets.burst} ${from.primary}/${from.burst} -> ${to.primary}/${to.burst}: ${reason}`.slice(0, 1024),
          source: { component: 'istiowatcher', host: options.identity },
          reportingComponent: 'istiowatcher',
          reportingInstance: options.identity,
          firstTimestamp: now,
          lastTimestamp: now,
          count: 1,
        },
      });
      await withDeadline(created, API_CALL_TIMEOUT_MS, 'create event');
    } catch (err) {
      // The weights are set; a missing Event is worth a warning, not a retry.
      const problem = describeApiError(err, { verb: 'create', resource: 'events', group: '', namespace: vs.namespace });
      log.warn(`could not record the change as an Event: ${problem.message}`);
    }
  }

  return {
    description: `kubernetes ${vs.apiVersion} VirtualService ${vs.namespace}/${vs.name}`,
    async getRoutes() {
      return weightsOf(await read());
    },
    async setRoutes(weights, reason) {
      for (let attempt = 1; ; attempt++) {
        const object = await read();
        const current = weightsOf(object);
        if (weightsEqual(current, weights)) return;
        try {
          const patched = objects.patchNamespacedCustomObject({ ...target, body: weightPatch(object, weights, vs.subsets) }, setHeaderOptions('Content-Type', PatchStrategy.JsonPatch));
          await withDeadline(patched, API_CALL_TIMEOUT_MS, 'patch virtualservice');
          await recordEvent(object, current, weights, reason);
          return;
        } catch (err) {
          const problem = describeApiError(err, call('patch'));
          if (problem.kind !== 'conflict' || attempt >= maxAttempts) throw problem;
          log.warn('the VirtualService changed since it was read; reading it again', { attempt, detail: problem.message });
        }
      }
    },
  };
}
