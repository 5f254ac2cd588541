export { parseRedisUrl, redisOptions, localRedisServerArgs, type RedisTarget } from './redis-url.js';
export { connectRedis, closeRedis, isRedisReady, reconnectDelay, redisAnswers, type RedisRole } from './redis.js';
