// Placeholder until the controller lands: starts and serves the admin /healthz.
import { createServer } from 'node:http';
import { createLogger, envPort, listen, loadDotenv, runMain, closeServer } from '@string-hashr/core';

const log = createLogger('istiowatcher');
loadDotenv();
void runMain(log, async () => {
  const port = envPort(process.env, 'PORT', 9102);
  const server = createServer((req, res) => {
    res.writeHead(req.url === '/healthz' ? 200 : 404, { 'content-type': 'text/plain' }).end(req.url === '/healthz' ? 'ok' : 'not found');
  });
  log.info('admin listening', { port: await listen(server, port) });
  return () => closeServer(server);
});
