import { describe, expect, it } from 'vitest';
import { pruneLockfile, resolveLocation } from './prune-lockfile.mjs';

type Entry = Record<string, unknown>;

/** A registry entry as npm writes it: version, resolved, integrity, plus whatever the case adds. */
const pkg = (location: string, version: string, extra: Entry = {}): [string, Entry] => {
  const name = location.slice(location.lastIndexOf('node_modules/') + 'node_modules/'.length);
  return [
    location,
    {
      version,
      resolved: `https://registry.npmjs.org/${name}/-/${name.split('/').pop()}-${version}.tgz`,
      integrity: `sha512-${name}@${version}`,
      ...extra,
    },
  ];
};
const lock = (...entries: Array<[string, Entry]>) => ({
  name: 'workspace',
  version: '1.0.0',
  lockfileVersion: 3,
  requires: true,
  packages: { '': { name: 'workspace', version: '1.0.0' }, ...Object.fromEntries(entries) },
});
const manifest = (dependencies: Record<string, string>) => ({
  name: '@string-hashr/app',
  version: '0.1.0',
  dependencies,
});

describe('resolveLocation: npm resolution walk', () => {
  const packages = lock(
    pkg('node_modules/a', '1.0.0'),
    pkg('node_modules/b', '1.0.0'),
    pkg('node_modules/a/node_modules/b', '2.0.0'),
    pkg('node_modules/a/node_modules/c', '1.0.0'),
    pkg('node_modules/a/node_modules/c/node_modules/@s/d', '1.0.0'),
    pkg('node_modules/@s/d', '2.0.0'),
    pkg('node_modules/@s/e', '1.0.0'),
  ).packages;
  it.each([
    ['the root finds a top-level package', '', 'a', 'node_modules/a'],
    ['a package finds its own nested copy first', 'node_modules/a', 'b', 'node_modules/a/node_modules/b'],
    [
      'a nested package finds a sibling in its parent',
      'node_modules/a/node_modules/c',
      'b',
      'node_modules/a/node_modules/b',
    ],
    [
      'a scoped name nested under a nested package',
      'node_modules/a/node_modules/c',
      '@s/d',
      'node_modules/a/node_modules/c/node_modules/@s/d',
    ],
    ['a scoped package walks up to the root', 'node_modules/@s/e', '@s/d', 'node_modules/@s/d'],
    [
      'a deep package walks up past its parents',
      'node_modules/a/node_modules/c/node_modules/@s/d',
      'a',
      'node_modules/a',
    ],
    ['a name nowhere on the way up', 'node_modules/a/node_modules/c', 'zzz', undefined],
  ])('%s', (_, from, name, expected) => {
    expect(resolveLocation(packages, from, name)).toBe(expected);
  });
});

describe('pruneLockfile keeps what the bundle reaches, where npm put it', () => {
  // kept: location -> the dependency flags expected on it ('' for none)
  const cases: Array<{
    name: string;
    lockfile: ReturnType<typeof lock>;
    dependencies: Record<string, string>;
    kept: Record<string, '' | 'optional' | 'peer' | 'optional peer'>;
  }> = [
    {
      name: 'hoisted: a dependency and its dependency at the top, dev-only and unrelated packages dropped',
      lockfile: lock(
        pkg('node_modules/express', '5.0.0', { dependencies: { 'body-parser': '^2' } }),
        pkg('node_modules/body-parser', '2.0.0'),
        pkg('node_modules/vitest', '4.0.0', { dev: true, dependencies: { vite: '*' } }),
        pkg('node_modules/vite', '7.0.0', { dev: true }),
        pkg('node_modules/ioredis', '5.0.0'),
      ),
      dependencies: { express: '5.0.0' },
      kept: { 'node_modules/express': '', 'node_modules/body-parser': '' },
    },
    {
      name: 'nested: a conflicting version under its dependent is kept at that path; the hoisted one only a dev package uses is dropped',
      lockfile: lock(
        pkg('node_modules/engine.io', '6.0.0', { dependencies: { ws: '~8.17', cookie: '*' } }),
        pkg('node_modules/engine.io/node_modules/ws', '8.17.1'),
        pkg('node_modules/ws', '8.18.0', { dev: true }),
        pkg('node_modules/cookie', '0.7.0'),
        pkg('node_modules/jsdom', '26.0.0', { dev: true, dependencies: { ws: '^8.18' } }),
      ),
      dependencies: { 'engine.io': '6.0.0' },
      kept: { 'node_modules/engine.io': '', 'node_modules/engine.io/node_modules/ws': '', 'node_modules/cookie': '' },
    },
    {
      name: 'nested twice, scoped: each name resolves from where its dependent sits, walking up',
      lockfile: lock(
        pkg('node_modules/@k/client', '1.0.0', { dependencies: { '@types/node': '^24', ws: '*' } }),
        pkg('node_modules/@k/client/node_modules/@types/node', '24.0.0', { dependencies: { 'undici-types': '~7' } }),
        pkg('node_modules/@k/client/node_modules/undici-types', '7.0.0'),
        pkg('node_modules/@types/node', '20.0.0', { dev: true, dependencies: { 'undici-types': '~6' } }),
        pkg('node_modules/undici-types', '6.0.0', { dev: true }),
        pkg('node_modules/ws', '8.18.0'),
      ),
      dependencies: { '@k/client': '1.0.0' },
      kept: {
        'node_modules/@k/client': '',
        'node_modules/@k/client/node_modules/@types/node': '',
        'node_modules/@k/client/node_modules/undici-types': '',
        'node_modules/ws': '',
      },
    },
    {
      name: 'optional: kept and flagged (with what only it needs); one the lockfile lacks is skipped; one also required is not optional',
      lockfile: lock(
        pkg('node_modules/watcher', '1.0.0', {
          dependencies: { shared: '*' },
          optionalDependencies: { fsevents: '*', 'not-for-this-os': '*', shared: '*' },
        }),
        pkg('node_modules/fsevents', '2.0.0', {
          optional: true,
          os: ['darwin'],
          dependencies: { 'native-helper': '*' },
        }),
        pkg('node_modules/native-helper', '1.0.0', { optional: true }),
        pkg('node_modules/shared', '1.0.0'),
        pkg('node_modules/other', '1.0.0', { dependencies: { 'native-helper': '*' } }),
      ),
      dependencies: { watcher: '1.0.0' },
      kept: {
        'node_modules/watcher': '',
        'node_modules/fsevents': 'optional',
        'node_modules/native-helper': 'optional',
        'node_modules/shared': 'optional',
      },
    },
    {
      name: 'an optional path and a required path to one package: it is required',
      lockfile: lock(
        pkg('node_modules/a', '1.0.0', { optionalDependencies: { c: '*' } }),
        pkg('node_modules/b', '1.0.0', { dependencies: { c: '*' } }),
        pkg('node_modules/c', '1.0.0', { optional: true }),
      ),
      dependencies: { a: '1.0.0', b: '1.0.0' },
      kept: { 'node_modules/a': '', 'node_modules/b': '', 'node_modules/c': '' },
    },
    {
      name: 'peer: a required peer is kept and flagged; an optional peer nothing else needs is dropped',
      lockfile: lock(
        pkg('node_modules/bootstrap', '5.3.0', { peerDependencies: { '@popperjs/core': '^2' } }),
        pkg('node_modules/@popperjs/core', '2.11.0', { peer: true }),
        pkg('node_modules/ts-plugin', '1.0.0', {
          peerDependencies: { typescript: '*' },
          peerDependenciesMeta: { typescript: { optional: true } },
        }),
        pkg('node_modules/typescript', '5.9.0', { dev: true }),
      ),
      dependencies: { bootstrap: '5.3.0', 'ts-plugin': '1.0.0' },
      kept: { 'node_modules/bootstrap': '', 'node_modules/@popperjs/core': 'peer', 'node_modules/ts-plugin': '' },
    },
    {
      name: 'flags are the bundle graph’s, not the workspace’s: reached here only as a peer of an optional package',
      lockfile: lock(
        pkg('node_modules/a', '1.0.0', { optionalDependencies: { p: '*' } }),
        pkg('node_modules/p', '1.0.0', { optional: true, peerDependencies: { q: '*' } }),
        pkg('node_modules/q', '1.0.0', { dev: true }),
        pkg('node_modules/dev-tool', '1.0.0', { dev: true, dependencies: { q: '*' } }),
      ),
      dependencies: { a: '1.0.0' },
      kept: { 'node_modules/a': '', 'node_modules/p': 'optional', 'node_modules/q': 'optional peer' },
    },
    {
      name: 'a dependency cycle ends',
      lockfile: lock(
        pkg('node_modules/a', '1.0.0', { dependencies: { b: '*' } }),
        pkg('node_modules/b', '1.0.0', { dependencies: { a: '*' } }),
      ),
      dependencies: { a: '1.0.0' },
      kept: { 'node_modules/a': '', 'node_modules/b': '' },
    },
    {
      name: 'no dependencies: only the root',
      lockfile: lock(pkg('node_modules/a', '1.0.0')),
      dependencies: {},
      kept: {},
    },
  ];

  it.each(cases)('$name', ({ lockfile, dependencies, kept }) => {
    const pruned = pruneLockfile(lockfile, manifest(dependencies));
    const { '': rootEntry, ...packages } = pruned.packages ?? {};
    expect(rootEntry).toEqual({ name: '@string-hashr/app', version: '0.1.0', dependencies });
    expect(Object.keys(packages).sort()).toEqual(Object.keys(kept).sort());
    for (const [location, flags] of Object.entries(kept)) {
      const { dev, optional, devOptional, peer, ...fields } = packages[location] ?? {};
      const source = lockfile.packages[location as keyof typeof lockfile.packages] as Entry;
      const { dev: _d, optional: _o, devOptional: _do, peer: _p, ...sourceFields } = source;
      // every other field as in the workspace lockfile: version, resolved, integrity, dependencies...
      expect(fields, location).toEqual(sourceFields);
      expect({ dev, devOptional, optional: optional ?? false, peer: peer ?? false }, location).toEqual({
        dev: undefined,
        devOptional: undefined,
        optional: flags.includes('optional'),
        peer: flags.includes('peer'),
      });
    }
  });

  it('writes a v3 lockfile for the manifest, engines included, entries in the workspace lockfile order', () => {
    const pruned = pruneLockfile(lock(pkg('node_modules/z', '1.0.0'), pkg('node_modules/a', '1.0.0')), {
      ...manifest({ a: '1.0.0', z: '1.0.0' }),
      engines: { node: '>=20' },
    });
    expect(pruned).toMatchObject({ name: '@string-hashr/app', version: '0.1.0', lockfileVersion: 3, requires: true });
    expect(pruned.packages?.['']).toEqual({
      name: '@string-hashr/app',
      version: '0.1.0',
      dependencies: { a: '1.0.0', z: '1.0.0' },
      engines: { node: '>=20' },
    });
    expect(Object.keys(pruned.packages ?? {})).toEqual(['', 'node_modules/z', 'node_modules/a']);
  });
});

describe('pruneLockfile refuses a lockfile that cannot describe the bundle', () => {
  it.each([
    {
      name: 'a dependency of the bundle missing from the lockfile',
      lockfile: lock(pkg('node_modules/a', '1.0.0')),
      dependencies: { ioredis: '5.0.0' },
      error:
        '@string-hashr/app needs ioredis, which package-lock.json does not have at node_modules/ioredis: run `npm install`',
    },
    {
      name: 'a transitive dependency missing from the lockfile',
      lockfile: lock(
        pkg('node_modules/a', '1.0.0', { dependencies: { b: '*' } }),
        pkg('node_modules/a/node_modules/c', '1.0.0', { dependencies: { gone: '*' } }),
      ),
      dependencies: { a: '1.0.0' },
      error:
        "node_modules/a needs b, which package-lock.json has neither at node_modules/a/node_modules/b nor in any parent's node_modules",
    },
    {
      name: 'a required peer missing from the lockfile',
      lockfile: lock(pkg('node_modules/a', '1.0.0', { peerDependencies: { p: '*' } })),
      dependencies: { a: '1.0.0' },
      error: 'node_modules/a needs p',
    },
    {
      name: 'node_modules out of step with the lockfile',
      lockfile: lock(pkg('node_modules/express', '5.0.0')),
      dependencies: { express: '5.1.0' },
      error: '@string-hashr/app needs express@5.1.0 but package-lock.json has express@5.0.0: run `npm ci`',
    },
    {
      name: 'a lockfile v1 (no packages map)',
      lockfile: { name: 'workspace', lockfileVersion: 1, dependencies: {} },
      dependencies: {},
      error: 'package-lock.json has lockfileVersion 1 and no "packages" map: regenerate it with npm 7 or later',
    },
    {
      name: 'a linked (workspace) package',
      lockfile: lock(['node_modules/@string-hashr/core', { resolved: 'libs/core', link: true }]),
      dependencies: { '@string-hashr/core': '*' },
      error: 'node_modules/@string-hashr/core is a link (a workspace or file: dependency)',
    },
  ])('$name', ({ lockfile, dependencies, error }) => {
    expect(() => pruneLockfile(lockfile, manifest(dependencies as Record<string, string>))).toThrow(error);
  });
});
