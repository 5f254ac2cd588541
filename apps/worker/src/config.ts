import {
  ConfigError,
  type Env,
  envNumber,
  envPort,
  envString,
  envLogRequests,
  type LogRequests,
} from '@string-hashr/runtime';
import { parseRedisUrl } from '@string-hashr/redis';
import { MAX_PREFIX_LENGTH, PORTS, SERVICES, isValidPrefix } from '@string-hashr/contract';

export interface WorkerConfig {
  port: number;
  /** `host:port` or a `redis://` / `rediss://` URL, checked at start. */
  redisUrl: string;
  /** Put before every published hash: empty on primary, `bursty-` on the burst cluster. */
  prefix: string;
  /** `errors`: log only non-2xx requests (the default, free on the hot path); `all`: every request. */
  logRequests: LogRequests;
  /** Largest `POST /` body accepted; larger ones get 413. */
  maxBodyBytes: number;
  /** How long a publish may wait for Redis before the request gets 503. */
  publishTimeoutMs: number;
  /** Redis that leaves a probe unanswered this long is not answering: readiness 503, publishes refused. */
  redisStallMs: number;
  /** On SIGTERM, how long in-flight requests may take before their connections are cut. */
  shutdownGraceMs: number;
}

export const DEFAULTS = {
  port: PORTS.worker,
  redisUrl: `${SERVICES.redis.name}:${SERVICES.redis.port}`,
  prefix: '',
  logRequests: 'errors',
  maxBodyBytes: 16 * 1024,
  publishTimeoutMs: 2000,
  redisStallMs: 1000,
  shutdownGraceMs: 8000,
} as const satisfies WorkerConfig;

/** Reads and checks the whole environment once; a bad value throws a ConfigError naming its variable. */
export function readConfig(env: Env): WorkerConfig {
  const redisUrl = envString(env, 'REDIS_URL', DEFAULTS.redisUrl);
  try {
    parseRedisUrl(redisUrl);
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
  // Not trimmed like the others: the prefix is data, published as given.
  const prefix = env.PREFIX ?? DEFAULTS.prefix;
  if (!isValidPrefix(prefix))
    throw new ConfigError(
      `PREFIX=${JSON.stringify(prefix.slice(0, 40))} is not valid: expected at most ${MAX_PREFIX_LENGTH} printable ASCII characters, no spaces`,
    );
  return {
    port: envPort(env, 'PORT', DEFAULTS.port),
    redisUrl,
    prefix,
    logRequests: envLogRequests(env),
    maxBodyBytes: envNumber(env, 'MAX_BODY_BYTES', DEFAULTS.maxBodyBytes, { min: 64, max: 1024 * 1024, integer: true }),
    publishTimeoutMs: envNumber(env, 'PUBLISH_TIMEOUT_MS', DEFAULTS.publishTimeoutMs, {
      min: 1,
      max: 60_000,
      integer: true,
    }),
    redisStallMs: envNumber(env, 'REDIS_STALL_MS', DEFAULTS.redisStallMs, { min: 50, max: 60_000, integer: true }),
    // runMain gives the whole stop 10 s; closing Redis needs a moment after the grace.
    shutdownGraceMs: envNumber(env, 'SHUTDOWN_GRACE_MS', DEFAULTS.shutdownGraceMs, {
      min: 0,
      max: 9000,
      integer: true,
    }),
  };
}
