import type { V1Lease } from '@kubernetes/client-node';
import type { LeaseApi } from './lease.js';

/** An API error as client-node throws it: the HTTP code and a Status body. */
const apiError = (code: number, reason: string, message: string) =>
  Object.assign(new Error(`HTTP ${code}: ${message}`), {
    code,
    body: JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason, message, code }),
  });

/**
 * One Lease held in memory with the API server's semantics (api-assumptions.ts holds both to one
 * table): 404 before it exists, 409 on a second create, a new resourceVersion on every update
 * and 409 for an update that names an older one. `edit` writes it as another replica would.
 */
export function memoryLease(name = 'lease') {
  let stored: V1Lease | undefined;
  let version = 0;
  const copy = (lease: V1Lease): V1Lease => structuredClone(lease);
  const store = (lease: V1Lease): V1Lease => {
    stored = copy({ ...lease, metadata: { ...lease.metadata, name, resourceVersion: String(++version) } });
    return copy(stored);
  };

  const api: LeaseApi = {
    async read() {
      if (!stored) throw apiError(404, 'NotFound', `leases.coordination.k8s.io "${name}" not found`);
      return copy(stored);
    },
    async create(body) {
      if (stored) throw apiError(409, 'AlreadyExists', `leases.coordination.k8s.io "${name}" already exists`);
      return store(body);
    },
    async replace(body) {
      if (!stored) throw apiError(404, 'NotFound', `leases.coordination.k8s.io "${name}" not found`);
      if (body.metadata?.resourceVersion !== stored.metadata?.resourceVersion)
        throw apiError(409, 'Conflict', `Operation cannot be fulfilled on leases.coordination.k8s.io "${name}"`);
      return store(body);
    },
  };
  return { api };
}
