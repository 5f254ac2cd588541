import { describe, expect, it } from 'vitest';
import {
  NOT_JSON,
  NOT_OBJECT,
  STR_EMPTY,
  STR_MISSING,
  STR_NOT_STRING,
  checkBodyHeaders,
  isHashPath,
  parseHashBody,
} from './hash-request.js';

describe('parseHashBody', () => {
  it.each([
    ['{"str":"abcdefghij"}', 'abcdefghij'],
    ['{"str":"héllo ✓"}', 'héllo ✓'],
    ['{"str":" "}', ' '],
    ['{"str":"x","other":1}', 'x'],
    ['  {"str":"spaced"}\n', 'spaced'],
  ])('accepts %s', (text, str) => {
    expect(parseHashBody(text)).toEqual({ ok: true, str });
  });

  it.each([
    ['', NOT_JSON],
    ['nope', NOT_JSON],
    ['{"str":', NOT_JSON],
    ['{"str":"a"} trailing', NOT_JSON],
    ['str=abc', NOT_JSON],
    ['[]', NOT_OBJECT],
    ['["abc"]', NOT_OBJECT],
    ['"x"', NOT_OBJECT],
    ['42', NOT_OBJECT],
    ['null', NOT_OBJECT],
    ['true', NOT_OBJECT],
    ['{}', STR_MISSING],
    ['{"string":"abc"}', STR_MISSING],
    ['{"__proto__":{"str":"abc"}}', STR_MISSING],
    ['{"str":null}', STR_NOT_STRING],
    ['{"str":42}', STR_NOT_STRING],
    ['{"str":true}', STR_NOT_STRING],
    ['{"str":["a"]}', STR_NOT_STRING],
    // The codelab's worker allocated a salt of this `.length` and ran out of memory.
    ['{"str":{"length":1e8}}', STR_NOT_STRING],
    ['{"str":""}', STR_EMPTY],
  ])('refuses %s with 400', (text, error) => {
    expect(parseHashBody(text)).toEqual({ ok: false, status: 400, error });
  });
});

describe('checkBodyHeaders', () => {
  it.each([
    [undefined, undefined, undefined],
    [undefined, '20', undefined],
    [undefined, '16384', undefined],
    ['identity', '10', undefined],
    ['IDENTITY', undefined, undefined],
    [undefined, '16385', 413],
    [undefined, '20480', 413],
    ['gzip', '10', 415],
    ['br', undefined, 415],
  ])('content-encoding %s, content-length %s -> %s', (encoding, length, status) => {
    expect(checkBodyHeaders(encoding, length, 16384)?.status).toBe(status);
  });

  it('says what the limit is', () => {
    expect(checkBodyHeaders(undefined, '99999', 16384)).toEqual({
      ok: false,
      status: 413,
      error: 'body is larger than 16384 bytes',
    });
  });
});

describe('isHashPath', () => {
  it.each([
    ['/', true],
    ['/?source=frontend', true],
    ['', false],
    [undefined, false],
    ['/hash', false],
    ['/_healthz', false],
    ['//', true],
    ['///?x=1', true],
    ['http://worker-service/', true],
    ['http://worker-service', true],
    ['HTTP://worker-service:8081/?q', true],
    ['https://h/#frag', true],
    ['http://worker-service/hash', false],
    ['http://worker-service//_healthz', false],
    ['//_healthz', false],
    ['/%2F', false],
    ['*', false],
  ])('%s -> %s', (url, expected) => {
    expect(isHashPath(url)).toBe(expected);
  });
});
