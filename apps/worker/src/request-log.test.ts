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
    expect(shouldLog(mode, status)).toBe(expected);
  });
});
