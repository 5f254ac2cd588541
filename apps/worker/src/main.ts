import { createServer } from 'node:http';
import { closeRedis, connectRedis, createDeadlinePublisher, watchRedis } from '@string-hashr/redis';
import { closeServer, createLogger, createMetricsRegistry, listen, loadDotenv, runMain } from '@string-hashr/runtime';
import { createApp } from './app.js';
import { readConfig } from './config.js';

const log = createLogger('worker');
loadDotenv();

void runMain(log, async () => {
  const config = readConfig(process.env);
  const redis = connectRedis(config.redisUrl, 'publisher', log);
  const watch = watchRedis(redis, { stallMs: config.redisStallMs, probe: 'time' });
  let stopping = false;
  const { listener } = createApp({
    ...config,
    publisher: createDeadlinePublisher(redis, watch),
    log,
    registry: createMetricsRegistry('worker'),
    isStopping: () => stopping,
  });
  const server = createServer(listener);
  const port = await listen(server, config.port);
  log.info('listening', { port, prefix: config.prefix || '(none)', logRequests: config.logRequests });

  return async () => {
    stopping = true;
    // Keep-alive connections turn idle as their in-flight request ends: close each as it does.
    const sweep = setInterval(() => server.closeIdleConnections(), 100);
    await closeServer(server, config.shutdownGraceMs);
    clearInterval(sweep);
    watch.stop();
    await closeRedis(redis);
  };
});
