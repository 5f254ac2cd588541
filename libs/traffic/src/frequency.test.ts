import { describe, expect, it } from 'vitest';
import { rateRule, validateFrequency } from './frequency.js';

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
    [undefined],
    [null],
    [20],
    ['20'],
    [[20]],
    [{}],
    [{ freq: '20' }],
    [{ freq: 'abc' }],
    [{ freq: Number.NaN }],
    [{ freq: Infinity }],
    [{ freq: -5 }],
    [{ freq: 1000.5 }],
    [{ freq: 1e9 }],
    [{ freq: null }],
    [{ freq: { length: 1e8 } }],
    [{ freq: [20] }],
    [{ freq: true }],
  ])('refuses %j with the one wording of a bad rate', (payload) => {
    expect(validateFrequency(payload, 1000)).toEqual({
      ok: false,
      message: 'Enter a rate from 0 to 1000 requests per second.',
    });
  });

  it('uses the configured maximum', () => {
    expect(validateFrequency({ freq: 50 }, 20)).toMatchObject({
      ok: false,
      message: rateRule(20),
    });
    expect(validateFrequency({ freq: 20 }, 20)).toEqual({ ok: true, freq: 20 });
  });

  it('says it in words a user knows: no field names of the protocol', () => {
    expect(rateRule(1000)).not.toMatch(/freq|frequency|payload|object/);
  });
});
