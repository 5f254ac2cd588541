/**
 * The burst worker's HorizontalPodAutoscaler and Deployment as the watcher's warm-up reads and
 * writes them (BURST_WARM=min-replicas): the floor it holds `minReplicas` at, the JSON Patch that
 * holds it, and the pods the Deployment has ready. Pure functions over plain objects; the
 * istiowatcher's burst scaler does the I/O.
 */
import { BURST_AUTOSCALER_ANNOTATIONS } from '@string-hashr/contract';
import { annotationReason, formatChangedAt, pointerOf } from './route-state.js';
import type { JsonPatchOp } from './virtual-service.js';

/** The fields of an autoscaling/v2 HorizontalPodAutoscaler the warm-up uses. */
export interface AutoscalerObject {
  metadata?: {
    name?: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    annotations?: Record<string, string>;
  };
  spec?: { minReplicas?: number; maxReplicas?: number };
}

/** The fields of an apps/v1 Deployment the warm-up reads. */
export interface DeploymentObject {
  metadata?: { name?: string };
  spec?: { replicas?: number };
  status?: { replicas?: number; readyReplicas?: number };
}

/** The autoscaler as read: its bounds, the floor it gives back to, and the watcher's last record on it. */
export interface AutoscalerHold {
  minReplicas: number;
  maxReplicas: number;
  /** The autoscaler's own minimum: the annotation, or (never changed by the watcher) `minReplicas` as read. */
  naturalMinReplicas: number;
  /** Whether the natural minimum is written on the object; the first hold writes it when not. */
  naturalRecorded: boolean;
  /** The fencing token of the watcher term that changed `minReplicas` last. */
  owner?: string;
}

/** The burst worker's pods, in the shape of libs/policy's BurstReadiness. */
export interface BurstPods {
  readyPods: number;
  desiredPods: number;
  maxPods?: number;
  /** `minReplicas` when it is above the natural floor: the floor a watcher holds. */
  heldPods?: number;
}

const A = BURST_AUTOSCALER_ANNOTATIONS;
const annotationPath = (key: string) => pointerOf(['metadata', 'annotations', key]);
const isCount = (n: unknown, least: number): n is number => Number.isInteger(n) && (n as number) >= least;

/** Reads the autoscaler's bounds and records; an object the warm-up cannot hold throws, saying why. */
export function readAutoscalerHold(hpa: AutoscalerObject): AutoscalerHold {
  const annotations = hpa.metadata?.annotations ?? {};
  // autoscaling/v2 defaults minReplicas to 1; maxReplicas is required.
  const minReplicas = hpa.spec?.minReplicas ?? 1;
  const maxReplicas = hpa.spec?.maxReplicas;
  if (!isCount(minReplicas, 1)) throw new Error(`spec.minReplicas ${String(minReplicas)} is not a whole number >= 1`);
  if (!isCount(maxReplicas, minReplicas))
    throw new Error(`spec.maxReplicas ${String(maxReplicas)} is not a whole number >= minReplicas`);
  const text = annotations[A.naturalMinReplicas];
  let naturalMinReplicas = minReplicas;
  if (text !== undefined) {
    const natural = /^\d+$/.test(text) ? Number(text) : NaN;
    if (!isCount(natural, 1) || natural > maxReplicas)
      throw new Error(`annotation ${A.naturalMinReplicas}="${text}" is not a whole number from 1 to maxReplicas`);
    naturalMinReplicas = natural;
  }
  return {
    minReplicas,
    maxReplicas,
    naturalMinReplicas,
    naturalRecorded: text !== undefined,
    ...(annotations[A.owner] ? { owner: annotations[A.owner] } : {}),
  };
}

/** The `minReplicas` that holds `pods`: never below the natural floor, never above `maxReplicas`. */
export function heldMinReplicas(hold: AutoscalerHold, pods: number): number {
  const asked = Number.isFinite(pods) ? Math.ceil(pods) : 0;
  return Math.min(hold.maxReplicas, Math.max(hold.naturalMinReplicas, asked));
}

/** The term of a fencing token `holder/leaseTransitions`; undefined for a token without one. */
function termOf(token: string | undefined): number | undefined {
  const match = token === undefined ? null : /\/(\d+)$/.exec(token);
  return match ? Number(match[1]) : undefined;
}

/** Whether `owner` is the token of a later term of the same Lease than `token`: a deposed leader must not undo its successor. */
export function isLaterTerm(owner: string | undefined, token: string): boolean {
  const theirs = termOf(owner);
  const ours = termOf(token);
  return theirs !== undefined && ours !== undefined && theirs > ours;
}

/** One change of the held minimum: the pods asked for, by whom, when and why. */
export interface HoldWrite {
  pods: number;
  /** The fencing token of the leader's term (the route's writes carry the same). */
  owner: string;
  changedAt: number;
  reason: string;
}

/**
 * The JSON Patch that moves `minReplicas` to hold `write.pods`, or undefined when it already does.
 * It `test`s the `minReplicas` and the owner as read, so a second writer's change in between makes
 * the API server refuse it (422) rather than be overwritten; not the resourceVersion, which the
 * autoscaler's own status writes move every sync. The natural floor is written the first time.
 */
export function holdPatch(hpa: AutoscalerObject, write: HoldWrite): JsonPatchOp[] | undefined {
  const hold = readAutoscalerHold(hpa);
  const target = heldMinReplicas(hold, write.pods);
  if (target === hold.minReplicas) return undefined;
  const ops: JsonPatchOp[] = [];
  const hasMin = hpa.spec?.minReplicas !== undefined;
  if (hasMin) ops.push({ op: 'test', path: '/spec/minReplicas', value: hold.minReplicas });
  if (hold.owner !== undefined) ops.push({ op: 'test', path: annotationPath(A.owner), value: hold.owner });
  const annotations: Record<string, string> = {
    ...(hold.naturalRecorded ? {} : { [A.naturalMinReplicas]: String(hold.naturalMinReplicas) }),
    [A.owner]: write.owner,
    [A.changedAt]: formatChangedAt(write.changedAt),
    [A.reason]: annotationReason(write.reason),
  };
  if (!hpa.metadata?.annotations) ops.push({ op: 'add', path: '/metadata/annotations', value: annotations });
  else
    for (const [key, value] of Object.entries(annotations)) ops.push({ op: 'add', path: annotationPath(key), value });
  ops.push({ op: hasMin ? 'replace' : 'add', path: '/spec/minReplicas', value: target });
  return ops;
}

/** The pods ready and asked for, from the Deployment; the autoscaler's maximum and held floor when it was read. */
export function burstPods(deployment: DeploymentObject, hold?: AutoscalerHold): BurstPods {
  const count = (n: number | undefined) => (isCount(n, 0) ? n : 0);
  return {
    readyPods: count(deployment.status?.readyReplicas),
    // spec.replicas is what the autoscaler asked for; pods still starting are counted there.
    desiredPods: count(deployment.spec?.replicas ?? deployment.status?.replicas),
    ...(hold ? { maxPods: hold.maxReplicas } : {}),
    ...(hold && hold.minReplicas > hold.naturalMinReplicas ? { heldPods: hold.minReplicas } : {}),
  };
}
