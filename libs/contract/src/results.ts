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
