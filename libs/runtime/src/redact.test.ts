import { describe, expect, it } from 'vitest';
import { redactCredentials, redactUrl } from './redact.js';

describe('redactUrl', () => {
  it.each([
    ['redis://:secret@cache:6379', 'redis://:***@cache:6379'],
    ['redis://user:p%40ss@cache:6379/0', 'redis://user:***@cache:6379/0'],
    ['rediss://default:with spaces and @ signs@cache:99999', 'rediss://default:***@cache:99999'],
    ['redis://token@cache', 'redis://***@cache'],
    ['redis://cache:6379', 'redis://cache:6379'],
    ['cache:6379', 'cache:6379'],
    [':secret@cache:6379', ':***@cache:6379'],
  ])('%s -> %s', (input, expected) => {
    expect(redactUrl(input)).toBe(expected);
  });
});

describe('redactCredentials', () => {
  it.each([
    ['connecting to redis://:secret@cache:6379 failed', 'connecting to redis://:***@cache:6379 failed'],
    ['a=https://u:t0k3n@h/x b=redis://:pw@r', 'a=https://u:***@h/x b=redis://:***@r'],
    ['REDIS_URL "redis://:s3cr3t@cache:70000" has port', 'REDIS_URL "redis://:***@cache:70000" has port'],
    ['no credentials: http://worker-service/', 'no credentials: http://worker-service/'],
    ['user only: redis://user@cache', 'user only: redis://user@cache'],
  ])('%s', (input, expected) => {
    expect(redactCredentials(input)).toBe(expected);
  });
});
