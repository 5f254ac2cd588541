import { BURST_PREFIX, PORTS, SERVICES } from '@string-hashr/contract';
import { ConfigError, type Env, envChoice, envNumber, envPort, envString, envUrl } from '@string-hashr/runtime';
import { parseRedisUrl } from '@string-hashr/redis';

export const LOG_REQUESTS_CHOICES = ['errors', 'all'] as const;
export type LogRequests = (typeof LOG_REQUESTS_CHOICES)[number];

export interface FrontendConfig {
  /** HTTP and socket.io port. */
  port: number;
  /** Where the generated requests go: the worker Service (through the mesh). */
  processorUrl: string;
  /** Redis to subscribe to `calculation` on: `host:port` or a redis:// URL. */
  redisUrl: string;
  /** Highest rate a page may ask for, requests per second. */
  maxRate: number;
  /** Requests sent and not yet answered, at most; past it requests are dropped and counted. */
  maxInFlight: number;
  /** A request not answered within this time counts as failed. */
  requestTimeoutMs: number;
  /** Rate in force when the app starts (0: wait for a page). */
  initialRate: number;
  /** A result starting with it was computed on the burst cluster. */
  burstPrefix: string;
  /** Access log: `errors` (requests answered 4xx/5xx) or `all` (every request but probes and scrapes). */
  logRequests: LogRequests;
  /** Redis that leaves a PING unanswered this long counts as down (readiness 503). */
  redisStallMs: number;
}

/** Reads and checks the environment once; a bad value throws a ConfigError naming the variable. */
export function readConfig(env: Env): FrontendConfig {
  const redisUrl = envString(env, 'REDIS_URL', `${SERVICES.redis.name}:${SERVICES.redis.port}`);
  try {
    parseRedisUrl(redisUrl);
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
  const maxRate = envNumber(env, 'MAX_RATE', 1000, { min: 1, max: 100_000 });
  return {
    port: envPort(env, 'PORT', PORTS.frontend),
    processorUrl: envUrl(env, 'PROCESSOR_URL', `http://${SERVICES.worker.name}`),
    redisUrl,
    maxRate,
    maxInFlight: envNumber(env, 'MAX_IN_FLIGHT', 256, { min: 1, max: 65_536, integer: true }),
    requestTimeoutMs: envNumber(env, 'REQUEST_TIMEOUT_MS', 2000, { min: 1, max: 600_000, integer: true }),
    initialRate: envNumber(env, 'INITIAL_RATE', 0, { min: 0, max: maxRate }),
    // An explicitly empty BURST_PREFIX would mark nothing as burst; envString treats it as unset.
    burstPrefix: envString(env, 'BURST_PREFIX', BURST_PREFIX),
    logRequests: envChoice(env, 'LOG_REQUESTS', LOG_REQUESTS_CHOICES, 'errors'),
    redisStallMs: envNumber(env, 'REDIS_STALL_MS', 1000, { min: 50, max: 60_000, integer: true }),
  };
}
