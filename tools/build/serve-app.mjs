#!/usr/bin/env node
// `nx serve <app>`: bundles the app with esbuild in watch mode and runs the bundle, then rebuilds
// and restarts it whenever one of its sources or of the libs it imports changes, or its .env.
// A build that fails leaves the last good build running. The app runs in its own folder, so
// dotenv (libs/runtime/src/dotenv.ts) reads apps/<app>/.env; the real environment wins over it.
// The bundle goes to dist/serve/<app>/run-<pid>/, apart from the built dist/apps/<app>/ the tests and images
// use, so two serves of one app (a primary and a burst worker) can run side by side;
// an app with a src/public folder (the frontend's page) serves it from the sources through a link.
//
//   node tools/build/serve-app.mjs <app>
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, rmSync, symlinkSync, watch } from 'node:fs';
import path from 'node:path';
import { context } from 'esbuild';
import { appBundleOptions } from './src/node-bundle.mjs';
import { ownRunDir } from './src/run-dir.mjs';

const root = path.resolve(import.meta.dirname, '../..');
const [app, ...extra] = process.argv.slice(2);
const appDir = app && path.join(root, 'apps', app);
if (!app || extra.length > 0 || !existsSync(path.join(appDir, 'src/main.ts'))) {
  console.error('usage: node tools/build/serve-app.mjs <app>   (an app with apps/<app>/src/main.ts)');
  process.exit(2);
}
const say = (line) => console.log(`[serve ${app}] ${line}`);

const outdir = ownRunDir(path.join(root, 'dist/serve', app));
if (existsSync(path.join(appDir, 'src/public')))
  symlinkSync(path.join(appDir, 'src/public'), path.join(outdir, 'public'));

let child;
let outputs = new Set();
let stopping = false;
// One restart at a time; changes that land while one runs ask for one more after it.
let restarting;
let again = false;

function startChild() {
  const started = spawn(process.execPath, ['--enable-source-maps', path.join(outdir, 'main.js')], {
    cwd: appDir,
    stdio: 'inherit',
  });
  started.exited = new Promise((resolve) => started.once('exit', (code, signal) => resolve(code ?? signal)));
  started.exited.then((how) => {
    if (child === started && !stopping) say(`${app} exited (${how}); waiting for a change`);
  });
  child = started;
}

async function stopChild() {
  const running = child;
  if (!running || running.exitCode !== null || running.signalCode !== null) return;
  running.kill('SIGTERM');
  // Longer than runMain's own 10 s limit: the app's exit is its own, not ours.
  const hardStop = setTimeout(() => running.kill('SIGKILL'), 15_000);
  await running.exited;
  clearTimeout(hardStop);
}

/** Files of earlier builds (chunks under other hashes) go once the process that might load them has stopped. */
function removeStaleOutputs(dir = outdir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isSymbolicLink()) continue;
    if (entry.isDirectory()) removeStaleOutputs(full);
    else if (!outputs.has(full)) rmSync(full);
  }
}

function restart(reason) {
  if (stopping) return;
  if (restarting) {
    again = true;
    return;
  }
  restarting = (async () => {
    do {
      again = false;
      say(child ? `${reason}: restarting ${app}` : `starting ${app}`);
      await stopChild();
      if (stopping) return;
      removeStaleOutputs();
      startChild();
    } while (again);
  })().finally(() => (restarting = undefined));
}

const ctx = await context({
  ...appBundleOptions(root, app, outdir),
  plugins: [
    {
      name: 'restart-app',
      setup(build) {
        build.onEnd((result) => {
          if (result.errors.length > 0) {
            say(child ? `build failed; ${app} keeps running its last good build` : 'build failed; fix it and save');
            return;
          }
          outputs = new Set(Object.keys(result.metafile.outputs).map((file) => path.resolve(root, file)));
          restart('sources changed');
        });
      },
    },
  ],
});
await ctx.watch();
say(`watching apps/${app} and the libs it imports`);

// esbuild watches what the bundle reads; the env file is read by the app, at its start.
const envWatch = watch(appDir, (_event, name) => {
  if (name === '.env' && outputs.size > 0) restart('.env changed');
});

async function shutdown() {
  if (stopping) return;
  stopping = true;
  envWatch.close();
  await ctx.dispose();
  await restarting;
  await stopChild();
  process.exit(0);
}
process.on('SIGINT', () => void shutdown());
process.on('SIGTERM', () => void shutdown());
process.on('SIGHUP', () => void shutdown());
