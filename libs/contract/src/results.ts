/**
 * What travels from the workers to the frontend: `PREFIX + base64(sha256)` on the Redis pub/sub
 * channel `calculation`, as in the codelab.
 */

/** The Redis pub/sub channel results travel on. */
export const CALCULATION_CHANNEL = 'calculation';

/** Length of a base64-encoded sha256 digest: what follows the prefix in every result. */
export const HASH_LENGTH = 44;

/** The prefix that marks a result computed on the burst cluster (the burst worker's PREFIX). */
export const BURST_PREFIX = 'bursty-';

export function isBurstResult(result: string, burstPrefix = BURST_PREFIX): boolean {
  return burstPrefix !== '' && result.startsWith(burstPrefix);
}

/** A prefix is at most this long, of printable ASCII without spaces (checked by the worker at start). */
export const MAX_PREFIX_LENGTH = 32;
const PREFIX_CHARS = /^[\x21-\x7e]*$/;

export function isValidPrefix(prefix: string): boolean {
  return prefix.length <= MAX_PREFIX_LENGTH && PREFIX_CHARS.test(prefix);
}

const RESULT = new RegExp(`^[\\x21-\\x7e]{0,${MAX_PREFIX_LENGTH}}[A-Za-z0-9+/]{${HASH_LENGTH - 1}}=$`);

/**
 * Whether a message on the channel has the shape of a result: a valid prefix and a base64 sha256.
 * The frontend relays nothing else to the pages (anyone who can PUBLISH could send anything).
 */
export function isResultMessage(message: string): boolean {
  return message.length <= MAX_PREFIX_LENGTH + HASH_LENGTH && RESULT.test(message);
}
