#!/usr/bin/env node
// Bundles one app into dist/apps/<app>/main.js (and chunks/ for what it imports lazily) with esbuild. Workspace libs are bundled in;
// npm packages stay external and are listed, with the exact installed versions, in a pruned
// dist/apps/<app>/package.json, and pinned with the workspace's resolved versions and integrity
// hashes in dist/apps/<app>/package-lock.json (prune-lockfile.mjs), so `npm ci --omit=dev` beside
// the bundle installs the same tree on every machine.
//
//   node tools/build/build-app.mjs <app> [--copy <from>:<to-inside-dist>]...
import { build } from 'esbuild';
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pruneLockfile } from './src/prune-lockfile.mjs';
import { appBundleOptions } from './src/node-bundle.mjs';
import { packageOf } from './src/require-packages.mjs';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const [app, ...rest] = process.argv.slice(2);
if (!app) {
  console.error('usage: build-app.mjs <app> [--copy from:to]...');
  process.exit(2);
}
const copies = [];
for (let i = 0; i < rest.length; i++) {
  if (rest[i] === '--copy' && rest[i + 1]) copies.push(rest[++i].split(':'));
  else {
    console.error(`build-app: unknown argument ${rest[i]}`);
    process.exit(2);
  }
}

const outdir = path.join(root, 'dist/apps', app);
rmSync(outdir, { recursive: true, force: true });
mkdirSync(outdir, { recursive: true });

const result = await build(appBundleOptions(root, app, outdir));

const imported = new Set();
// The output's imports, not the inputs': what tree-shaking dropped is not a runtime dependency.
for (const output of Object.values(result.metafile.outputs)) {
  for (const imp of output.imports) {
    if (imp.external && !imp.path.startsWith('node:') && !imp.path.startsWith('.')) imported.add(packageOf(imp.path));
  }
}
const builtins = new Set((await import('node:module')).builtinModules);
const rootPkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const dependencies = {};
for (const name of [...imported].filter((n) => !builtins.has(n)).sort()) {
  if (!rootPkg.dependencies?.[name]) {
    console.error(`build-app: ${app} imports "${name}", which is not in the root package.json dependencies`);
    process.exit(1);
  }
  const pkgJson = JSON.parse(readFileSync(path.join(root, 'node_modules', name, 'package.json'), 'utf8'));
  dependencies[name] = pkgJson.version;
}
const manifest = {
  name: `@string-hashr/${app}`,
  version: rootPkg.version,
  private: true,
  type: 'module',
  main: 'main.js',
  engines: rootPkg.engines,
  dependencies,
};
writeFileSync(path.join(outdir, 'package.json'), JSON.stringify(manifest, null, 2) + '\n');
let lockfile;
try {
  lockfile = pruneLockfile(JSON.parse(readFileSync(path.join(root, 'package-lock.json'), 'utf8')), manifest);
} catch (err) {
  console.error(`build-app: ${app}: ${err.message}`);
  process.exit(1);
}
writeFileSync(path.join(outdir, 'package-lock.json'), JSON.stringify(lockfile, null, 2) + '\n');

for (const [from, to] of copies) cpSync(path.join(root, from), path.join(outdir, to), { recursive: true });
console.log(
  `built dist/apps/${app}/main.js (${Object.keys(dependencies).join(', ') || 'no'} runtime dependencies; ${Object.keys(lockfile.packages).length - 1} packages in its lockfile)`,
);
