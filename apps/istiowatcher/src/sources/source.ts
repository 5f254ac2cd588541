import { request } from 'undici';
import type { Reading } from '@string-hashr/metric-reading';

/** A metric backend, as Flagger's providers: one read gives the worker request rate or says why not. */
export interface MetricSource {
  /** What is read, for the logs: the query or the URL. */
  readonly description: string;
  read(): Promise<Reading>;
}

/**
 * GET with a deadline over undici; the body is always read to the end (or destroyed) so no
 * connection is left hanging, the codelab watcher's leak. HTTP, network and timeout failures
 * come back as error Readings, never as exceptions.
 */
export async function getText(
  url: string,
  timeoutMs: number,
  accept: string,
): Promise<{ status: number; text: string } | Extract<Reading, { kind: 'error' }>> {
  const signal = AbortSignal.timeout(timeoutMs);
  const where = url.split('?')[0];
  try {
    const res = await request(url, {
      method: 'GET',
      headers: { accept },
      signal,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    const text = await res.body.text();
    return { status: res.statusCode, text };
  } catch (err) {
    const e = err as Error & { code?: string };
    if (
      signal.aborted ||
      e.name === 'TimeoutError' ||
      e.code === 'UND_ERR_HEADERS_TIMEOUT' ||
      e.code === 'UND_ERR_BODY_TIMEOUT'
    ) {
      return { kind: 'error', errorKind: 'timeout', message: `no answer from ${where} within ${timeoutMs} ms` };
    }
    return { kind: 'error', errorKind: 'network', message: `${where}: ${e.code ?? e.name}: ${e.message}` };
  }
}
