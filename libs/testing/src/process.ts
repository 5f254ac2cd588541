import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { rmSync } from 'node:fs';
import { waitFor } from './ports.js';

/** A real server a test started: kill() is a crash (SIGKILL), restart() brings it back on the same port and data. */
export interface TestServer {
  port: number;
  url: string;
  kill(): Promise<void>;
  /** SIGSTOP: the process keeps its sockets open and answers nothing, until thaw() (SIGCONT). */
  freeze(): void;
  thaw(): void;
  restart(): Promise<void>;
  /** Stops it and removes its data. */
  stop(): Promise<void>;
}

export interface RunningProcess {
  child: ChildProcess;
  /** Everything it printed so far (stdout and stderr). */
  output(): string;
  /** Resolves with the exit code (or null if killed by a signal) when it ends. */
  exited: Promise<number | null>;
  /**
   * SIGTERM, then SIGKILL after `graceMs`; resolves when it is gone. The default is longer than an
   * app's own shutdown deadline (runMain's 10 s), so the exit code is the app's, not the test's
   * impatience: a watcher's shutdown waits for its tick in flight (a query of up to 3 s) and its
   * server's close (up to 2 s), and on a busy machine the 5 s given before ran out: its exit read as null.
   */
  stop(graceMs?: number): Promise<number | null>;
}

export function startProcess(
  command: string,
  args: string[],
  options: { env?: Record<string, string | undefined>; cwd?: string; echo?: boolean } = {},
): RunningProcess {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  const collect = (chunk: Buffer) => {
    text += chunk.toString();
    if (text.length > 1_000_000) text = text.slice(-500_000);
    if (options.echo) process.stderr.write(chunk);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.once('error', (err) => {
      text += `\n[spawn error] ${err.message}`;
      resolve(-1);
    });
  });
  return {
    child,
    output: () => text,
    exited,
    async stop(graceMs = 12_000) {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/** Runs a built app (`dist/apps/<app>/main.js`) with the given environment. */
export function startNodeApp(mainJs: string, env: Record<string, string | undefined>, echo = false): RunningProcess {
  return startProcess(process.execPath, [mainJs], { env: { LOG_REQUESTS: undefined, ...env }, echo });
}

/**
 * A server process that a test can crash (`kill`) and start again (`restart`) on the same port and
 * data directory; `stop` ends it and removes the directory.
 */
export async function startTestServer(options: {
  port: number;
  url: string;
  dir: string;
  what: string;
  spawn: () => RunningProcess;
  ready: () => Promise<boolean>;
  timeoutMs: number;
}): Promise<TestServer> {
  let proc: RunningProcess | undefined;
  const launch = async () => {
    const running = (proc = options.spawn());
    await waitFor(
      options.what,
      () => {
        if (running.child.exitCode !== null) throw new Error(`it exited: ${running.output().slice(-2000)}`);
        return options.ready();
      },
      options.timeoutMs,
      100,
    );
  };
  await launch();
  return {
    port: options.port,
    url: options.url,
    async kill() {
      proc?.child.kill('SIGKILL');
      await proc?.exited;
    },
    freeze: () => void proc?.child.kill('SIGSTOP'),
    thaw: () => void proc?.child.kill('SIGCONT'),
    restart: launch,
    async stop() {
      // A frozen process would ignore SIGTERM until woken.
      proc?.child.kill('SIGCONT');
      await proc?.stop();
      rmSync(options.dir, { recursive: true, force: true });
    },
  };
}

export { once };
