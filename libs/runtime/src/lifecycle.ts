import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigError } from './env.js';
import type { Logger } from './log.js';

export function listen(server: Server, port: number, host?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** Stops accepting, lets in-flight requests finish, then cuts what is left after `graceMs`. */
export function closeServer(server: Server, graceMs = 8000): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => server.closeAllConnections(), graceMs);
    timer.unref();
    server.close(() => {
      clearTimeout(timer);
      resolve();
    });
    server.closeIdleConnections();
  });
}

/**
 * Runs `start`, which returns the app's `stop`. A ConfigError ends the program with its message
 * (naming the variable) and exit 1. SIGTERM or SIGINT runs `stop` once and exits 0, or 1 if it
 * failed or took longer than `stopTimeoutMs`.
 */
export async function runMain(
  log: Logger,
  start: () => Promise<() => Promise<void>>,
  stopTimeoutMs = 10_000,
): Promise<void> {
  let stop: () => Promise<void>;
  try {
    stop = await start();
  } catch (err) {
    if (err instanceof ConfigError) log.error(`configuration error: ${err.message}`);
    else log.error(`failed to start: ${(err as Error).stack ?? err}`);
    process.exit(1);
  }
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    log.info(`${signal} received, shutting down`);
    const deadline = setTimeout(() => {
      log.error(`shutdown took longer than ${stopTimeoutMs} ms, exiting`);
      process.exit(1);
    }, stopTimeoutMs);
    deadline.unref();
    stop().then(
      () => {
        log.info('stopped');
        process.exit(0);
      },
      (err) => {
        log.error(`shutdown failed: ${(err as Error).message}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
