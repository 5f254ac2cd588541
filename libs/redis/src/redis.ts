import { createConnection } from 'node:net';
import { Redis } from 'ioredis';
import type { Logger } from '@string-hashr/runtime';
import { parseRedisUrl, redisOptions } from './redis-url.js';

export type RedisRole = 'publisher' | 'subscriber';

/** Backoff between reconnect attempts: 100 ms growing to 2 s, forever (never gives up). */
export function reconnectDelay(attempt: number): number {
  return Math.min(100 * 2 ** Math.max(0, attempt - 1), 2000);
}

/**
 * A Redis connection that reconnects forever and logs each change of state.
 * The publisher has no offline queue: while Redis is down a publish fails at once (the worker
 * answers 503) instead of piling up in memory. The subscriber keeps its subscriptions across
 * reconnects (ioredis re-subscribes on `ready`).
 */
export function connectRedis(redisUrl: string, role: RedisRole, log: Logger): Redis {
  const target = parseRedisUrl(redisUrl);
  const redis = new Redis({
    ...redisOptions(target),
    connectionName: `string-hashr-${role}`,
    retryStrategy: reconnectDelay,
    maxRetriesPerRequest: role === 'publisher' ? 0 : null,
    enableOfflineQueue: role === 'subscriber',
    enableAutoPipelining: role === 'publisher',
    autoResubscribe: true,
    lazyConnect: false,
  });
  // One line per outage and one per recovery, not one per reconnect attempt.
  let lastState = '';
  const report = (state: 'ready' | 'down' | 'closed', fields?: Record<string, string | number>) => {
    if (state === lastState) return;
    lastState = state;
    const message = { ready: 'ready', down: 'unreachable, reconnecting with backoff', closed: 'closed' }[state];
    (state === 'ready' ? log.info : log.warn)(`redis ${role} ${message}`, {
      redis: `${target.host}:${target.port}`,
      ...fields,
    });
  };
  redis.on('ready', () => report('ready'));
  // Without an error listener ioredis prints every failed attempt itself.
  redis.on('error', (err: Error) => report('down', { error: err.message }));
  redis.on('reconnecting', () => report('down'));
  redis.on('end', () => report('closed'));
  return redis;
}

export function isRedisReady(redis: Redis): boolean {
  return redis.status === 'ready';
}

/** Closes politely when connected, at once otherwise; never throws. */
export async function closeRedis(redis: Redis): Promise<void> {
  try {
    if (redis.status === 'ready') await redis.quit();
    else redis.disconnect();
  } catch {
    redis.disconnect();
  }
}

/**
 * Whether a Redis server answers at host:port, by a bare PING on a socket (no client, no retries).
 * A server that wants a password (-NOAUTH) answers too.
 */
export function redisAnswers(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(/^(\+PONG|-NOAUTH)/.test(data.toString())));
  });
}
