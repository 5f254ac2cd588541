// The esbuild options every Node bundle of the workspace shares: the apps' dist/apps/<app>/main.js
// (build-app.mjs), the bundle `nx serve <app>` rebuilds on each change (serve-app.mjs) and the tools
// run from TypeScript (run-ts.mjs). Workspace libs are bundled in,
// npm packages stay external (loaded with require() where they are CommonJS: require-packages.mjs).
import path from 'node:path';
import { requirePackages } from './require-packages.mjs';

/** Spread into a build; each script adds where its output goes and its source maps. */
export function nodeBundleOptions(root) {
  return {
    // A module imported with import() becomes a chunk of its own, loaded only when it is imported:
    // the watcher loads the Kubernetes client only when its router is the API server, the simulator
    // Chromium only for --png.
    splitting: true,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    packages: 'external',
    ...requirePackages(root),
    tsconfig: path.join(root, 'tsconfig.base.json'),
    logLevel: 'warning',
  };
}

/** One app's bundle: apps/<app>/src/main.ts to <outdir>/main.js, lazy imports in <outdir>/chunks/. */
export function appBundleOptions(root, app, outdir) {
  return {
    entryPoints: [path.join(root, 'apps', app, 'src/main.ts')],
    outdir,
    // The metafile's paths are relative to it, wherever the script runs from.
    absWorkingDir: root,
    ...nodeBundleOptions(root),
    entryNames: 'main',
    chunkNames: 'chunks/[name]-[hash]',
    sourcemap: true,
    metafile: true,
  };
}
