// Runs the whole local stack as a user does (`npm start`, or the same entry point without npm),
// on free ports, in its own process group so a test can press "Ctrl-C" (SIGINT to the group).
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { WATCHER_STATUS_PATH } from '@string-hashr/contract';
import { parseExposition } from '@string-hashr/metric-reading';
import { type Socket, io } from 'socket.io-client';
import type { TestContext } from 'vitest';
import { freePort, waitFor } from './ports.js';

/**
 * The watcher's `weights changed` log lines in a stack's output (or a watcher's own): when (epoch
 * ms, the watcher's clock) and the burst weight it set.
 */
export function loggedWeightChanges(output: string): Array<{ at: number; burst: number }> {
  return [
    ...output.matchAll(/(\d{4}-\d\d-\d\dT[\d:.]+Z) info istiowatcher: weights changed .*?weights=(\d+)\/(\d+)/g),
  ].map((m) => ({ at: Date.parse(m[1] ?? ''), burst: Number(m[3]) }));
}

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export interface Stack {
  child: ChildProcess;
  pageUrl: string;
  ports: Record<string, number>;
  /** The Redis the stack started (it found nothing at the REDIS_URL the test gave it). */
  redisUrl: string;
  lockFile: string;
  env: Record<string, string>;
  output(): string;
  /** The last lines of its output, headed as such: for a failure's message. */
  tail(lines?: number): string;
  /** What the watcher reads and decides now, and the last lines of the output: why a test failed. */
  explain(): Promise<string>;
  exited: Promise<number | null>;
  /** Ctrl-C: SIGINT to the whole process group, as a terminal sends it; resolves with the exit code. */
  ctrlC(): Promise<number | null>;
  /** Pids of the processes in the stack's group still alive. */
  processes(): number[];
}

/**
 * An afterEach hook: when the test failed, fails it again with what the stack's watcher read and
 * decided and the stack's last lines, so a run's summary says why (a burst that never came: a low
 * reading, a scrape error, a process gone).
 */
export function explainFailure(stack: () => Stack | undefined) {
  return async ({ task }: TestContext): Promise<void> => {
    const failed = stack();
    if (task.result?.state === 'fail' && failed)
      throw new Error(`the stack, after the failure:\n${await failed.explain()}`);
  };
}

/** The watcher's status, the parts that say why it did what it did, on one line each. */
async function watcherNow(port: number | undefined): Promise<string> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}${WATCHER_STATUS_PATH}`, { signal: AbortSignal.timeout(3000) });
    const status = (await res.json()) as Record<string, unknown>;
    return ['at', 'phase', 'weights', 'reason', 'problem', 'rate', 'pending', 'health']
      .map((key) => `--- the watcher's ${key}: ${JSON.stringify(status[key])}`)
      .join('\n');
  } catch (err) {
    return `--- the watcher's status: unreadable (${(err as Error).message})`;
  }
}

export function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

export function groupMembers(pgid: number): number[] {
  try {
    return execFileSync('pgrep', ['-g', String(pgid)], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

/** The environment of a running process, to tell the burst worker from the primary one. */
export function processEnv(pid: number): Record<string, string> {
  try {
    return Object.fromEntries(
      readFileSync(`/proc/${pid}/environ`, 'utf8')
        .split('\0')
        .filter(Boolean)
        .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
    );
  } catch {
    return {};
  }
}

export async function startStack(options: { env?: Record<string, string>; viaNpm?: boolean } = {}): Promise<Stack> {
  const ports: Record<string, number> = {};
  // freePort can hand out the same port twice (nothing holds it in between): each component needs its own.
  const taken = new Set<number>();
  const distinctPort = async (): Promise<number> => {
    for (;;) {
      const port = await freePort();
      if (taken.has(port)) continue;
      taken.add(port);
      return port;
    }
  };
  for (const name of [
    'FRONTEND_PORT',
    'WORKER_PORT',
    'BURST_WORKER_PORT',
    'MESH_PORT',
    'WATCHER_PORT',
    'PROMETHEUS_PORT',
  ])
    ports[name] = await distinctPort();
  const lockFile = path.join(mkdtempSync(path.join(tmpdir(), 'stack-lock-')), 'stack.lock');
  const env: Record<string, string> = {
    ...Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)])),
    // Nothing answers here, so the stack starts its own redis-server.
    REDIS_URL: `127.0.0.1:${await distinctPort()}`,
    LOCAL_STACK_LOCK: lockFile,
    LOCAL_STACK_BUILD: 'false',
    ...options.env,
  };
  const [command, args] = options.viaNpm
    ? ['npm', ['start', '--silent']]
    : [process.execPath, ['tools/build/run-ts.mjs', 'tools/local-stack/src/main.ts']];
  const child = spawn(command, args, {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout?.on('data', (c) => (text += c));
  child.stderr?.on('data', (c) => (text += c));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const pgid = child.pid;
  if (pgid === undefined) throw new Error(`could not start ${command} ${args.join(' ')}`);
  const stack: Stack = {
    child,
    pageUrl: `http://127.0.0.1:${ports.FRONTEND_PORT}`,
    ports,
    redisUrl: '',
    lockFile,
    env,
    output: () => text,
    tail: (lines = 40) => `--- the stack's last ${lines} lines ---\n${text.split('\n').slice(-lines).join('\n')}`,
    exited,
    async explain() {
      return `${await watcherNow(ports.WATCHER_PORT)}\n${stack.tail(40)}`;
    },
    async ctrlC() {
      try {
        process.kill(-pgid, 'SIGINT');
      } catch {
        /* already gone */
      }
      const timer = setTimeout(() => groupMembers(pgid).forEach((pid) => process.kill(pid, 'SIGKILL')), 20_000);
      const code = await exited;
      clearTimeout(timer);
      await waitFor('every process of the stack to exit', () => groupMembers(pgid).length === 0, 10_000);
      return code;
    },
    processes: () => groupMembers(pgid),
  };
  try {
    await waitFor(
      'the status block',
      () => text.includes('String Hashr is running') || child.exitCode !== null,
      90_000,
      100,
    );
    if (child.exitCode !== null) throw new Error(`the stack exited with code ${child.exitCode}`);
  } catch (err) {
    await stack.ctrlC();
    throw new Error(`${(err as Error).message}\n--- output ---\n${text}`);
  }
  stack.redisUrl = /redis\s+(127\.0\.0\.1:\d+) \(own redis-server\)/.exec(text)?.[1] ?? '';
  return stack;
}

/** One metric of the stack's watcher, as its `/metrics` says now (undefined when absent). */
export async function stackWatcherMetric(stack: Stack, name: string): Promise<number | undefined> {
  const text = await (await fetch(`http://127.0.0.1:${stack.ports.WATCHER_PORT}/metrics`)).text();
  return parseExposition(text).find((s) => s.name === name)?.value;
}

/**
 * A page's socket that asks the stack for `freq` req/s, with every hash it is sent, once the last
 * 20 of them are `bursty-` (the watcher moved the traffic). `hangMs` is a hang guard.
 */
export async function sendUntilBursting(
  stack: Stack,
  freq: number,
  hangMs: number,
): Promise<{ socket: Socket; results: string[] }> {
  const socket = io(stack.pageUrl, { transports: ['websocket'] });
  const results: string[] = [];
  socket.on('calculation', (hash: string) => results.push(hash));
  await waitFor('socket connected', () => socket.connected);
  socket.emit('frequency', { freq });
  await waitFor(
    'the last 20 results to be bursty-',
    () => results.length >= 20 && results.slice(-20).every((r) => r.startsWith('bursty-')),
    hangMs,
    200,
  );
  return { socket, results };
}
