// For the esbuild bundles that leave npm packages external (the apps' dist/apps/<app>/main.js,
// run-ts.mjs's tools): a CommonJS package imported statically is loaded with require() instead of
// import. Node 20's ESM loader resolves, reads and wraps each CommonJS package it imports on top of
// loading it, so require() starts each app on less CPU, in a pod or in a test.
// An ESM-only package, a package's subpath and import() stay imports (the watcher still loads the
// Kubernetes client only when its router needs it).
import { readFileSync } from 'node:fs';
import path from 'node:path';

/** The package name of a bare import, e.g. "@kubernetes/client-node/dist/x" -> "@kubernetes/client-node". */
export const packageOf = (spec) =>
  (spec.startsWith('@') ? spec.split('/').slice(0, 2) : spec.split('/').slice(0, 1)).join('/');

/** The file `require(name)` loads, as a package.json's `exports` or `main` names it (Node's conditions for require). */
function requireTarget(entry) {
  if (typeof entry === 'string') return entry;
  if (Array.isArray(entry)) return requireTarget(entry[0]);
  if (!entry || typeof entry !== 'object') return undefined;
  if (Object.keys(entry).some((k) => k.startsWith('.'))) return requireTarget(entry['.']);
  const match = Object.entries(entry).find(([condition]) => ['node', 'require', 'default'].includes(condition));
  return match && requireTarget(match[1]);
}

/**
 * Whether `require(name)` loads CommonJS: true or false for an installed package, undefined for
 * anything else (a workspace library, bundled in).
 */
export function loadsAsCommonJs(root, name) {
  let pkg;
  try {
    pkg = JSON.parse(readFileSync(path.join(root, 'node_modules', name, 'package.json'), 'utf8'));
  } catch {
    return undefined;
  }
  const target = pkg.exports === undefined ? (pkg.main ?? 'index.js') : requireTarget(pkg.exports);
  if (typeof target !== 'string' || target.endsWith('.mjs')) return false;
  return target.endsWith('.cjs') || pkg.type !== 'module';
}

/**
 * The esbuild options, spread into a build: the plugin, and the banner that gives each output file
 * the require() its CommonJS packages are loaded through.
 */
export function requirePackages(root) {
  return {
    banner: {
      js: "import { createRequire as __createRequire } from 'node:module';\nconst require = __createRequire(import.meta.url);",
    },
    plugins: [
      {
        name: 'require-packages',
        setup(build) {
          build.onResolve({ filter: /^[^./]/ }, (args) => {
            if (args.namespace === 'required-package') return { path: args.path, external: true };
            if (args.kind !== 'import-statement' || args.path.startsWith('node:') || packageOf(args.path) !== args.path)
              return undefined;
            return loadsAsCommonJs(root, args.path) ? { path: args.path, namespace: 'required-package' } : undefined;
          });
          // A CommonJS module of one line: esbuild maps the importer's default and named imports onto
          // its exports as Node does (the default is module.exports).
          build.onLoad({ filter: /.*/, namespace: 'required-package' }, (args) => ({
            contents: `module.exports = require(${JSON.stringify(args.path)});`,
            loader: 'js',
            resolveDir: root,
          }));
        },
      },
    ],
  };
}
