#!/usr/bin/env node
// Runs one of the simulator's entry points (`main` or `replay`) from an esbuild bundle in
// dist/tools/simulate/. Through tsx every function carries a name-keeping wrapper that makes the
// simulation loop three times slower; a bundle built in about 0.1 s runs at full speed.
//
//   node tools/simulate/run.mjs <main|replay> [args...]
import { build } from 'esbuild';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const root = path.resolve(import.meta.dirname, '../..');
const [entry, ...args] = process.argv.slice(2);
if (entry !== 'main' && entry !== 'replay') {
  console.error('usage: node tools/simulate/run.mjs <main|replay> [args...]');
  process.exit(2);
}
// One directory per run, inside the repository so the bundle finds node_modules, removed at exit:
// a replay and a simulation (or two test files) may build at the same time.
const runs = path.join(root, 'dist/tools/simulate');
const outdir = path.join(runs, `run-${process.pid}`);
process.on('exit', () => rmSync(outdir, { recursive: true, force: true }));
mkdirSync(runs, { recursive: true });
// A run stopped by a signal leaves its directory: remove those whose process is gone.
for (const dir of readdirSync(runs, { withFileTypes: true }).filter((d) => /^run-\d+$/.test(d.name))) {
  try {
    process.kill(Number(dir.name.slice(4)), 0);
  } catch {
    rmSync(path.join(runs, dir.name), { recursive: true, force: true });
  }
}
const outfile = path.join(outdir, `${entry}.mjs`);
await build({
  entryPoints: [path.join(root, 'tools/simulate/src', `${entry}.ts`)],
  outdir,
  outExtension: { '.js': '.mjs' },
  // Chunks: what is imported on demand (Chromium for --png) is loaded only then.
  splitting: true,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  packages: 'external',
  sourcemap: 'inline',
  tsconfig: path.join(root, 'tsconfig.base.json'),
  logLevel: 'warning',
});
process.argv = [process.argv[0], outfile, ...args];
await import(pathToFileURL(outfile).href);
