// The burst side's pods and its autoscaler's floor, through the burst cluster's API (its own
// kubeconfig, BURST_KUBECONFIG): the warm-up of issue 26, design min-replicas. It reads the burst
// worker's readiness for the ready gate and holds the HPA's minReplicas at the pods asked for.
import {
  AppsV1Api,
  AutoscalingV2Api,
  CoreV1Api,
  type CoreV1Event,
  type KubeConfig,
  type V1Deployment,
  type V2HorizontalPodAutoscaler,
} from '@kubernetes/client-node';
import { BURST_AUTOSCALER_EVENTS } from '@string-hashr/contract';
import {
  burstPods,
  heldMinReplicas,
  holdPatch,
  isLaterTerm,
  readAutoscalerHold,
  type AutoscalerObject,
  type DeploymentObject,
  type JsonPatchOp,
} from '@string-hashr/kube-objects';
import type { Logger } from '@string-hashr/runtime';
import type { BurstScaler } from '../burst-side.js';
import { RouterError } from '../routers/router.js';
import { describeApiError } from './errors.js';
import { API_CALL_TIMEOUT_MS, JSON_PATCH, withDeadline } from './requests.js';

/** The burst worker's objects in the burst cluster: its autoscaler and the Deployment it scales. */
export interface BurstTarget {
  namespace: string;
  autoscaler: string;
  deployment: string;
}

/** The four calls the burst scaler makes; errors as client-node throws them (`code`, Status `body`). */
export interface BurstApi {
  readAutoscaler(): Promise<AutoscalerObject>;
  readDeployment(): Promise<DeploymentObject>;
  /** A JSON Patch: refused whole (422) when one of its `test`s does not hold. */
  patchAutoscaler(ops: JsonPatchOp[]): Promise<AutoscalerObject>;
  createEvent(event: CoreV1Event): Promise<unknown>;
}

/** The burst worker's objects through the burst cluster's API, every call aborted after `deadlineMs`. */
export function kubernetesBurstApi(kc: KubeConfig, target: BurstTarget, deadlineMs = API_CALL_TIMEOUT_MS): BurstApi {
  const autoscaling = kc.makeApiClient(AutoscalingV2Api);
  const apps = kc.makeApiClient(AppsV1Api);
  const core = kc.makeApiClient(CoreV1Api);
  const { namespace } = target;
  return {
    readAutoscaler: () =>
      withDeadline(deadlineMs, 'get horizontalpodautoscaler', (o) =>
        autoscaling.readNamespacedHorizontalPodAutoscaler({ name: target.autoscaler, namespace }, o),
      ) as Promise<AutoscalerObject>,
    readDeployment: () =>
      withDeadline(deadlineMs, 'get deployment', (o) =>
        apps.readNamespacedDeployment({ name: target.deployment, namespace }, o),
      ) as Promise<V1Deployment> as Promise<DeploymentObject>,
    patchAutoscaler: (ops) =>
      withDeadline(
        deadlineMs,
        'patch horizontalpodautoscaler',
        (o) => autoscaling.patchNamespacedHorizontalPodAutoscaler({ name: target.autoscaler, namespace, body: ops }, o),
        JSON_PATCH,
      ) as Promise<V2HorizontalPodAutoscaler> as Promise<AutoscalerObject>,
    createEvent: (body) =>
      withDeadline(deadlineMs, 'create event', (o) => core.createNamespacedEvent({ namespace, body }, o)),
  };
}

export interface BurstScalerOptions {
  target: BurstTarget;
  /** Who this replica is, in the Events it records. */
  identity: string;
  log: Logger;
  /** Wall-clock ms, for `changed-at`. */
  now?: () => number;
}

/** The burst scaler over `api` (the burst cluster's, or a test's in-memory one). */
export function burstScaler(api: BurstApi, options: BurstScalerOptions): BurstScaler {
  const { target, identity, log } = options;
  const now = options.now ?? Date.now;
  const what = `HorizontalPodAutoscaler ${target.namespace}/${target.autoscaler} in the burst cluster`;
  const advice = {
    forbidden:
      "the burst cluster's Role generated from libs/kube-objects burstScalerRbacRules grants it, bound to the account of BURST_KUBECONFIG",
    notFound: 'apply k8s/burst to the burst cluster, or point BURST_KUBECONFIG at it',
  };
  const call = (verb: string, resource: string, group: string, name?: string) => ({
    verb,
    resource,
    group,
    namespace: target.namespace,
    name,
    advice,
  });
  /** The autoscaler as last read or written: what the next hold `test`s. */
  let known: AutoscalerObject | undefined;
  let failure: string | undefined;
  const recording = new Set<Promise<void>>();

  async function readAutoscaler(): Promise<AutoscalerObject> {
    try {
      known = await api.readAutoscaler();
      return known;
    } catch (err) {
      throw describeApiError(err, call('get', 'horizontalpodautoscalers', 'autoscaling', target.autoscaler));
    }
  }

  function record(event: Omit<CoreV1Event, 'metadata' | 'involvedObject'>, on: AutoscalerObject): void {
    const at = new Date(now());
    const pending = api
      .createEvent({
        metadata: { generateName: `${target.autoscaler}.`, namespace: target.namespace },
        involvedObject: {
          apiVersion: 'autoscaling/v2',
          kind: 'HorizontalPodAutoscaler',
          name: target.autoscaler,
          namespace: target.namespace,
          uid: on.metadata?.uid,
          resourceVersion: on.metadata?.resourceVersion,
        },
        source: { component: 'istiowatcher', host: identity },
        reportingComponent: 'istiowatcher',
        reportingInstance: identity,
        firstTimestamp: at,
        lastTimestamp: at,
        count: 1,
        ...event,
      })
      .then(
        () => undefined,
        (err: unknown) => {
          // A missing Event is worth a warning, not a retry.
          const problem = describeApiError(err, call('create', 'events', ''));
          log.warn(`could not record an Event in the burst cluster (${event.reason}): ${problem.message}`);
        },
      )
      .finally(() => recording.delete(pending));
    recording.add(pending);
  }

  return {
    description: `${what}, Deployment ${target.deployment}`,
    async read() {
      try {
        const [deployment, autoscaler] = await Promise.all([
          api.readDeployment().catch((err: unknown) => {
            throw describeApiError(err, call('get', 'deployments', 'apps', target.deployment));
          }),
          readAutoscaler(),
        ]);
        const pods = burstPods(deployment, readAutoscalerHold(autoscaler));
        if (failure !== undefined) log.info('the burst side can be read again', { burst: `${pods.readyPods} ready` });
        failure = undefined;
        return pods;
      } catch (err) {
        const message = (err as Error).message;
        // Once per outage, not every tick.
        if (failure === undefined)
          log.warn(`cannot read the burst side; the ready gate is off until it can: ${message}`);
        failure = message;
        return undefined;
      }
    },
    async hold(pods, token, reason) {
      const base = known ?? (await readAutoscaler());
      let hold;
      try {
        hold = readAutoscalerHold(base);
      } catch (err) {
        throw new RouterError('invalid', `${what}: ${(err as Error).message}`);
      }
      if (isLaterTerm(hold.owner, token))
        throw new RouterError('conflict', `${what} is held by a later term (${hold.owner}) than ours (${token})`);
      const ops = holdPatch(base, { pods, owner: token, changedAt: now(), reason });
      if (!ops) return { changed: false, minReplicas: hold.minReplicas };
      const to = heldMinReplicas(hold, pods);
      try {
        known = await api.patchAutoscaler(ops);
      } catch (err) {
        const problem = describeApiError(
          err,
          call('patch', 'horizontalpodautoscalers', 'autoscaling', target.autoscaler),
        );
        known = undefined;
        // What this hold was decided on is gone: read what is there now, for the next decision.
        if (problem.kind === 'conflict') await readAutoscaler().catch(() => undefined);
        throw problem;
      }
      const up = to > hold.minReplicas;
      record(
        {
          type: 'Normal',
          reason: up ? BURST_AUTOSCALER_EVENTS.warmed : BURST_AUTOSCALER_EVENTS.givenBack,
          message:
            `minReplicas ${hold.minReplicas} -> ${to} (natural ${hold.naturalMinReplicas}, max ${hold.maxReplicas}) by ${token}: ${reason}`.slice(
              0,
              1024,
            ),
        },
        known,
      );
      return { changed: true, from: hold.minReplicas, to };
    },
    problem: () => failure,
    settled: () => Promise.all(recording).then(() => undefined),
  };
}
