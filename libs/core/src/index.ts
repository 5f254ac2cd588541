export { HASH_LENGTH, BURST_PREFIX, hashString, calculationResult, isBurstResult, randomHexSalt, type HashSources } from './hash.js';
export { CALCULATION_CHANNEL, parseRedisUrl, redisOptions, type RedisTarget } from './redis-url.js';
export { connectRedis, closeRedis, isRedisReady, reconnectDelay, redisAnswers, type RedisRole } from './redis.js';
export { ConfigError, envString, envOptional, envNumber, envPort, envBoolean, envChoice, envUrl, type Env } from './env.js';
export { createLogger, type Logger, type LogFields } from './log.js';
export { listen, closeServer, runMain } from './lifecycle.js';
export { createMetricsRegistry, metricsHandler } from './metrics.js';
export { loadDotenv } from './dotenv.js';
