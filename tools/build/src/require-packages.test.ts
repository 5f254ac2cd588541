import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadsAsCommonJs, packageOf } from './require-packages.mjs';

describe('packageOf', () => {
  it.each([
    ['express', 'express'],
    ['express/lib/router', 'express'],
    ['@kubernetes/client-node', '@kubernetes/client-node'],
    ['@kubernetes/client-node/dist/gen', '@kubernetes/client-node'],
  ])('%s -> %s', (spec, name) => expect(packageOf(spec)).toBe(name));
});

describe('loadsAsCommonJs', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'require-packages-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const install = (name: string, manifest: Record<string, unknown>) => {
    mkdirSync(path.join(root, 'node_modules', name), { recursive: true });
    writeFileSync(path.join(root, 'node_modules', name, 'package.json'), JSON.stringify({ name, ...manifest }));
  };

  // The shapes of the packages the apps and tools import (express, dotenv, helmet, socket.io, yaml,
  // @kubernetes/client-node, playwright-core) and the edge cases of Node's rules.
  it.each<[string, Record<string, unknown>, boolean]>([
    ['plain', {}, true],
    ['main-only', { main: 'lib/index.js' }, true],
    ['typed-module', { type: 'module', main: 'dist/index.js' }, false],
    ['require-condition', { exports: { import: './index.mjs', require: './index.cjs' } }, true],
    ['default-only', { exports: { types: './x.d.ts', require: './lib/main.js', default: './lib/main.js' } }, true],
    ['node-condition', { type: 'commonjs', exports: { node: './dist/index.js', default: './browser/index.js' } }, true],
    [
      'dot-map',
      { exports: { '.': { import: './index.mjs', require: './index.js' }, './package.json': './package.json' } },
      true,
    ],
    ['import-only', { exports: { import: './index.mjs' } }, false],
    ['mjs-main', { main: 'index.mjs' }, false],
    ['cjs-in-module', { type: 'module', exports: { require: './index.cjs', import: './index.js' } }, true],
    ['string-exports-module', { type: 'module', exports: './index.js' }, false],
  ])('%s: %s', (name, manifest, expected) => {
    install(name, manifest);
    expect(loadsAsCommonJs(root, name)).toBe(expected);
  });

  it('is undefined for what is not an installed package (a workspace library, bundled in)', () => {
    expect(loadsAsCommonJs(root, '@string-hashr/contract')).toBeUndefined();
  });
});
