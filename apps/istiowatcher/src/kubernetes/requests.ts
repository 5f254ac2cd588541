// How the watcher calls the Kubernetes API: every request carries a deadline that aborts it, and a
// JSON Patch says so in its Content-Type.
import { Observable, setHeaderOptions, type ConfigurationOptions, type RequestContext } from '@kubernetes/client-node';
import { DeadlineError } from './errors.js';

/**
 * Calls `call` with client-node options whose requests carry an AbortSignal that fires after
 * `ms`: a hung API server cannot hang a tick, and a write that timed out is not left in flight
 * to land later. `options` (e.g. a Content-Type header) are kept.
 */
export async function withDeadline<T>(
  ms: number,
  what: string,
  call: (options: ConfigurationOptions) => Promise<T>,
  options?: ConfigurationOptions,
): Promise<T> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), ms);
  const abortable = {
    pre: (context: RequestContext) => {
      context.setSignal(controller.signal);
      return new Observable(Promise.resolve(context));
    },
    post: <R>(context: R) => new Observable(Promise.resolve(context)),
  };
  try {
    return await call({
      ...options,
      middleware: [...(options?.middleware ?? []), abortable],
      middlewareMergeStrategy: 'append',
    });
  } catch (err) {
    if (controller.signal.aborted)
      throw new DeadlineError(`no answer from the API server within ${ms} ms (${what}); the request was aborted`);
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

/** A JSON Patch body (RFC 6902), as client-node must be told. */
export const JSON_PATCH = setHeaderOptions('Content-Type', 'application/json-patch+json');

export const API_CALL_TIMEOUT_MS = 10_000;
