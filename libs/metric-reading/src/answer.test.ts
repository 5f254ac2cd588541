import { describe, expect, it } from 'vitest';
import {
  healthFromCodes,
  healthFromRatio,
  parseDataTime,
  parseLatency,
  parseQueryResponse,
  parseSampleValue,
} from './answer.js';

const vector = (...values: string[]) => ({
  status: 'success',
  data: {
    resultType: 'vector',
    result: values.map((v, i) => ({ metric: { i: String(i) }, value: [1700000000.1, v] })),
  },
});
const byCode = (codes: Record<string, string>) => ({
  status: 'success',
  data: {
    resultType: 'vector',
    result: Object.entries(codes).map(([code, v]) => ({ metric: { response_code: code }, value: [1700000000, v] })),
  },
});

describe('parseSampleValue', () => {
  it.each([
    ['12.5', 12.5],
    ['0', 0],
    ['1e3', 1000],
    ['1.5e-05', 0.000015],
    ['-5', -5],
    ['NaN', NaN],
    ['+Inf', Infinity],
    ['-Inf', -Infinity],
    ['0x0', undefined],
    ['0b1', undefined],
    ['', undefined],
    [' 5', undefined],
    ['5 ', undefined],
    ['1e400', undefined],
    ['Nan', NaN],
    ['Infinity', Infinity],
    ['Infinit', undefined],
    ['12abc', undefined],
    ['constructor', undefined],
  ])('%j -> %s', (text, value) => {
    expect(parseSampleValue(text)).toBe(value);
  });
});

describe('parseQueryResponse (a rate)', () => {
  it.each<[string, unknown, object]>([
    ['a number', vector('12.5'), { kind: 'value', rps: 12.5 }],
    ['zero', vector('0'), { kind: 'value', rps: 0 }],
    ['an empty vector: no data', vector(), { kind: 'no-data' }],
    ['a scalar', { status: 'success', data: { resultType: 'scalar', result: [1, '3'] } }, { kind: 'value', rps: 3 }],
    ['NaN', vector('NaN'), { kind: 'error', errorKind: 'not-finite' }],
    ['+Inf', vector('+Inf'), { kind: 'error', errorKind: 'not-finite' }],
    ['hex', vector('0x0'), { kind: 'error', errorKind: 'parse' }],
    ['negative', vector('-5'), { kind: 'error', errorKind: 'parse' }],
    ['out of range', vector('1e400'), { kind: 'error', errorKind: 'parse' }],
    ['empty text', vector(''), { kind: 'error', errorKind: 'parse' }],
    [
      'a number, not text',
      { status: 'success', data: { resultType: 'scalar', result: [1, 3] } },
      { kind: 'error', errorKind: 'parse' },
    ],
    [
      'no time',
      { status: 'success', data: { resultType: 'scalar', result: ['x', '3'] } },
      { kind: 'error', errorKind: 'parse' },
    ],
    ['two series', vector('1', '2'), { kind: 'error', errorKind: 'multiple-series' }],
    [
      'status error',
      { status: 'error', errorType: 'bad_data', error: 'parse error at char 5' },
      { kind: 'error', errorKind: 'prometheus' },
    ],
    [
      'a matrix',
      { status: 'success', data: { resultType: 'matrix', result: [] } },
      { kind: 'error', errorKind: 'parse' },
    ],
    ['not an object', 'hello', { kind: 'error', errorKind: 'parse' }],
    ['null', null, { kind: 'error', errorKind: 'parse' }],
  ])('%s', (_name, body, expected) => {
    expect(parseQueryResponse(body)).toEqual(expect.objectContaining(expected));
  });

  it('names the error and the series in the message', () => {
    expect(parseQueryResponse({ status: 'error', errorType: 'bad_data', error: 'parse error' })).toMatchObject({
      message: 'status error: bad_data parse error',
    });
    expect(parseQueryResponse(vector('1', '2'))).toMatchObject({
      message: expect.stringMatching(/2 series .*sum\(\)/),
    });
  });
});

describe('the data time and the burst side', () => {
  it('a timestamp() answer is the data time in ms', () => {
    expect(parseDataTime(vector('1700000012.5'))).toEqual({ kind: 'time', at: 1700000012500 });
    expect(parseDataTime(vector())).toEqual({ kind: 'no-data' });
    expect(parseDataTime(vector('-1'))).toMatchObject({ kind: 'error', errorKind: 'parse' });
  });

  it.each<[string, unknown, object]>([
    ['all fine', byCode({ '200': '100' }), { kind: 'health', requests: 100, successRate: 1 }],
    [
      '5xx fail, 4xx do not',
      byCode({ '200': '80', '404': '5', '503': '10', '504': '5' }),
      { requests: 100, successRate: 0.85 },
    ],
    [
      'increase() extrapolates to fractions',
      byCode({ '200': '9.5', '503': '0.5' }),
      { requests: 10, successRate: 0.95 },
    ],
    [
      'code 0 (no answer: a reset, or the caller gave up) fails too',
      byCode({ '200': '90', '0': '10' }),
      { requests: 100, successRate: 0.9 },
    ],
    ['no requests in the window', byCode({ '200': '0' }), { requests: 0, successRate: undefined }],
    ['no burst series at all', byCode({}), { kind: 'no-data' }],
    ['a bad count', byCode({ '200': '0x10' }), { kind: 'error', errorKind: 'parse' }],
    ['a negative count', byCode({ '200': '-3' }), { kind: 'error', errorKind: 'parse' }],
  ])('by response code: %s', (_name, body, expected) => {
    expect(healthFromCodes(body)).toMatchObject(expected);
  });

  it('a custom health query gives the ratio, dated by its evaluation', () => {
    expect(healthFromRatio(vector('0.9'))).toEqual({ kind: 'health', successRate: 0.9, dataAt: 1700000000100 });
    expect(healthFromRatio(vector())).toEqual({ kind: 'no-data' });
    expect(healthFromRatio(vector('1.5'))).toMatchObject({ kind: 'error', errorKind: 'parse' });
  });

  it('a p99: NaN (nothing in the window) is unknown', () => {
    expect(parseLatency(vector('250'))).toEqual({ kind: 'latency', ms: 250 });
    expect(parseLatency(vector('NaN'))).toEqual({ kind: 'latency' });
    expect(parseLatency(vector())).toEqual({ kind: 'latency' });
    expect(parseLatency(vector('+Inf'))).toMatchObject({ kind: 'error', errorKind: 'parse' });
  });
});
