import { randomUUID } from 'node:crypto';
import { RateCap } from '@string-hashr/traffic';
import { type Dispatcher, Pool } from 'undici';

export interface ProcessorClient {
  /**
   * POSTs `{"str": <random string>}`; resolves with the HTTP status, rejects on network errors,
   * when the whole exchange (connect, headers, body) takes longer than `timeoutMs`, and when
   * writing it now would put more than `maxPerSecond` requests on the wire in one second.
   */
  send(): Promise<number>;
  close(graceMs?: number): Promise<void>;
}

export interface ProcessorClientOptions {
  /** Connections the pool may open: as many as requests may be in flight. */
  maxConnections: number;
  /** Deadline of one request, connect to last body byte. */
  timeoutMs: number;
  /** Requests written in any second, at most (MAX_RATE). */
  maxPerSecond: number;
  /** Monotonic clock, ms. */
  now?: () => number;
}

/** A request refused at the moment it would have been written: MAX_RATE was reached on the wire. */
export class MaxRateOnWireError extends Error {
  override name = 'MaxRateOnWireError';
}

/**
 * The worker, over one keep-alive connection pool (the codelab opened a connection per request
 * and could not get past a few hundred per second). The pool may open up to `maxConnections`,
 * as many as requests may be in flight, so a request never waits in the pool's own queue.
 *
 * Two guarantees live here, at the wire, because only here is it known when a request really
 * leaves: `timeoutMs` is a deadline for the whole request (undici's own timeouts are idle times
 * between chunks, which a worker trickling one byte a second never reaches), and no more than
 * `maxPerSecond` requests are written in any second. The generator already keeps to that rate
 * when it decides to send, but a request waits for a connection, and an event loop busy with
 * something else (a flood of socket events) can hold decided requests back and then write them
 * all at once; the check just before writing refuses those that would pass the rate.
 */
export function createProcessorClient(processorUrl: string, options: ProcessorClientOptions): ProcessorClient {
  const url = new URL(processorUrl);
  const path = `${url.pathname || '/'}${url.search}`;
  const now = options.now ?? (() => performance.now());
  const pool = new Pool(url.origin, {
    connections: options.maxConnections,
    pipelining: 1,
    connect: { timeout: options.timeoutMs },
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs,
  });
  const wire = new RateCap(options.maxPerSecond);
  const headers = { 'content-type': 'application/json' };
  return {
    send() {
      return new Promise<number>((resolve, reject) => {
        let status = 0;
        let settled = false;
        let abort: ((err: Error) => void) | undefined;
        const finish = (err?: Error) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          if (err) reject(err);
          else resolve(status);
        };
        const timer = setTimeout(() => {
          const err = new Error(`no complete answer within ${options.timeoutMs} ms`);
          finish(err);
          abort?.(err);
        }, options.timeoutMs);
        // The legacy handler API: onConnect runs just before the request is written.
        const handler: Dispatcher.DispatchHandler = {
          onConnect(abortRequest) {
            // Throwing here fails the request without writing it and without closing the connection.
            if (settled) throw new Error('past its deadline before it could be written');
            if (!wire.tryTake(now())) {
              const err = new MaxRateOnWireError(`MAX_RATE (${wire.limit}/s) reached on the wire`);
              finish(err);
              throw err;
            }
            abort = abortRequest;
          },
          onHeaders(statusCode) {
            status = statusCode;
            return true;
          },
          // The (tiny) body is read and dropped, so the connection goes back to the pool.
          onData: () => true,
          onComplete: () => finish(),
          onError: (err) => finish(err),
        };
        pool.dispatch({ method: 'POST', path, headers, body: JSON.stringify({ str: randomUUID() }) }, handler);
      });
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
