#!/usr/bin/env node
// The simulator's speed (issue 13: a 30-day trace at 1 s resolution through every policy in under
// a minute): the daily scenario written as a 30-day CSV, then `npm run simulate -- --trace` on it
// with a watcher variable set, so the run has every policy (codelab, ours, spill, yours) and the
// oracle. Wall time of the whole command (bundle, CSV parse, runs), median of 3.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const simulate = (args, env = {}) => {
  const started = performance.now();
  const run = spawnSync(process.execPath, [path.join(root, 'tools/simulate/run.mjs'), 'main', ...args], {
    cwd: root,
    env: { ...process.env, ...env },
    encoding: 'utf8',
  });
  if (run.status !== 0) throw new Error(`npm run simulate ${args.join(' ')} failed: ${run.stderr}`);
  return { seconds: (performance.now() - started) / 1000, stderr: run.stderr };
};

const dir = mkdtempSync(path.join(tmpdir(), 'bench-simulate-'));
try {
  const trace = path.join(dir, 'daily-30d.csv');
  simulate(['--scenario', 'daily', '--days', '30', '--write-trace', trace]);
  const times = [1, 2, 3]
    .map(() => simulate(['--trace', trace], { WATCHER_SAMPLES: '2' }).seconds)
    .sort((a, b) => a - b);
  const megabytes = statSync(trace).size / 2 ** 20;
  console.log('| trace | policies | wall time, median (min-max) of 3 |');
  console.log('|---|---|---:|');
  console.log(
    `| daily scenario, 30 days at 1 s (2,592,000 rows, ${megabytes.toFixed(0)} MiB CSV) | codelab, ours, spill, yours + oracle | ${times[1].toFixed(1)} s (${times[0].toFixed(1)}-${times[2].toFixed(1)} s) |`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
