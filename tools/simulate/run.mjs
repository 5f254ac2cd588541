#!/usr/bin/env node
// Runs one of the simulator's entry points (`main` or `replay`) from an esbuild bundle
// (tools/build/run-ts.mjs: through tsx the simulation loop runs three times slower).
//
//   node tools/simulate/run.mjs <main|replay> [args...]
import path from 'node:path';

const [entry, ...args] = process.argv.slice(2);
if (entry !== 'main' && entry !== 'replay') {
  console.error('usage: node tools/simulate/run.mjs <main|replay> [args...]');
  process.exit(2);
}
process.argv = [process.argv[0], 'run-ts.mjs', path.join(import.meta.dirname, 'src', `${entry}.ts`), ...args];
await import('../build/run-ts.mjs');
