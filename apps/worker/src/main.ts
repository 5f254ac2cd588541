// Placeholder; the app lands in its own commit.
import { createServer } from 'node:http';
import { createLogger, envPort, listen, loadDotenv, runMain, closeServer } from '@string-hashr/core';

const log = createLogger('worker');
loadDotenv();
void runMain(log, async () => {
  const port = envPort(process.env, 'PORT', 8080);
  const server = createServer((_req, res) => res.end('ok'));
  log.info('listening', { port: await listen(server, port) });
  return () => closeServer(server);
});
