#!/usr/bin/env node
// `npm run bench`: every benchmark in turn (the apps are built first by the npm script).
// Each prints its own table; the figures in the README come from here.
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
console.log(
  `machine: ${os.cpus().length} x ${cpu}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, load average ${os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`,
);
let failed = 0;
for (const bench of ['worker.mjs', 'frontend.mjs', 'watcher.mjs']) {
  console.log(`\n=== ${bench} ===`);
  const { status } = spawnSync(process.execPath, [path.join(here, bench), ...process.argv.slice(2)], {
    stdio: 'inherit',
  });
  if (status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
