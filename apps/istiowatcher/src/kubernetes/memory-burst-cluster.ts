import type { CoreV1Event } from '@kubernetes/client-node';
import type { AutoscalerObject, DeploymentObject, JsonPatchOp } from '@string-hashr/kube-objects';
import type { BurstApi } from './burst-scaler.js';
import { PATCH_NOT_APPLIED_MESSAGE } from './errors.js';

/** An API error as client-node throws it: the HTTP code and a Status body. */
const apiError = (code: number, reason: string, message: string, causes: Array<{ message: string }> = []) =>
  Object.assign(new Error(`HTTP ${code}: ${message}`), {
    code,
    body: JSON.stringify({
      kind: 'Status',
      apiVersion: 'v1',
      status: 'Failure',
      reason,
      message,
      code,
      ...(causes.length ? { details: { causes } } : {}),
    }),
  });

const notApplied = () => apiError(422, 'Invalid', PATCH_NOT_APPLIED_MESSAGE);

/** Applies one JSON Patch (test, add, replace on object members) to `doc` in place, as the API server does, or throws its 422. */
function applyPatch(doc: Record<string, unknown>, ops: JsonPatchOp[]): void {
  for (const op of ops) {
    const tokens = op.path
      .split('/')
      .slice(1)
      .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
    const last = tokens.pop();
    let parent: unknown = doc;
    for (const token of tokens) parent = (parent as Record<string, unknown> | undefined)?.[token];
    if (last === undefined || typeof parent !== 'object' || parent === null) throw notApplied();
    const members = parent as Record<string, unknown>;
    if (op.op === 'test') {
      if (!(last in members) || JSON.stringify(members[last]) !== JSON.stringify(op.value)) throw notApplied();
    } else if (op.op === 'replace' && !(last in members)) throw notApplied();
    else members[last] = structuredClone(op.value);
  }
}

/**
 * The burst worker's HPA and Deployment held in memory with the API server's semantics
 * (burst-api-assumptions.ts holds both to one table): a JSON Patch applies whole or not at all
 * (422), an HPA whose minReplicas exceeds maxReplicas is refused (422, Invalid), a new
 * resourceVersion on every change, the status too. The test drives the rest as others would:
 * `edit` as an operator's kubectl, `touchStatus` as the autoscaler, `setPods` as the Deployment.
 */
export function memoryBurstCluster(
  start: { minReplicas?: number; maxReplicas?: number; annotations?: Record<string, string> } = {},
  name = 'worker-deployment',
) {
  let version = 1;
  let autoscaler: AutoscalerObject & { status?: Record<string, unknown> } = {
    metadata: {
      name,
      uid: 'hpa-uid',
      resourceVersion: '1',
      ...(start.annotations ? { annotations: { ...start.annotations } } : {}),
    },
    spec: { minReplicas: start.minReplicas ?? 1, maxReplicas: start.maxReplicas ?? 10 },
  };
  let deployment: DeploymentObject = { metadata: { name }, spec: { replicas: start.minReplicas ?? 1 }, status: {} };
  const events: CoreV1Event[] = [];
  const bump = () => {
    autoscaler.metadata = { ...autoscaler.metadata, resourceVersion: String(++version) };
  };

  const api: BurstApi = {
    readAutoscaler: async () => structuredClone(autoscaler),
    readDeployment: async () => structuredClone(deployment),
    async patchAutoscaler(ops) {
      const next = structuredClone(autoscaler) as Record<string, unknown>;
      applyPatch(next, ops);
      const spec = (next as AutoscalerObject).spec ?? {};
      if ((spec.minReplicas ?? 1) > (spec.maxReplicas ?? 0))
        throw apiError(
          422,
          'Invalid',
          `HorizontalPodAutoscaler.autoscaling "${name}" is invalid: spec.maxReplicas: Invalid value: ${spec.maxReplicas}: must be greater than or equal to \`minReplicas\``,
          [{ message: `Invalid value: ${spec.maxReplicas}: must be greater than or equal to \`minReplicas\`` }],
        );
      if (JSON.stringify(next) !== JSON.stringify(autoscaler)) {
        autoscaler = next as typeof autoscaler;
        bump();
      }
      return structuredClone(autoscaler);
    },
    async createEvent(event) {
      events.push(structuredClone(event));
      return event;
    },
  };

  return {
    api,
    events,
    autoscaler: () => structuredClone(autoscaler),
    /** Someone else's edit: minReplicas, annotations (undefined removes one). */
    edit(change: { minReplicas?: number; annotations?: Record<string, string | undefined> }) {
      const annotations = { ...autoscaler.metadata?.annotations };
      for (const [key, value] of Object.entries(change.annotations ?? {}))
        if (value === undefined) delete annotations[key];
        else annotations[key] = value;
      autoscaler = {
        ...autoscaler,
        metadata: { ...autoscaler.metadata, annotations },
        spec: { ...autoscaler.spec, ...(change.minReplicas === undefined ? {} : { minReplicas: change.minReplicas }) },
      };
      bump();
    },
    /** The autoscaler's own status write (every sync): a new resourceVersion, the spec as it was. */
    touchStatus() {
      autoscaler = { ...autoscaler, status: { currentReplicas: deployment.status?.replicas ?? 0, at: version } };
      bump();
    },
    /** The Deployment as its controller would report it. */
    setPods(pods: { replicas: number; readyReplicas: number }) {
      deployment = { ...deployment, spec: { replicas: pods.replicas }, status: { ...pods } };
    },
  };
}
