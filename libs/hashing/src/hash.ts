import { createHash, randomBytes } from 'node:crypto';

export interface HashSources {
  /** A random hex string of exactly `length` characters. */
  salt?: (length: number) => string;
  now?: () => Date;
}

export function randomHexSalt(length: number): string {
  return randomBytes(Math.ceil(length / 2))
    .toString('hex')
    .slice(0, length);
}

/**
 * The codelab's hash: sha256 over the string, a random hex salt as long as the string and the
 * current hour, base64. The hour is UTC so two clusters in different zones agree.
 */
export function hashString(str: string, sources: HashSources = {}): string {
  const salt = (sources.salt ?? randomHexSalt)(str.length);
  const hour = (sources.now ?? (() => new Date()))().getUTCHours();
  return createHash('sha256').update(`${str}${salt}${hour}`).digest('base64');
}

/** What the worker publishes: its PREFIX (empty on primary, `bursty-` on burst) and the hash. */
export function calculationResult(prefix: string, str: string, sources?: HashSources): string {
  return prefix + hashString(str, sources);
}
