import { describe, expect, it } from 'vitest';
import { FAILED_RESPONSE_CODES, isFailedResponseCode } from './mesh.js';

describe('failed response codes', () => {
  it.each([
    ['0', true],
    ['500', true],
    ['503', true],
    ['599', true],
    ['200', false],
    ['404', false],
    ['429', false],
    ['5000', false],
    ['', false],
  ])('%s: %s, and the PromQL regex agrees', (code, failed) => {
    expect(isFailedResponseCode(code)).toBe(failed);
    // PromQL regexes are anchored at both ends.
    expect(new RegExp(`^(?:${FAILED_RESPONSE_CODES})$`).test(code)).toBe(failed);
  });
});
