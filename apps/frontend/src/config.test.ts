import { readFileSync } from 'node:fs';
import { parse } from 'dotenv';
import { ConfigError } from '@string-hashr/runtime';
import { describe, expect, it } from 'vitest';
import { readConfig } from './config.js';

describe('frontend config', () => {
  it('has the codelab defaults', () => {
    expect(readConfig({})).toEqual({
      port: 8080,
      processorUrl: 'http://worker-service',
      redisUrl: 'redis-cache-service:6379',
      maxRate: 1000,
      maxInFlight: 256,
      requestTimeoutMs: 2000,
      initialRate: 0,
      burstPrefix: 'bursty-',
      logRequests: 'errors',
      redisStallMs: 1000,
      rateControl: 'open',
      controlKey: undefined,
      allowedOrigins: [],
      watcherStatusUrl: undefined,
    });
  });

  it('reads every variable', () => {
    const config = readConfig({
      PORT: '9000',
      PROCESSOR_URL: 'http://127.0.0.1:8081/',
      REDIS_URL: 'redis://cache:6380/1',
      MAX_RATE: '50',
      MAX_IN_FLIGHT: '8',
      REQUEST_TIMEOUT_MS: '500',
      INITIAL_RATE: '12.5',
      BURST_PREFIX: 'cloud-',
      LOG_REQUESTS: 'all',
      REDIS_STALL_MS: '250',
      RATE_CONTROL: 'key',
      CONTROL_KEY: 'k'.repeat(32),
      ALLOWED_ORIGINS: 'https://hashr.example.com, http://localhost:3000/',
      WATCHER_STATUS_URL: 'http://istiowatcher.default.svc.cluster.local:9102/status',
    });
    expect(config).toEqual({
      port: 9000,
      processorUrl: 'http://127.0.0.1:8081/',
      redisUrl: 'redis://cache:6380/1',
      maxRate: 50,
      maxInFlight: 8,
      requestTimeoutMs: 500,
      initialRate: 12.5,
      burstPrefix: 'cloud-',
      redisStallMs: 250,
      logRequests: 'all',
      rateControl: 'key',
      controlKey: 'k'.repeat(32),
      allowedOrigins: ['https://hashr.example.com', 'http://localhost:3000'],
      watcherStatusUrl: 'http://istiowatcher.default.svc.cluster.local:9102/status',
    });
  });

  it.each([
    [{ PORT: 'http' }, /^PORT=/],
    [{ PROCESSOR_URL: 'worker-service' }, /^PROCESSOR_URL=/],
    [{ REDIS_URL: 'redis-cache-service' }, /REDIS_URL/],
    [{ MAX_RATE: '0' }, /^MAX_RATE=0/],
    [{ MAX_IN_FLIGHT: '2.5' }, /^MAX_IN_FLIGHT=/],
    [{ REQUEST_TIMEOUT_MS: '-1' }, /^REQUEST_TIMEOUT_MS=/],
    [{ INITIAL_RATE: '2000' }, /^INITIAL_RATE=2000 is out of range: expected a number >= 0 <= 1000/],
    [{ INITIAL_RATE: '20', MAX_RATE: '10' }, /^INITIAL_RATE=20/],
    [{ LOG_REQUESTS: 'sometimes' }, /^LOG_REQUESTS=/],
    [{ BURST_PREFIX: 'clo ud' }, /^BURST_PREFIX="clo ud" is not valid/],
    [{ RATE_CONTROL: 'closed' }, /^RATE_CONTROL="closed" is not valid: expected one of open, key/],
    [{ RATE_CONTROL: 'key' }, /^CONTROL_KEY is not set: RATE_CONTROL=key needs a key of at least 16 characters/],
    [{ RATE_CONTROL: 'key', CONTROL_KEY: 'short-s3cr3t' }, /^CONTROL_KEY is too short \(12 characters\)/],
    [{ CONTROL_KEY: 'k'.repeat(32) }, /^CONTROL_KEY is set but RATE_CONTROL=open ignores it/],
    [{ ALLOWED_ORIGINS: 'hashr.example.com' }, /^ALLOWED_ORIGINS has "hashr.example.com": expected origins/],
    [{ ALLOWED_ORIGINS: 'https://a.example, ftp://b.example' }, /^ALLOWED_ORIGINS has "ftp:\/\/b.example"/],
    [{ ALLOWED_ORIGINS: 'https://a.example/path' }, /^ALLOWED_ORIGINS has "https:\/\/a.example\/path"/],
    [{ ALLOWED_ORIGINS: '*' }, /^ALLOWED_ORIGINS has "\*"/],
    [
      { WATCHER_STATUS_URL: 'istiowatcher:9102/status' },
      /^WATCHER_STATUS_URL="istiowatcher:9102\/status" is not valid/,
    ],
    [
      { WATCHER_STATUS_URL: 'file:///etc/passwd' },
      /^WATCHER_STATUS_URL="file:\/\/\/etc\/passwd" is not valid: expected http: or https: URL/,
    ],
  ])('rejects %j naming the variable', (env, message) => {
    expect(() => readConfig(env)).toThrow(ConfigError);
    expect(() => readConfig(env)).toThrow(message);
  });

  it('never repeats the control key in a message', () => {
    expect(() => readConfig({ RATE_CONTROL: 'key', CONTROL_KEY: 'short-s3cr3t' })).not.toThrow(/s3cr3t/);
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
