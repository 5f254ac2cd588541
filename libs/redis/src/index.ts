export { parseRedisUrl, redisOptions, localRedisServerArgs, type RedisTarget } from './redis-url.js';
export { connectRedis, closeRedis, isRedisReady, reconnectDelay, redisAnswers, type RedisRole } from './redis.js';
export { watchRedis, monotonicNow, type RedisWatch, type RedisWatchOptions } from './redis-watch.js';
export {
  createDeadlinePublisher,
  PUBLISH_BEFORE_SCRIPT,
  TOO_LATE,
  CLOCK_MARGIN_MS,
  type DeadlinePublisher,
  type PublishOutcome,
} from './deadline-publish.js';
export { type ClockSample } from './redis-clock.js';
