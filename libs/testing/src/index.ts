export { freePort, sleep, waitFor, http } from './ports.js';
export { startProcess, startNodeApp, type RunningProcess } from './process.js';
export { startRedis, pingRedis, redisServerPath, type TestRedis } from './redis-server.js';
export { chromiumLaunchOptions } from './chromium.js';
