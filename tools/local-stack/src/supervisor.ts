import { type ChildProcess, spawn } from 'node:child_process';
import { redisAnswers } from '@string-hashr/redis';
import type { Component } from './plan.js';

const COLORS = [36, 33, 35, 32, 34, 31, 96, 93];

export interface Running {
  component: Component;
  child: ChildProcess;
  exited: Promise<number | null>;
  /** What it printed, unprefixed: kept only for a component whose readiness is read from it. */
  output(): string;
}

/** Starts a component with its output prefixed by its name, one line at a time. */
export function launch(
  component: Component,
  index: number,
  width: number,
  onExit: (c: Component, code: number | null, signal: string | null) => void,
): Running {
  const child = spawn(component.command, component.args, {
    env: { ...process.env, ...component.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const color = process.stdout.isTTY ? COLORS[index % COLORS.length] : 0;
  const label = component.name.padEnd(width);
  const prefix = color ? `\x1b[${color}m${label} |\x1b[0m ` : `${label} | `;
  let printed = '';
  const keep = component.health.kind === 'output';
  for (const stream of [child.stdout, child.stderr]) {
    let partial = '';
    stream?.on('data', (chunk: Buffer) => {
      if (keep) printed += chunk.toString();
      const lines = (partial + chunk.toString()).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) process.stdout.write(prefix + line + '\n');
    });
  }
  const exited = new Promise<number | null>((resolve) => {
    child.once('error', (err) => {
      process.stdout.write(`${prefix}cannot start ${component.command}: ${err.message}\n`);
      resolve(-1);
    });
    child.once('exit', (code, signal) => {
      onExit(component, code, signal);
      resolve(code);
    });
  });
  return { component, child, exited, output: () => printed };
}

async function answers(running: Running): Promise<boolean> {
  const { health } = running.component;
  if (health.kind === 'output') return health.ready(running.output());
  if (health.kind === 'http') {
    try {
      const res = await fetch(health.url, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      return res.ok;
    } catch {
      return false;
    }
  }
  return redisAnswers(health.host, health.port);
}

/** Waits until the component answers its health check; fails early if it exits. */
export async function waitHealthy(
  running: Running,
  timeoutMs = running.component.readyWithinMs ?? 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let gone = false;
  void running.exited.then(() => (gone = true));
  while (Date.now() < deadline) {
    if (gone) throw new Error(`${running.component.name} exited before it was ready (see its log lines above)`);
    if (await answers(running)) return;
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`${running.component.name} did not become ready within ${timeoutMs / 1000} s`);
}

/** SIGTERM to each in reverse start order, SIGKILL for any still there after `graceMs`. */
export async function stopAll(running: Running[], graceMs = 8000): Promise<void> {
  for (const r of [...running].reverse()) {
    if (r.child.exitCode !== null || r.child.signalCode !== null) continue;
    r.child.kill('SIGTERM');
    const timer = setTimeout(() => r.child.kill('SIGKILL'), r.component.stopWithinMs ?? graceMs);
    await r.exited;
    clearTimeout(timer);
  }
}
