import { readFileSync } from 'node:fs';
import { parse } from 'dotenv';
import { ConfigError } from '@string-hashr/runtime';
import { describe, expect, it } from 'vitest';
import { DEFAULTS, readConfig } from './config.js';

describe('readConfig', () => {
  it('has the codelab defaults with an empty environment', () => {
    expect(readConfig({})).toEqual(DEFAULTS);
    expect(DEFAULTS).toMatchObject({
      port: 8081,
      redisUrl: 'redis-cache-service:6379',
      prefix: '',
      logRequests: 'errors',
      maxBodyBytes: 16384,
    });
  });

  it.each([
    [{ PORT: '9000' }, { port: 9000 }],
    [{ PORT: ' 0 ' }, { port: 0 }],
    [{ PORT: '' }, { port: 8081 }],
    [{ REDIS_URL: '127.0.0.1:6380' }, { redisUrl: '127.0.0.1:6380' }],
    [{ REDIS_URL: 'redis://:secret@redis:6379/2' }, { redisUrl: 'redis://:secret@redis:6379/2' }],
    [{ REDIS_URL: 'rediss://redis.example.com' }, { redisUrl: 'rediss://redis.example.com' }],
    [{ PREFIX: 'bursty-' }, { prefix: 'bursty-' }],
    [{ PREFIX: '' }, { prefix: '' }],
    [{ LOG_REQUESTS: 'all' }, { logRequests: 'all' }],
    [{ LOG_REQUESTS: 'errors' }, { logRequests: 'errors' }],
    [{ MAX_BODY_BYTES: '1024' }, { maxBodyBytes: 1024 }],
    [{ PUBLISH_TIMEOUT_MS: '250' }, { publishTimeoutMs: 250 }],
    [{ SHUTDOWN_GRACE_MS: '0' }, { shutdownGraceMs: 0 }],
    [{ REDIS_STALL_MS: '250' }, { redisStallMs: 250 }],
  ])('reads %j', (env, expected) => {
    expect(readConfig(env)).toMatchObject(expected);
  });

  it.each([
    [{ PORT: 'abc' }, 'PORT="abc" is not valid: expected an integer >= 0 <= 65535'],
    [{ PORT: '8081.5' }, 'PORT="8081.5" is not valid: expected an integer >= 0 <= 65535'],
    [{ PORT: '70000' }, 'PORT=70000 is out of range: expected an integer >= 0 <= 65535'],
    [{ PORT: '-1' }, 'PORT=-1 is out of range: expected an integer >= 0 <= 65535'],
    [
      { REDIS_URL: 'http://x' },
      'REDIS_URL "http://x" has scheme http; expected host:port, redis://host:port or rediss://host:port',
    ],
    [
      { REDIS_URL: 'redis-cache-service' },
      'REDIS_URL "redis-cache-service" is not valid; expected host:port, redis://host:port or rediss://host:port',
    ],
    [{ REDIS_URL: 'redis:99999' }, 'REDIS_URL "redis:99999" has port 99999; expected 1-65535'],
    [{ REDIS_URL: 'redis://redis:6379/x' }, 'REDIS_URL "redis://redis:6379/x" has database "x"; expected a number'],
    [{ LOG_REQUESTS: 'verbose' }, 'LOG_REQUESTS="verbose" is not valid: expected one of errors, all'],
    [{ LOG_REQUESTS: 'ALL' }, 'LOG_REQUESTS="ALL" is not valid: expected one of errors, all'],
    [{ MAX_BODY_BYTES: '16k' }, 'MAX_BODY_BYTES="16k" is not valid: expected an integer >= 64 <= 1048576'],
    [{ MAX_BODY_BYTES: '10' }, 'MAX_BODY_BYTES=10 is out of range: expected an integer >= 64 <= 1048576'],
    [{ PUBLISH_TIMEOUT_MS: '0' }, 'PUBLISH_TIMEOUT_MS=0 is out of range: expected an integer >= 1 <= 60000'],
    [{ PUBLISH_TIMEOUT_MS: 'soon' }, 'PUBLISH_TIMEOUT_MS="soon" is not valid: expected an integer >= 1 <= 60000'],
    [{ SHUTDOWN_GRACE_MS: '20000' }, 'SHUTDOWN_GRACE_MS=20000 is out of range: expected an integer >= 0 <= 9000'],
    [{ REDIS_STALL_MS: '10' }, 'REDIS_STALL_MS=10 is out of range: expected an integer >= 50 <= 60000'],
    [{ PREFIX: 'bursty ' }, 'PREFIX="bursty " is not valid: expected at most 32 printable ASCII characters, no spaces'],
    [{ PREFIX: 'x'.repeat(33) }, `PREFIX="${'x'.repeat(33)}" is not valid`],
  ])('refuses %j naming the variable', (env, message) => {
    const attempt = () => readConfig(env);
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(message);
  });
});

describe('.env.example', () => {
  const text = readFileSync(new URL('../.env.example', import.meta.url), 'utf8');
  const active = parse(text);
  // The commented `# NAME=value` lines: each names a default.
  const defaults = parse(text.replace(/^# ([A-Z_]+=)/gm, '$1'));

  it('is a configuration the app starts with', () => {
    expect(() => readConfig(active)).not.toThrow();
  });

  it('states the defaults in its commented lines', () => {
    expect(Object.keys(defaults).length).toBeGreaterThan(Object.keys(active).length);
    expect(readConfig(defaults)).toEqual(readConfig(active));
  });
});
