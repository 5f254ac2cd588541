import { describe, expect, it } from 'vitest';
import { validateFrequency } from './frequency.js';

describe('validateFrequency', () => {
  it.each([
    [{ freq: 0 }, 0],
    [{ freq: 1 }, 1],
    [{ freq: 20 }, 20],
    [{ freq: 0.5 }, 0.5],
    [{ freq: 1000 }, 1000],
    [{ freq: -0 }, 0],
    [{ freq: 5, extra: 'ignored' }, 5],
  ])('accepts %j as %s req/s', (payload, freq) => {
    expect(validateFrequency(payload, 1000)).toEqual({ ok: true, freq });
  });

  it.each([
    [undefined, /must be an object.*got nothing/],
    [null, /must be an object.*got null/],
    [20, /must be an object.*got 20/],
    ['20', /must be an object.*got "20"/],
    [[20], /must be an object.*got an array/],
    [{}, /freq must be a number from 0 to 1000.*got nothing/],
    [{ freq: '20' }, /got "20"/],
    [{ freq: 'abc' }, /got "abc"/],
    [{ freq: Number.NaN }, /got NaN/],
    [{ freq: Infinity }, /got Infinity/],
    [{ freq: -5 }, /got -5/],
    [{ freq: 1000.5 }, /got 1000.5/],
    [{ freq: 1e9 }, /got 1000000000/],
    [{ freq: null }, /got null/],
    [{ freq: { length: 1e8 } }, /got a object/],
    [{ freq: [20] }, /got an array/],
    [{ freq: true }, /got a boolean/],
  ])('rejects %j', (payload, message) => {
    const check = validateFrequency(payload, 1000);
    expect(check.ok).toBe(false);
    if (!check.ok) expect(check.message).toMatch(message);
  });

  it('uses the configured maximum', () => {
    expect(validateFrequency({ freq: 50 }, 20)).toMatchObject({
      ok: false,
      message: expect.stringMatching(/from 0 to 20 /),
    });
    expect(validateFrequency({ freq: 20 }, 20)).toEqual({ ok: true, freq: 20 });
  });
});
