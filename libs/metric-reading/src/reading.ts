/**
 * The outcome of one read, kept apart: a number; no data (an empty answer, which is not zero
 * traffic); a source still warming up; or an error of a named kind. A rate carries `dataAt`, the
 * time of the newest data behind it, so the policy counts each scrape once.
 */

export const READ_ERROR_KINDS = [
  'http',
  'network',
  'timeout',
  'too-large',
  'prometheus',
  'not-finite',
  'multiple-series',
  'parse',
] as const;

export type ReadErrorKind = (typeof READ_ERROR_KINDS)[number];

export interface ReadError {
  kind: 'error';
  errorKind: ReadErrorKind;
  message: string;
}

export type Reading =
  { kind: 'value'; rps: number; dataAt?: number } | { kind: 'no-data' } | { kind: 'warming-up' } | ReadError;

/** The burst side's health: request count, non-5xx share, p99 (each when known), and the data time. */
export type HealthReading =
  | { kind: 'health'; requests?: number; successRate?: number; p99Ms?: number; dataAt?: number }
  | { kind: 'no-data' }
  | ReadError;

export function readError(errorKind: ReadErrorKind, message: string): ReadError {
  return { kind: 'error', errorKind, message };
}
