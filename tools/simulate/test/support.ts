// Shared by the simulator's integration tests.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from '@string-hashr/testing';

/** `npm run replay` as a user runs it; resolves with its output once it exits. */
export function replay(...args: string[]): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, [path.join(repoRoot, 'tools/simulate/run.mjs'), 'replay', ...args], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (c) => (output += c));
  child.stderr.on('data', (c) => (output += c));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, output })));
}
