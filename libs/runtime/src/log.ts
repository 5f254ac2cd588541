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
