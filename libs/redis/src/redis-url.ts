import { redactUrl } from '@string-hashr/runtime';
import type { RedisOptions } from 'ioredis';

export interface RedisTarget {
  host: string;
  port: number;
  tls: boolean;
  username?: string;
  password?: string;
  db: number;
}

/**
 * Parses REDIS_URL: `host:port` (as the manifests set it, e.g. `redis-cache-service:6379`),
 * `redis://[user:pass@]host[:port][/db]` or `rediss://` for TLS. Throws with what was expected.
 */
export function parseRedisUrl(rawValue: string): RedisTarget {
  const text = rawValue.trim();
  // Only ever quoted with its password masked.
  const value = redactUrl(rawValue);
  const expected = 'expected host:port, redis://host:port or rediss://host:port';
  if (text === '') throw new Error(`REDIS_URL is empty; ${expected}`);
  if (!text.includes('://')) {
    const [, host, port] = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(text) ?? [];
    if (host === undefined || port === undefined) throw new Error(`REDIS_URL "${value}" is not valid; ${expected}`);
    return { host: host.replace(/^\[|\]$/g, ''), port: checkPort(port, value), tls: false, db: 0 };
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error(`REDIS_URL "${value}" is not a valid URL; ${expected}`);
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new Error(`REDIS_URL "${value}" has scheme ${url.protocol.replace(':', '')}; ${expected}`);
  }
  if (!url.hostname) throw new Error(`REDIS_URL "${value}" has no host; ${expected}`);
  const dbText = url.pathname.replace(/^\//, '');
  if (dbText !== '' && !/^\d+$/.test(dbText))
    throw new Error(`REDIS_URL "${value}" has database "${dbText}"; expected a number`);
  return {
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port: url.port ? checkPort(url.port, value) : 6379,
    tls: url.protocol === 'rediss:',
    username: url.username ? decodeURIComponent(url.username) : undefined,
    password: url.password ? decodeURIComponent(url.password) : undefined,
    db: dbText === '' ? 0 : Number(dbText),
  };
}

function checkPort(text: string, value: string): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new Error(`REDIS_URL "${value}" has port ${text}; expected 1-65535`);
  return port;
}

export function redisOptions(target: RedisTarget): RedisOptions {
  return {
    host: target.host,
    port: target.port,
    username: target.username,
    password: target.password,
    db: target.db,
    tls: target.tls ? {} : undefined,
  };
}

/**
 * The command-line arguments of a throwaway local `redis-server` (the local stack's, the tests'):
 * loopback only, pub/sub only, so nothing is saved, and its working files in `dir`.
 */
export function localRedisServerArgs(port: number, dir: string): string[] {
  return ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir];
}
