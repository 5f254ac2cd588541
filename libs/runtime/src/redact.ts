/**
 * Secrets in URLs (`redis://:password@host`, `https://user:token@host`) must never reach a log or
 * an error message. Two tools: `redactUrl` for a value known to be one URL (config errors), and
 * `redactCredentials` for any text (every log line goes through it).
 */

/** One URL value with whatever stands before its last `@` masked: `redis://:***@host:6379`. */
export function redactUrl(value: string): string {
  const scheme = value.indexOf('://');
  // A value with no scheme (`:password@host:6379`, a mistake) is masked the same way.
  const start = scheme < 0 ? 0 : scheme + 3;
  const at = value.lastIndexOf('@');
  if (at < start) return value;
  const credentials = value.slice(start, at);
  const colon = credentials.indexOf(':');
  // Without a colon the whole part may be a token: mask it all.
  const masked = colon < 0 ? '***' : `${credentials.slice(0, colon)}:***`;
  return `${value.slice(0, start)}${masked}${value.slice(at)}`;
}

const URL_CREDENTIALS = /([a-z][a-z0-9+.-]*:\/\/)([^\s:/@]*):[^\s@]*@/gi;

/** Any text with the password of every `scheme://user:password@` in it masked. */
export function redactCredentials(text: string): string {
  return text.replace(URL_CREDENTIALS, '$1$2:***@');
}
