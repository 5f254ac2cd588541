import { CoreV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import { readWeights, weightPatch, type VirtualServiceLike } from '@string-hashr/kube-objects';
import { weightsEqual, type Weights } from '@string-hashr/policy';
import type { Logger } from '@string-hashr/runtime';
import type { VirtualServiceRef } from '../config.js';
import { API_CALL_TIMEOUT_MS, describeApiError, withDeadline } from '../kubernetes-api.js';
import { RouterError, type Router } from './router.js';

/**
 * The worker VirtualService through the Kubernetes API. Weights are changed with a JSON Patch that
 * first tests the resourceVersion and the weights as read, so a concurrent edit makes it fail
 * (422, or 409) instead of being overwritten; then the object is read again and the patch retried.
 * Each change is recorded as a Kubernetes Event on the VirtualService.
 */
export function kubernetesRouter(
  kc: KubeConfig,
  vs: VirtualServiceRef,
  log: Logger,
  options: { identity: string; maxAttempts?: number },
): Router {
  const [group = '', version = ''] = vs.apiVersion.split('/');
  const objects = kc.makeApiClient(CustomObjectsApi);
  const core = kc.makeApiClient(CoreV1Api);
  const target = { group, version, namespace: vs.namespace, plural: 'virtualservices', name: vs.name };
  const call = (verb: string) => ({ verb, resource: 'virtualservices', group, namespace: vs.namespace, name: vs.name });
  const maxAttempts = options.maxAttempts ?? 5;

  async function read(): Promise<VirtualServiceLike> {
    try {
      return (await withDeadline(
        objects.getNamespacedCustomObject(target),
        API_CALL_TIMEOUT_MS,
        'get virtualservice',
      )) as VirtualServiceLike;
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
          involvedObject: {
            apiVersion: vs.apiVersion,
            kind: 'VirtualService',
            name: vs.name,
            namespace: vs.namespace,
            uid: metadata.uid,
            resourceVersion: metadata.resourceVersion,
          },
          type: 'Normal',
          reason: to.burst > from.burst ? 'BurstIncreased' : 'BurstDecreased',
          message:
            `weights ${vs.subsets.primary}/${vs.subsets.burst} ${from.primary}/${from.burst} -> ${to.primary}/${to.burst}: ${reason}`.slice(
              0,
              1024,
            ),
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
          const patched = objects.patchNamespacedCustomObject(
            { ...target, body: weightPatch(object, weights, vs.subsets) },
            setHeaderOptions('Content-Type', PatchStrategy.JsonPatch),
          );
          await withDeadline(patched, API_CALL_TIMEOUT_MS, 'patch virtualservice');
          await recordEvent(object, current, weights, reason);
          return;
        } catch (err) {
          const problem = describeApiError(err, call('patch'));
          if (problem.kind !== 'conflict' || attempt >= maxAttempts) throw problem;
          log.warn('the VirtualService changed since it was read; reading it again', {
            attempt,
            detail: problem.message,
          });
        }
      }
    },
  };
}
