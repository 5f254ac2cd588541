// The esbuild options every Node bundle of the workspace shares: the apps' dist/apps/<app>/main.js
// (build-app.mjs) and the tools run from TypeScript (run-ts.mjs). Workspace libs are bundled in,
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
