import { describe, expect, it } from 'vitest';
import { shouldLog } from './request-log.js';

describe('shouldLog', () => {
  it.each([
    ['errors', 200, false],
    ['errors', 204, false],
    ['errors', 304, true],
    ['errors', 400, true],
    ['errors', 413, true],
    ['errors', 503, true],
    ['all', 200, true],
    ['all', 400, true],
    ['all', 503, true],
  ] as const)('%s mode, status %i -> %s', (mode, status, expected) => {
    expect(shouldLog(mode, status, '/')).toBe(expected);
  });

  it.each([
    ['errors', 503, '/_healthz', false],
    ['errors', 503, '/_healthz?probe=1', false],
    ['errors', 503, '/_healthzz', true],
    ['all', 503, '/_healthz', true],
  ] as const)('%s mode, status %i on %s (readiness is a state, not a failure) -> %s', (mode, status, url, expected) => {
    expect(shouldLog(mode, status, url)).toBe(expected);
  });
});
