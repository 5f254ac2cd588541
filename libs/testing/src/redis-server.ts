import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { localRedisServerArgs, redisAnswers } from '@string-hashr/redis';
import { freePort } from './ports.js';
import { type TestServer, startProcess, startTestServer } from './process.js';

/** `url` is `127.0.0.1:<port>`, the host:port form the manifests use. */
export type TestRedis = TestServer;

export function redisServerPath(): string {
  try {
    return execFileSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error('redis-server is not installed; install it with `apt-get install redis-server`');
  }
}

/** Whether a redis-server answers on 127.0.0.1:port. */
export const pingRedis = (port: number, host = '127.0.0.1', timeoutMs = 500) => redisAnswers(host, port, timeoutMs);

/**
 * A real redis-server of the test's own on a free port, nothing kept on disk. `extraArgs` go on
 * its command line (e.g. `['--requirepass', 'pw']`; then `ready` waits for the NOAUTH answer).
 */
export async function startRedis(extraArgs: string[] = []): Promise<TestRedis> {
  const binary = redisServerPath();
  const port = await freePort();
  const dir = mkdtempSync(path.join(tmpdir(), 'hashr-redis-'));
  return startTestServer({
    port,
    url: `127.0.0.1:${port}`,
    dir,
    what: `redis-server on port ${port}`,
    spawn: () => startProcess(binary, [...localRedisServerArgs(port, dir), ...extraArgs]),
    ready: () => pingRedis(port),
    timeoutMs: 10_000,
  });
}
