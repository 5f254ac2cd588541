// What a Kubernetes API error means to the watcher, for every caller (the router, the Lease): the
// HTTP code and Status message, a conflict (409 or a failed JSON Patch `test`), and an error that
// names the missing RBAC verb.
import { RouterError } from '../routers/router.js';

/** The parts of a Kubernetes API error the watcher uses: the HTTP code, the Status message and its causes. */
export function apiFailure(err: unknown): { code?: number; message: string; reason?: string; causes: string[] } {
  const e = err as { code?: unknown; body?: unknown; message?: string };
  let body = e.body;
  if (typeof body === 'string') {
    try {
      body = JSON.parse(body);
    } catch {
      /* a non-JSON body: keep the text */
    }
  }
  const status =
    body && typeof body === 'object'
      ? (body as { message?: string; reason?: string; details?: { causes?: Array<{ message?: unknown }> } })
      : undefined;
  const causes = (Array.isArray(status?.details?.causes) ? status.details.causes : [])
    .map((c) => c?.message)
    .filter((m): m is string => typeof m === 'string');
  return {
    code: typeof e.code === 'number' ? e.code : undefined,
    message: status?.message ?? (typeof body === 'string' && body ? body : (e.message ?? String(err))),
    reason: status?.reason,
    causes,
  };
}

/**
 * What kube-apiserver answers when a JSON Patch does not apply (a `test` that does not hold, or an
 * op whose path is gone): 422, reason Invalid, this fixed message and no causes; the detail is
 * dropped (apimachinery's NewGenericServerResponse). A schema refusal names the object and its fields.
 */
export const PATCH_NOT_APPLIED_MESSAGE = 'the server rejected our request due to an error in our request';

/**
 * A 422 from a JSON Patch that did not apply to the object as it is now: a conflict, like 409. The
 * watcher's patch `test`s the resourceVersion first, so any op failing means the object changed
 * since it was read. Some servers name the failed `test` in the message or a cause ("testing value
 * /metadata/resourceVersion failed", "test operation does not apply: is missing path").
 */
export function isFailedTest(failure: { code?: number; message: string; causes: string[] }): boolean {
  if (failure.code !== 422) return false;
  if (failure.message === PATCH_NOT_APPLIED_MESSAGE && failure.causes.length === 0) return true;
  return [failure.message, ...failure.causes].some((text) =>
    /testing value .* failed|test operation does not apply|test failed/i.test(text),
  );
}

/** No answer within the deadline; the request was aborted, not left running. */
export class DeadlineError extends Error {
  override name = 'DeadlineError';
}

/** Turns an API error into a RouterError that says what is missing: the object, the RBAC verb, or the write that no longer fits. */
export function describeApiError(
  err: unknown,
  call: { verb: string; resource: string; group: string; namespace: string; name?: string },
): RouterError {
  if (err instanceof RouterError) return err;
  if (err instanceof DeadlineError) return new RouterError('timeout', err.message);
  const failure = apiFailure(err);
  const { code, message } = failure;
  const what = `${call.resource}${call.group ? '.' + call.group : ''}${call.name ? ` "${call.name}"` : ''} in namespace ${call.namespace}`;
  const detail = [message, ...failure.causes].join(': ');
  if (code === 403) {
    return new RouterError(
      'forbidden',
      `forbidden: the watcher's service account needs RBAC verb "${call.verb}" on ${what} (a Role generated from libs/kube-objects watcherRbacRules grants it): ${message}`,
    );
  }
  if (code === 404)
    return new RouterError(
      'not-found',
      `not found: ${what} does not exist; apply the worker route or set WATCHER_ROUTE_KIND / ROUTE_NAME / ROUTE_NAMESPACE: ${message}`,
    );
  if (code === 409 || isFailedTest(failure))
    return new RouterError('conflict', `conflict on ${what}: it changed since it was read: ${detail}`);
  if (code === 422) return new RouterError('invalid', `${call.verb} ${what} refused as invalid (HTTP 422): ${detail}`);
  return new RouterError('api', `${call.verb} ${what} failed${code ? ` (HTTP ${code})` : ''}: ${detail}`);
}
