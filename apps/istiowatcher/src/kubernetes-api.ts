// The Kubernetes API as the watcher uses it, for every caller (the router, the leader election):
// what an API error says, a deadline on a call, and an error that names the missing RBAC verb.
import { RouterError } from './routers/router.js';

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
export function describeApiError(
  err: unknown,
  call: { verb: string; resource: string; group: string; namespace: string; name?: string },
): RouterError {
  const { code, message } = apiFailure(err);
  const what = `${call.resource}${call.group ? '.' + call.group : ''}${call.name ? ` "${call.name}"` : ''} in namespace ${call.namespace}`;
  if (code === 403) {
    return new RouterError(
      'forbidden',
      `forbidden: the watcher's service account needs RBAC verb "${call.verb}" on ${what} (a Role generated from libs/kube-objects watcherRbacRules grants it): ${message}`,
    );
  }
  if (code === 404)
    return new RouterError(
      'not-found',
      `not found: ${what} does not exist; apply the worker VirtualService or set VS_NAME / VS_NAMESPACE / VS_API_VERSION: ${message}`,
    );
  if (code === 409 || code === 422) return new RouterError('conflict', `conflict on ${what}: ${message}`);
  return new RouterError('api', `${call.verb} ${what} failed${code ? ` (HTTP ${code})` : ''}: ${message}`);
}
