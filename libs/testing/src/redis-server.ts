import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort, waitFor } from './ports.js';
import { type RunningProcess, type TestServer, startProcess } from './process.js';

/** `url` is `127.0.0.1:<port>`, the host:port form the manifests use. */
export type TestRedis = TestServer;

export function redisServerPath(): string {
  try {
    return execFileSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error('redis-server is not installed; install it with `apt-get install redis-server`');
  }
}

export function pingRedis(port: number, host = '127.0.0.1', timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(data.toString().startsWith('+PONG')));
  });
}

/** A real redis-server of the test's own on a free port, nothing kept on disk. */
export async function startRedis(): Promise<TestRedis> {
  const binary = redisServerPath();
  const port = await freePort();
  const dir = mkdtempSync(path.join(tmpdir(), 'hashr-redis-'));
  let proc: RunningProcess | undefined;
  const launch = async () => {
    proc = startProcess(binary, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir]);
    await waitFor(`redis-server on port ${port}`, () => pingRedis(port), 10_000);
  };
  await launch();
  return {
    port,
    url: `127.0.0.1:${port}`,
    async kill() {
      proc?.child.kill('SIGKILL');
      await proc?.exited;
    },
    restart: launch,
    async stop() {
      await proc?.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
