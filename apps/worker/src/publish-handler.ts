import type { IncomingMessage, ServerResponse } from 'node:http';
import { CALCULATION_CHANNEL } from '@string-hashr/contract';
import { calculationResult, type HashSources } from '@string-hashr/hashing';
import type { DeadlinePublisher } from '@string-hashr/redis';
import { type Refusal, checkBodyHeaders, parseHashBody, tooLarge } from './hash-request.js';
import type { Outcome, WorkerMetrics } from './metrics.js';
import type { RequestLog } from './request-log.js';

export interface PublishHandlerDeps {
  /** Redis through a deadline (createDeadlinePublisher): a 503 is never followed by the publish. */
  publisher: DeadlinePublisher;
  prefix: string;
  maxBodyBytes: number;
  publishTimeoutMs: number;
  metrics: WorkerMetrics;
  requestLog: RequestLog;
  hashSources?: HashSources;
  /** Monotonic clock, ms (arrival and publish times); the timers are the global ones. */
  now?: () => number;
}

const ROUTE = '/';
const JSON_HEADERS = 'application/json; charset=utf-8';
const noop = () => {};

/** One `POST /` in progress. */
interface Exchange {
  req: IncomingMessage;
  res: ServerResponse;
  arrivedAt: number;
}

/**
 * `POST /` on plain node:http, in front of Express: read the body up to the limit, check it,
 * hash, publish, and answer 200 only once Redis accepted the PUBLISH. Express's own stack costs
 * more than all of that together (see README, "Hot path").
 */
export function createPublishHandler(deps: PublishHandlerDeps): (req: IncomingMessage, res: ServerResponse) => void {
  const { publisher, prefix, maxBodyBytes, publishTimeoutMs, metrics, requestLog, hashSources } = deps;
  const now = deps.now ?? (() => performance.now());

  const reply = (ex: Exchange, status: number, outcome: Outcome, body: string, close = false) => {
    const { req, res } = ex;
    if (res.headersSent) return;
    metrics.countRequest(ROUTE, outcome, status);
    requestLog.onReply(req, res, status, ex.arrivedAt);
    const headers: Record<string, string | number> = {
      'Content-Type': JSON_HEADERS,
      'Content-Length': Buffer.byteLength(body),
    };
    // A body left unread would otherwise be parsed as the next request on this connection.
    if (close) headers.Connection = 'close';
    res.writeHead(status, headers);
    res.end(body);
  };
  const refuse = (ex: Exchange, verdict: Refusal, close = false) => {
    const outcome =
      verdict.status === 413 ? 'too_large' : verdict.status === 415 ? 'unsupported_encoding' : 'invalid_body';
    reply(ex, verdict.status, outcome, JSON.stringify({ error: verdict.error }), close);
  };
  const unavailable = (ex: Exchange, outcome: Outcome, error: string) =>
    reply(ex, 503, outcome, JSON.stringify({ error }));

  /**
   * 200 once Redis published; 503 when it will not. A 503 is never followed by the publish: when
   * Redis's answer is late or lost, the 503 waits until Redis's clock has passed the deadline the
   * script checks (see @string-hashr/redis, deadline-publish.ts).
   */
  const publish = (ex: Exchange, str: string) => {
    // Not connected, or not answering (frozen): answer before hashing, send nothing.
    if (!publisher.answering())
      return unavailable(ex, 'redis_unavailable', 'redis is not answering; not published, try again later');
    const result = calculationResult(prefix, str, hashSources);
    const started = now();
    let settled = false;
    let connectionLost = false;
    const { outcome, settledInMs } = publisher.publishWithin(CALCULATION_CHANNEL, result, publishTimeoutMs);
    const timer = setTimeout(() => {
      settled = true;
      if (connectionLost)
        unavailable(
          ex,
          'publish_failed',
          'the connection to redis broke before it confirmed the publish; not published',
        );
      else unavailable(ex, 'publish_timeout', `redis did not accept the publish within ${publishTimeoutMs} ms`);
    }, settledInMs);
    outcome.then(
      (ended) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (ended.kind === 'published') {
          metrics.observePublishSeconds((now() - started) / 1000);
          reply(ex, 200, 'published', JSON.stringify({ result }));
        } else if (ended.kind === 'too_late')
          unavailable(ex, 'publish_timeout', `redis did not accept the publish within ${publishTimeoutMs} ms`);
        else unavailable(ex, 'publish_failed', `redis refused the publish: ${ended.reason}`);
      },
      // Fate unknown: Redis may still run it, until the deadline. The timer answers after that.
      () => void (connectionLost = true),
    );
  };

  return (req, res) => {
    const ex: Exchange = { req, res, arrivedAt: now() };
    requestLog.onArrival(req, res);
    // A client that goes away mid-body is not an error of ours; there is no one left to answer.
    req.on('error', noop);
    const early = checkBodyHeaders(req.headers['content-encoding'], req.headers['content-length'], maxBodyBytes);
    if (early) return refuse(ex, early, true);

    let first: Buffer | undefined;
    let rest: Buffer[] | undefined;
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBodyBytes) {
        // Chunked bodies have no Content-Length: stop keeping them as soon as they pass the limit.
        req.off('data', onData);
        req.resume();
        return refuse(ex, tooLarge(maxBodyBytes), true);
      }
      if (first === undefined) first = chunk;
      else (rest ??= [first]).push(chunk);
    };
    req.on('data', onData);
    req.on('end', () => {
      if (size > maxBodyBytes) return;
      const body = rest ? Buffer.concat(rest) : first;
      const verdict = parseHashBody(body === undefined ? '' : body.toString('utf8'));
      if (verdict.ok) publish(ex, verdict.str);
      else refuse(ex, verdict);
    });
  };
}
