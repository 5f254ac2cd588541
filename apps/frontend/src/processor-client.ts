import { randomUUID } from 'node:crypto';
import { Pool } from 'undici';

export interface ProcessorClient {
  /**
   * POSTs `{"str": <random string>}`; resolves with the HTTP status, rejects on network errors and
   * when the whole exchange (connect, headers, body) takes longer than `timeoutMs`.
   */
  send(): Promise<number>;
  close(graceMs?: number): Promise<void>;
}

/**
 * The worker, over one keep-alive connection pool (the codelab opened a connection per request
 * and could not get past a few hundred per second). The pool may open up to `maxConnections`,
 * as many as requests may be in flight, so a request never waits in the pool's own queue.
 * `timeoutMs` is a deadline for the whole request: undici's own timeouts are idle times between
 * chunks, which a worker trickling one byte a second never reaches, holding its slot for ever.
 */
export function createProcessorClient(
  processorUrl: string,
  options: { maxConnections: number; timeoutMs: number },
): ProcessorClient {
  const url = new URL(processorUrl);
  const path = `${url.pathname || '/'}${url.search}`;
  const pool = new Pool(url.origin, {
    connections: options.maxConnections,
    pipelining: 1,
    connect: { timeout: options.timeoutMs },
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs,
  });
  const headers = { 'content-type': 'application/json' };
  return {
    async send() {
      const deadline = new AbortController();
      const timer = setTimeout(
        () => deadline.abort(new Error(`no complete answer within ${options.timeoutMs} ms`)),
        options.timeoutMs,
      );
      try {
        const response = await pool.request({
          method: 'POST',
          path,
          headers,
          body: JSON.stringify({ str: randomUUID() }),
          signal: deadline.signal,
        });
        // Read the (tiny) body so the connection goes back to the pool; the deadline covers it too.
        await response.body.dump({ limit: 128 * 1024, signal: deadline.signal });
        return response.statusCode;
      } finally {
        clearTimeout(timer);
      }
    },
    async close(graceMs = 3000) {
      // In-flight requests end within the request timeout; do not wait longer than graceMs for them.
      const timer = setTimeout(() => void pool.destroy().catch(() => undefined), graceMs);
      try {
        await pool.close();
      } catch {
        // destroyed while closing
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
