import { describe, expect, it } from 'vitest';
import { type TokenBucket, fullBucket, takeToken } from './token-bucket.js';

const limits = { capacity: 3, perSecond: 2 };

/** Takes a token at each time, returning which were allowed. */
function run(times: number[]): boolean[] {
  let bucket: TokenBucket = fullBucket(limits, 0);
  return times.map((now) => {
    const taken = takeToken(bucket, limits, now);
    bucket = taken.bucket;
    return taken.ok;
  });
}

describe('token bucket', () => {
  it.each([
    ['a burst up to the capacity', [0, 0, 0, 0], [true, true, true, false]],
    ['refilled at perSecond', [0, 0, 0, 499, 500, 501, 1000], [true, true, true, false, true, false, true]],
    [
      'never above the capacity after a long pause',
      [0, 0, 0, 60_000, 60_000, 60_000, 60_000],
      [true, true, true, true, true, true, false],
    ],
    ['a steady pace at the refill rate', [0, 500, 1000, 1500, 2000], [true, true, true, true, true]],
    ['a clock going backwards refills nothing', [0, 0, 0, -5000, 0], [true, true, true, false, false]],
  ])('%s', (_name, times, expected) => {
    expect(run(times)).toEqual(expected);
  });
});
