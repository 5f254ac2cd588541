import type { IncomingMessage, ServerResponse } from 'node:http';
import morgan from 'morgan';
import type { LogRequests } from '@string-hashr/runtime';

type Middleware = (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void;

export interface RequestLog {
  /** For Express: times every request, logs those the mode asks for when they finish. */
  middleware: Middleware;
  /** For the hot path as a request arrives: attaches the log only when every request is logged. */
  onArrival(req: IncomingMessage, res: ServerResponse): void;
  /** For the hot path as it answers: logs a request `onArrival` left alone if its status calls for it. */
  onReply(req: IncomingMessage, res: ServerResponse, status: number, arrivedAt: number): void;
}

/**
 * The readiness probe's 503 is a state (Redis not ready yet, or stopping), not a failed request: the
 * Redis connection logs its own changes and `worker_redis_up` shows it, so the probe's answers are
 * logged only with `all`, as info.
 */
const READINESS_PATH = '/_healthz';
const isReadiness = (url: string | undefined) => url?.split('?')[0] === READINESS_PATH;

/** Which requests get a line: `errors` skips every 2xx (a console line per request costs throughput) and readiness. */
export function shouldLog(mode: LogRequests, status: number, url?: string): boolean {
  if (mode === 'all') return true;
  return !isReadiness(url) && (status < 200 || status >= 300);
}

const noop = () => {};

/**
 * morgan, one line per request in the shape of the app's other lines:
 * `time level worker: METHOD url status ms=... bytes=... remote=...`.
 * Even a skipped morgan line costs two listeners per request, so in `errors` mode the hot path
 * attaches it only to the requests it refuses, timed from their arrival.
 */
export function createRequestLog(
  mode: LogRequests,
  stream: { write(line: string): void } = process.stdout,
  now: () => number = () => performance.now(),
): RequestLog {
  const arrivals = new WeakMap<IncomingMessage, number>();
  const middleware = morgan<IncomingMessage, ServerResponse>(
    (tokens, req, res) => {
      const token = (name: string, arg?: string) => tokens[name]?.(req, res, arg);
      // No status when the client left before an answer: morgan's token is then undefined.
      const status = token('status');
      const code = Number(status ?? 0);
      const level =
        isReadiness(req.url) || (code < 400 && status !== undefined) ? 'info' : code >= 500 ? 'error' : 'warn';
      const arrivedAt = arrivals.get(req);
      const ms = arrivedAt === undefined ? token('response-time') : (now() - arrivedAt).toFixed(3);
      return (
        `${new Date().toISOString()} ${level} worker: ${token('method')} ${token('url')} ${status ?? '-'} ` +
        `ms=${ms ?? '-'} bytes=${token('res', 'content-length') ?? '-'} remote=${token('remote-addr') ?? '-'}`
      );
    },
    { stream, skip: (req, res) => !shouldLog(mode, res.statusCode, req.url) },
  );
  const everyRequest = mode === 'all';
  return {
    middleware,
    onArrival: everyRequest ? (req, res) => middleware(req, res, noop) : noop,
    onReply(req, res, status, arrivedAt) {
      if (everyRequest || !shouldLog(mode, status, req.url)) return;
      arrivals.set(req, arrivedAt);
      middleware(req, res, noop);
    },
  };
}
