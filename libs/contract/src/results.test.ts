import { describe, expect, it } from 'vitest';
import { isResultMessage, isValidPrefix } from './results.js';

const HASH = 'Zl8q' + 'A'.repeat(39) + '=';

describe('result messages', () => {
  it.each([
    [HASH, true],
    ['bursty-' + HASH, true],
    ['x'.repeat(32) + HASH, true],
    ['x'.repeat(33) + HASH, false],
    [HASH.slice(1), false],
    [HASH + HASH, false],
    ['bursty ' + HASH, false],
    ['<img src=x onerror=alert(1)>' + HASH, false],
    // Shaped like a result: relayed, and harmless, since the page shows hashes as text, never as HTML.
    ['<script>alert(1)</script>' + HASH, true],
    ['A'.repeat(44), false],
    ['x'.repeat(5 * 1024 * 1024), false],
    ['', false],
    ['bursty-' + 'A'.repeat(42) + '==', false],
  ])('%#', (message, expected) => {
    expect(isResultMessage(message)).toBe(expected);
  });
});

describe('prefixes', () => {
  it.each([
    ['', true],
    ['bursty-', true],
    ['x'.repeat(32), true],
    ['x'.repeat(33), false],
    ['with space', false],
    ['tab\t', false],
    ['é-', false],
  ])('%j', (prefix, expected) => {
    expect(isValidPrefix(prefix)).toBe(expected);
  });
});
