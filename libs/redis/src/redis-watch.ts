import type { Redis } from 'ioredis';
import * as watch from './redis-clock.js';

export interface RedisWatch {
  /** Connected, and not found stalled (with `TIME` probes: and the clock is known). */
  answering(): boolean;
  /** Redis's clock minus ours (ms) and how sure that is; undefined until a `TIME` probe answered. */
  clock(): watch.ClockSample | undefined;
  stop(): void;
}

export interface RedisWatchOptions {
  /**
   * Redis stops "answering" when a probe has waited longer than this at two checks in a row (the
   * checks run twice as often): it is seen within 1 to 2 times `stallMs`.
   */
  stallMs: number;
  /** `time` also learns Redis's clock; `ping` for a subscriber connection, where TIME is not allowed. */
  probe: 'time' | 'ping';
  /** The local monotonic clock, ms. */
  now?: () => number;
}

/** Local monotonic time in ms, on the same scale as epoch ms (immune to wall-clock steps). */
export const monotonicNow = () => performance.timeOrigin + performance.now();

/**
 * Checks and probes `redis` with TIME (or PING) every `stallMs / 2`, one probe at a time, so that a
 * Redis that keeps its socket open but stops answering (SIGSTOP, a frozen VM) is noticed within
 * twice `stallMs` and noticed again as answering as soon as it replies. The decisions are
 * `redis-clock.ts`.
 */
export function watchRedis(redis: Redis, options: RedisWatchOptions): RedisWatch {
  const now = options.now ?? monotonicNow;
  let state = watch.initialWatch();

  const probe = () => {
    if (redis.status !== 'ready') return;
    const sent = watch.probeSent(state, now());
    if (sent.id === null) return;
    const id = sent.id;
    state = sent.state;
    const reply =
      options.probe === 'time'
        ? redis.time().then(([seconds, micros]) => Number(seconds) * 1000 + Number(micros) / 1000)
        : redis.ping().then(() => null);
    reply.then(
      (redisMs) => void (state = watch.probeAnswered(state, id, now(), redisMs)),
      () => void (state = watch.probeFailed(state, id)),
    );
  };
  const onReady = () => {
    state = watch.reconnected(state);
    probe();
  };
  redis.on('ready', onReady);
  if (redis.status === 'ready') probe();
  const timer = setInterval(
    () => {
      state = watch.checked(state, now(), options.stallMs);
      probe();
    },
    Math.max(10, options.stallMs / 2),
  );
  timer.unref();

  return {
    answering: () => redis.status === 'ready' && watch.isAnswering(state, options.probe === 'time'),
    clock: () => watch.clockEstimate(state),
    stop() {
      clearInterval(timer);
      redis.off('ready', onReady);
    },
  };
}
