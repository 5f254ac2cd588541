import { describe, expect, it } from 'vitest';
import { MAX_TRACE_SECONDS, TraceError, parseTrace, parseTraceRows, traceCsv } from './trace.js';

const rps = (text: string) => Array.from(parseTrace(text, 'trace.csv').rps);

describe('parseTrace: good traces', () => {
  it.each<[string, string, number[]]>([
    ['one row per second, with a header', 't,rps\n0,5\n1,6\n2,7\n', [5, 6, 7]],
    ['no header, CRLF, blank lines and comments', '# a day\r\n\r\n0,5\r\n1,6\r\n', [5, 6]],
    ['any start: times are relative to the first row', '1000,1\n1001,2\n', [1, 2]],
    ['rows every 2 s hold until the next; the last holds the usual step', '0,4\n2,8\n', [4, 4, 8, 8]],
    ['fractional times: time-weighted within a second', '0,10\n0.5,20\n1.5,0\n2,0\n', [15, 10, 0]],
    ['a single row is one second', '0,3\n', [3]],
    ['spaces around values, exponents', ' 0 , 1e1 \n1,2.5\n', [10, 2.5]],
  ])('%s', (_name, text, expected) => {
    expect(rps(text)).toEqual(expected);
  });

  it('traceCsv writes what parseTrace reads back', () => {
    const trace = parseTrace('0,1.5\n1,2\n2,0\n', 'a.csv');
    expect(rps(traceCsv(trace))).toEqual([1.5, 2, 0]);
  });
});

describe('parseTrace: bad traces get an error naming the line', () => {
  it.each<[string, string, RegExp]>([
    [
      'unsorted times',
      't,rps\n0,5\n2,5\n1,5\n',
      /trace\.csv line 4: times must increase: t=1 comes after t=2 \(line 3\)/,
    ],
    ['a repeated time', '0,5\n0,6\n', /line 2: times must increase/],
    ['a negative rate', '0,5\n1,-3\n', /trace\.csv line 2: rps must be >= 0, got -3/],
    ['a rate that is not a number', '0,5\n1,lots\n', /line 2: rps must be a number, got "lots"/],
    ['a time that is not a number', '0,5\nnoon,5\n', /line 2: t must be a number of seconds, got "noon"/],
    ['NaN', '0,NaN\n', /line 1: rps must be a number, got "NaN"/],
    ['Infinity', '0,Infinity\n', /line 1: rps must be a number/],
    ['one value', '0,5\n7\n', /line 2: expected two comma-separated values "t,rps", got "7"/],
    ['three values', '0,5,1\n', /line 1: expected two comma-separated values/],
    ['a header that is not t,rps', 'time,rate\n0,1\n', /line 1: t must be a number of seconds, got "time"/],
    [
      'a time far beyond a year',
      '0,5\n99999999999,5\n',
      /line 2: t=99999999999 is more than 366 days after the first row/,
    ],
  ])('%s', (_name, text, message) => {
    expect(() => parseTrace(text, 'trace.csv')).toThrow(TraceError);
    expect(() => parseTrace(text, 'trace.csv')).toThrow(message);
  });

  it.each([
    ['an empty file', ''],
    ['only a header', 't,rps\n'],
    ['only comments and blank lines', '# nothing\n\n'],
  ])('%s: no data rows', (_name, text) => {
    expect(() => parseTrace(text, 'empty.csv')).toThrow(/empty\.csv: no data rows \(expected lines of "t,rps"\)/);
  });

  it('the limit is a year of seconds', () => {
    expect(parseTraceRows(`0,1\n${MAX_TRACE_SECONDS},1\n`, 'x').times).toHaveLength(2);
  });
});
