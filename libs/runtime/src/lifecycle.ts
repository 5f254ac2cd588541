import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigError } from './env.js';
import type { Logger } from './log.js';

/** A start-up failure that is expected and explained by its message: main() prints it, no stack. */
export class StartError extends Error {
  override name = 'StartError';
}

/** Why a listen failed, in words naming the setting; undefined for failures no setting explains. */
export function listenFailure(
  code: string | undefined,
  variable: string,
  port: number,
  host?: string,
): string | undefined {
  const setting = `${variable}=${port}`;
  if (code === 'EADDRINUSE') return `${setting} is already in use${host ? ` on ${host}` : ''}`;
  if (code === 'EACCES') return `${setting} is not allowed for this user (ports below 1024 need privileges)`;
  if (code === 'EADDRNOTAVAIL') return `${setting}: address ${host ?? ''} is not available on this machine`;
  return undefined;
}

/**
 * Listens on `port` and resolves with the port bound. A port in use (or not allowed) rejects with
 * a StartError naming the variable the port came from: `PORT=8081 is already in use`.
 */
export function listen(server: Server, port: number, host?: string, variable = 'PORT'): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      const reason = listenFailure(err.code, variable, port, host);
      reject(reason ? new StartError(reason) : err);
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
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
 * Runs `start`, which returns the app's `stop`. A ConfigError or StartError ends the program with
 * its message (naming the variable) and exit 1, without a stack trace: the failure is expected
 * and the message says it all. SIGTERM or SIGINT runs `stop` once and exits 0, or 1 if it failed
 * or took longer than `stopTimeoutMs`.
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
    else if (err instanceof StartError) log.error(`cannot start: ${err.message}`);
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
