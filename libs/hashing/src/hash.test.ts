import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { BURST_PREFIX, HASH_LENGTH, isBurstResult } from '@string-hashr/contract';
import { calculationResult, hashString, randomHexSalt } from './hash.js';

const fixed = { salt: (n: number) => 'a'.repeat(n), now: () => new Date('2026-11-21T13:45:00Z') };

describe('hashString', () => {
  it('is sha256(str + salt + UTC hour) in base64', () => {
    const expected = createHash('sha256')
      .update('hello' + 'aaaaa' + '13')
      .digest('base64');
    expect(hashString('hello', fixed)).toBe(expected);
  });

  it.each(['a', 'abcdefghij', 'x'.repeat(1000), 'ünïcödé ✓'])('has the shape of a base64 sha256 for %j', (str) => {
    const hash = hashString(str);
    expect(hash).toHaveLength(HASH_LENGTH);
    expect(hash).toMatch(/^[A-Za-z0-9+/]{43}=$/);
  });

  it('is deterministic with a fixed salt and clock, and changes with either', () => {
    expect(hashString('abc', fixed)).toBe(hashString('abc', fixed));
    expect(hashString('abc', { ...fixed, salt: (n) => 'b'.repeat(n) })).not.toBe(hashString('abc', fixed));
    expect(hashString('abc', { ...fixed, now: () => new Date('2026-11-21T14:00:00Z') })).not.toBe(
      hashString('abc', fixed),
    );
  });

  it('salts by default, so the same string hashes differently', () => {
    expect(hashString('same string')).not.toBe(hashString('same string'));
  });

  it('asks for a salt as long as the string', () => {
    const asked: number[] = [];
    hashString('twelve chars', { salt: (n) => (asked.push(n), 'f'.repeat(n)) });
    expect(asked).toEqual([12]);
  });
});

describe('randomHexSalt', () => {
  it.each([0, 1, 2, 7, 64])('gives %i hex characters', (n) => {
    expect(randomHexSalt(n)).toMatch(new RegExp(`^[0-9a-f]{${n}}$`));
  });
});

describe('calculationResult and isBurstResult', () => {
  it.each([
    ['', false],
    [BURST_PREFIX, true],
    ['other-', false],
  ])('prefix %j marks burst: %s', (prefix, burst) => {
    const result = calculationResult(prefix, 'abc', fixed);
    expect(result.startsWith(prefix)).toBe(true);
    expect(result).toHaveLength(prefix.length + HASH_LENGTH);
    expect(isBurstResult(result)).toBe(burst);
  });
});
