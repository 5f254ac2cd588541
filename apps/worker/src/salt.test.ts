import { describe, expect, it } from 'vitest';
import { pooledHexSalt } from './salt.js';

describe('pooledHexSalt', () => {
  it.each([1, 2, 3, 10, 63, 64, 65, 1000, 16384])('gives %i hex characters', (length) => {
    const salt = pooledHexSalt(64)(length);
    expect(salt).toHaveLength(length);
    expect(salt).toMatch(/^[0-9a-f]+$/);
  });

  it('keeps giving fresh values across refills of its pool', () => {
    const salt = pooledHexSalt(32);
    const values = Array.from({ length: 200 }, () => salt(10));
    expect(new Set(values).size).toBe(values.length);
    expect(values.every((v) => /^[0-9a-f]{10}$/.test(v))).toBe(true);
  });
});
