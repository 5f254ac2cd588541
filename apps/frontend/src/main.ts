import { closeRedis, connectRedis } from '@string-hashr/redis';
import { createLogger, listen, loadDotenv, runMain } from '@string-hashr/runtime';
import { createApp } from './app.js';
import { readConfig } from './config.js';
import { createProcessorClient } from './processor-client.js';

const log = createLogger('frontend');
loadDotenv();
void runMain(log, async () => {
  const config = readConfig(process.env);
  const processor = createProcessorClient(config.processorUrl, {
    maxConnections: config.maxInFlight,
    timeoutMs: config.requestTimeoutMs,
    maxPerSecond: config.maxRate,
  });
  const subscriber = connectRedis(config.redisUrl, 'subscriber', log);
  const frontend = createApp({ config, log, subscriber, sendToProcessor: processor.send });
  const port = await listen(frontend.server, config.port);
  log.info('listening', {
    port,
    processor: config.processorUrl,
    maxRate: config.maxRate,
    maxInFlight: config.maxInFlight,
  });
  return async () => {
    await frontend.close();
    await processor.close();
    await closeRedis(subscriber);
  };
});
