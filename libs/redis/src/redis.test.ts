import { describe, expect, it } from 'vitest';
import { reconnectDelay } from './redis.js';

describe('reconnectDelay', () => {
  it.each([
    [1, 100],
    [2, 200],
    [3, 400],
    [5, 1600],
    [6, 2000],
    [1000, 2000],
  ])('attempt %i waits %i ms, never giving up', (attempt, delay) => {
    expect(reconnectDelay(attempt)).toBe(delay);
  });
});
