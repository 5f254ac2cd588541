import { BURST_PREFIX, MAX_PREFIX_LENGTH, PORTS, SERVICES, isValidPrefix } from '@string-hashr/contract';
import {
  ConfigError,
  type Env,
  envChoice,
  envNumber,
  envOptional,
  envPort,
  envString,
  envUrl,
  envLogRequests,
  type LogRequests,
} from '@string-hashr/runtime';
import { parseRedisUrl } from '@string-hashr/redis';

export const RATE_CONTROL_CHOICES = ['open', 'key'] as const;
/** Who may change the rate: any page (`open`), or a page that presents CONTROL_KEY (`key`). */
export type RateControlMode = (typeof RATE_CONTROL_CHOICES)[number];

/** Shortest CONTROL_KEY accepted: a key short enough to guess is no lock. */
export const MIN_CONTROL_KEY_LENGTH = 16;

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
  /** Who may change the rate. */
  rateControl: RateControlMode;
  /** The key a page presents to change the rate (`key` mode only). */
  controlKey: string | undefined;
  /** Origins (scheme://host[:port]) whose pages may connect besides the page's own. */
  allowedOrigins: string[];
  /** The watcher's GET /status, relayed to the pages as `watcher`; unset: the page has no watcher panel. */
  watcherStatusUrl: string | undefined;
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
  const burstPrefix = envString(env, 'BURST_PREFIX', BURST_PREFIX);
  if (!isValidPrefix(burstPrefix))
    throw new ConfigError(
      `BURST_PREFIX=${JSON.stringify(burstPrefix.slice(0, 40))} is not valid: expected at most ${MAX_PREFIX_LENGTH} printable ASCII characters, no spaces`,
    );
  const rateControl = envChoice(env, 'RATE_CONTROL', RATE_CONTROL_CHOICES, 'open');
  return {
    port: envPort(env, 'PORT', PORTS.frontend),
    processorUrl: envUrl(env, 'PROCESSOR_URL', `http://${SERVICES.worker.name}`),
    redisUrl,
    maxRate,
    maxInFlight: envNumber(env, 'MAX_IN_FLIGHT', 256, { min: 1, max: 65_536, integer: true }),
    requestTimeoutMs: envNumber(env, 'REQUEST_TIMEOUT_MS', 2000, { min: 1, max: 600_000, integer: true }),
    initialRate: envNumber(env, 'INITIAL_RATE', 0, { min: 0, max: maxRate }),
    // An explicitly empty BURST_PREFIX would mark nothing as burst; envString treats it as unset.
    burstPrefix,
    logRequests: envLogRequests(env),
    redisStallMs: envNumber(env, 'REDIS_STALL_MS', 1000, { min: 50, max: 60_000, integer: true }),
    rateControl,
    controlKey: readControlKey(env, rateControl),
    allowedOrigins: readAllowedOrigins(env),
    // Configuration only: no page can point the frontend at another address.
    watcherStatusUrl:
      envOptional(env, 'WATCHER_STATUS_URL') === undefined ? undefined : envUrl(env, 'WATCHER_STATUS_URL', undefined),
  };
}

/** CONTROL_KEY: required with RATE_CONTROL=key, refused without it. Never quoted in a message. */
function readControlKey(env: Env, mode: RateControlMode): string | undefined {
  const key = envOptional(env, 'CONTROL_KEY');
  if (mode === 'open') {
    // Someone who set a key believes the rate is locked: say it is not.
    if (key !== undefined)
      throw new ConfigError(
        'CONTROL_KEY is set but RATE_CONTROL=open ignores it: set RATE_CONTROL=key, or unset CONTROL_KEY',
      );
    return undefined;
  }
  if (key === undefined)
    throw new ConfigError(
      `CONTROL_KEY is not set: RATE_CONTROL=key needs a key of at least ${MIN_CONTROL_KEY_LENGTH} characters`,
    );
  if (key.length < MIN_CONTROL_KEY_LENGTH)
    throw new ConfigError(
      `CONTROL_KEY is too short (${key.length} characters): expected at least ${MIN_CONTROL_KEY_LENGTH}, e.g. \`openssl rand -base64 24\``,
    );
  return key;
}

/** ALLOWED_ORIGINS: comma-separated origins such as https://hashr.example.com; each checked at start. */
function readAllowedOrigins(env: Env): string[] {
  const text = envOptional(env, 'ALLOWED_ORIGINS');
  if (text === undefined) return [];
  return text
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .map((part) => {
      let url: URL | undefined;
      try {
        url = new URL(part);
      } catch {
        url = undefined;
      }
      if (!url || !['http:', 'https:'].includes(url.protocol) || url.origin !== part.replace(/\/$/, ''))
        throw new ConfigError(
          `ALLOWED_ORIGINS has ${JSON.stringify(part)}: expected origins like https://hashr.example.com (scheme, host and port only), comma-separated`,
        );
      return url.origin;
    });
}
