import { envChoice, type Env } from './env.js';
import { redactCredentials } from './redact.js';

export type LogFields = Record<string, string | number | boolean | undefined | null>;

export interface Logger {
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

/**
 * One line per event: `time level component: message key=value ...`, easy to read and to grep.
 * Every line passes through `redactCredentials`: a password in a URL never reaches the log.
 */
export function createLogger(
  component: string,
  write: (line: string) => void = (line) => process.stdout.write(line + '\n'),
): Logger {
  const line = (level: string, message: string, fields?: LogFields) => {
    const extra = fields
      ? Object.entries(fields)
          .filter(([, v]) => v !== undefined)
          .map(([k, v]) => `${k}=${typeof v === 'string' && /\s/.test(v) ? JSON.stringify(v) : v}`)
          .join(' ')
      : '';
    write(
      redactCredentials(`${new Date().toISOString()} ${level} ${component}: ${message}${extra ? ' ' + extra : ''}`),
    );
  };
  return {
    info: (m, f) => line('info', m, f),
    warn: (m, f) => line('warn', m, f),
    error: (m, f) => line('error', m, f),
  };
}

export interface ThrottledLog {
  /** Logs a warning unless one with the same `key` was logged less than `everyMs` ago. */
  warn(key: string, message: string, fields?: LogFields): void;
}

/**
 * For events an outsider can repeat at will (refused connections, floods): at most one line per
 * kind every `everyMs`, the next one saying how many were held back, so nobody can fill the log.
 */
export function throttledLog(log: Logger, everyMs: number, now: () => number = () => performance.now()): ThrottledLog {
  const kinds = new Map<string, { at: number; held: number }>();
  return {
    warn(key, message, fields) {
      const time = now();
      const kind = kinds.get(key);
      if (kind !== undefined && time - kind.at < everyMs) {
        kind.held++;
        return;
      }
      log.warn(message, kind?.held ? { ...fields, suppressed: kind.held } : fields);
      kinds.set(key, { at: time, held: 0 });
    },
  };
}

/** Which HTTP requests an app logs (`LOG_REQUESTS`): `errors` (4xx/5xx only, the default) or `all`. */
export type LogRequests = 'errors' | 'all';

/** `LOG_REQUESTS`, checked: `errors` unless set. */
export function envLogRequests(env: Env): LogRequests {
  return envChoice(env, 'LOG_REQUESTS', ['errors', 'all'] as const, 'errors');
}
