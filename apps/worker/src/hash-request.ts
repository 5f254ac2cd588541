/** Why a `POST /` body is refused: the status to answer and the message for `{"error": ...}`. */
export interface Refusal {
  ok: false;
  status: 400 | 413 | 415;
  error: string;
}

/** What `POST /` carries, once checked: the string to hash, or why not. */
export type HashRequest = { ok: true; str: string } | Refusal;

export const NOT_JSON = 'body is not valid JSON; expected {"str": "..."}';
export const NOT_OBJECT = 'body must be a JSON object like {"str": "..."}';
export const STR_MISSING = '"str" is missing; expected {"str": "..."}';
export const STR_NOT_STRING = '"str" must be a string';
export const STR_EMPTY = '"str" must not be empty';

/**
 * Checks a parsed body. Only a non-empty string passes: anything else (numbers, objects such as
 * `{"length": 1e8}`, arrays) is refused before it can reach the hash, where the codelab's worker
 * would allocate a salt as long as whatever `.length` said.
 */
export function validateHashBody(body: unknown): HashRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    return { ok: false, status: 400, error: NOT_OBJECT };
  const str = (body as { str?: unknown }).str;
  if (str === undefined) return { ok: false, status: 400, error: STR_MISSING };
  if (typeof str !== 'string') return { ok: false, status: 400, error: STR_NOT_STRING };
  if (str === '') return { ok: false, status: 400, error: STR_EMPTY };
  return { ok: true, str };
}

/** Parses and checks the raw body text (already within the size limit). */
export function parseHashBody(text: string): HashRequest {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { ok: false, status: 400, error: NOT_JSON };
  }
  return validateHashBody(body);
}

/** Refuses a body before reading it, from its headers: a compressed body, or a declared size past the limit. */
export function checkBodyHeaders(
  contentEncoding: string | undefined,
  contentLength: string | undefined,
  maxBytes: number,
): Refusal | undefined {
  if (contentEncoding !== undefined && contentEncoding.toLowerCase() !== 'identity') {
    return {
      ok: false,
      status: 415,
      error: `content-encoding "${contentEncoding}" is not supported; send the JSON uncompressed`,
    };
  }
  if (contentLength !== undefined && Number(contentLength) > maxBytes) return tooLarge(maxBytes);
  return undefined;
}

export function tooLarge(maxBytes: number): Refusal {
  return { ok: false, status: 413, error: `body is larger than ${maxBytes} bytes` };
}

const ABSOLUTE_FORM = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*/;

/**
 * The path of a request target as HTTP/1.1 allows it: origin-form (`/x?q`) or absolute-form
 * (`http://host/x?q`, which proxies send), without query or fragment, repeated slashes as one.
 */
export function targetPath(target: string): string {
  const path = target.replace(ABSOLUTE_FORM, '').replace(/[?#].*$/s, '');
  return path === '' ? '/' : path.replace(/\/{2,}/g, '/');
}

/** `POST /` in every spelling: `/`, `/?anything`, `//`, `http://host/`, `http://host`. */
export function isHashPath(url: string | undefined): boolean {
  if (url === '/') return true;
  if (url === undefined || url === '') return false;
  return targetPath(url) === '/';
}
