/**
 * How often one client may do something (a page changing the rate): a bucket of `capacity`
 * tokens refilled at `perSecond`; each action takes one. Pure: the caller keeps the bucket and
 * passes the time (ms, monotonic).
 */
export interface TokenBucket {
  tokens: number;
  updatedAt: number;
}

export interface BucketLimits {
  capacity: number;
  perSecond: number;
}

export const fullBucket = (limits: BucketLimits, now: number): TokenBucket => ({
  tokens: limits.capacity,
  updatedAt: now,
});

/** Takes a token if there is one: `ok` says whether the action may go ahead. */
export function takeToken(
  bucket: TokenBucket,
  limits: BucketLimits,
  now: number,
): { bucket: TokenBucket; ok: boolean } {
  // A clock that went backwards refills nothing, now or later.
  const updatedAt = Math.max(bucket.updatedAt, now);
  const tokens = Math.min(limits.capacity, bucket.tokens + ((updatedAt - bucket.updatedAt) * limits.perSecond) / 1000);
  if (tokens < 1) return { bucket: { tokens, updatedAt }, ok: false };
  return { bucket: { tokens: tokens - 1, updatedAt }, ok: true };
}
