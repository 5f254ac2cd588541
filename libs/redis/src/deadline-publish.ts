import { type Redis, ReplyError } from 'ioredis';
import type { RedisWatch } from './redis-watch.js';
import { monotonicNow } from './redis-watch.js';

/**
 * PUBLISH, but only while Redis's clock has not passed the deadline (ms since the epoch, Redis's
 * own clock). A command written to a Redis that is frozen (SIGSTOP) waits in its socket buffer and
 * runs when it wakes, however long after: closing or resetting the connection does not stop it.
 * The deadline does: once it has passed, the script refuses, so a request already answered 503
 * can never be published afterwards.
 */
export const PUBLISH_BEFORE_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if now > tonumber(ARGV[3]) then return -1 end
return redis.call('PUBLISH', ARGV[1], ARGV[2])
`;

/** What the script answers when Redis ran it after the deadline (nothing was published). */
export const TOO_LATE = -1;

/** Margin past the deadline for the clock estimate's rounding and the clocks' drift, ms. */
export const CLOCK_MARGIN_MS = 5;

/**
 * How a publish ended, when that is known: published, refused by the script (too late), or refused
 * by Redis with an error (nothing published). The promise rejects only when the fate is unknown
 * (the connection broke after the command was written).
 */
export type PublishOutcome = { kind: 'published' } | { kind: 'too_late' } | { kind: 'refused'; reason: string };

export interface DeadlinePublisher {
  /** Redis is connected, answering and its clock known: a publish can be sent with a deadline. */
  answering(): boolean;
  /**
   * Publishes `message` unless Redis runs it more than `timeoutMs` from now (by its clock).
   * `settledInMs`: from now on, after this long Redis will refuse it for certain, so an answer
   * given after that (503) can never be followed by the publish.
   */
  publishWithin(
    channel: string,
    message: string,
    timeoutMs: number,
  ): { outcome: Promise<PublishOutcome>; settledInMs: number };
}

type WithPublishBefore = Redis & {
  publishBefore(channel: string, message: string, deadlineMs: number): Promise<number>;
};

/** A publisher over `redis` (publisher role) and its `watchRedis(..., { probe: 'time' })`. */
export function createDeadlinePublisher(
  redis: Redis,
  watch: RedisWatch,
  now: () => number = monotonicNow,
): DeadlinePublisher {
  // EVALSHA, falling back to EVAL once per connection when Redis does not know the script yet.
  redis.defineCommand('publishBefore', { numberOfKeys: 0, lua: PUBLISH_BEFORE_SCRIPT });
  const guarded = redis as WithPublishBefore;
  return {
    answering: () => watch.answering() && watch.clock() !== undefined,
    publishWithin(channel, message, timeoutMs) {
      const clock = watch.clock();
      if (clock === undefined)
        return { outcome: Promise.reject(new Error('the Redis clock is not known yet')), settledInMs: 0 };
      const deadline = Math.floor(now() + clock.offset + timeoutMs);
      const outcome = guarded.publishBefore(channel, message, deadline).then(
        (reply): PublishOutcome => (Number(reply) === TOO_LATE ? { kind: 'too_late' } : { kind: 'published' }),
        (err: Error): PublishOutcome => {
          // An error reply means Redis did not run the PUBLISH; anything else leaves it unknown.
          if (err instanceof ReplyError) return { kind: 'refused', reason: err.message };
          throw err;
        },
      );
      return { outcome, settledInMs: timeoutMs + clock.uncertainty + CLOCK_MARGIN_MS };
    },
  };
}
