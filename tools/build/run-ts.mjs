#!/usr/bin/env node
// Runs a tool's TypeScript entry point from an esbuild bundle: the workspace libs bundled in, npm
// packages left external. Through tsx a process spends half a second more CPU starting (its loader
// sees every import) and every function carries a name-keeping wrapper that made the simulator's
// loop three times slower; the bundle builds in about 0.1 s and runs at full speed. The local
// stack, its mesh stand-in, the simulator and the manifest generator (deploy.sh, Cloud Build)
// start this way.
//
//   node tools/build/run-ts.mjs <entry.ts> [args...]
//
// Each run bundles into its own directory, dist/tools/<tool>/run-<pid>/ (inside the repository, so
// the bundle finds node_modules), removed when the process exits: two runs at once never share one.
import { build, stop } from 'esbuild';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { nodeBundleOptions } from './src/node-bundle.mjs';
import { ownRunDir } from './src/run-dir.mjs';

const root = path.resolve(import.meta.dirname, '../..');
const [entryArg, ...args] = process.argv.slice(2);
const entry = entryArg && path.resolve(entryArg);
const tool = entry && path.relative(path.join(root, 'tools'), entry).split(path.sep)[0];
if (!entry || !entry.endsWith('.ts') || !tool || tool.startsWith('..')) {
  console.error('usage: node tools/build/run-ts.mjs tools/<tool>/src/<entry>.ts [args...]');
  process.exit(2);
}
const outdir = ownRunDir(path.join(root, 'dist/tools', tool));
await build({
  entryPoints: [entry],
  outdir,
  outExtension: { '.js': '.mjs' },
  ...nodeBundleOptions(root),
  sourcemap: 'inline',
});
// esbuild's service process is not needed once the bundle is written: it would live as long as the
// tool (the whole local stack), a child process waking every second.
await stop();
const outfile = path.join(outdir, `${path.basename(entry, '.ts')}.mjs`);
process.argv = [process.argv[0], outfile, ...args];
await import(pathToFileURL(outfile).href);
