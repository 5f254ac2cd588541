import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findCycles, importGraph, importSpecifiers } from './import-cycles.mjs';

describe('importSpecifiers', () => {
  it.each([
    ["import { a } from './a.js';", ['./a.js']],
    ["import type { T } from './t.js';", ['./t.js']],
    ["import x, { y as z } from 'lib';", ['lib']],
    ["import * as all from './all.js';", ['./all.js']],
    ["export * from './re.js';", ['./re.js']],
    ["export { a, type B } from './ab.js';", ['./ab.js']],
    ["import {\n  a,\n  b,\n} from '@string-hashr/policy';", ['@string-hashr/policy']],
    ["import './side-effect.js';", ['./side-effect.js']],
    ["const { c } = await import('./lazy.js');", ['./lazy.js']],
    ["// import { a } from './commented.js';\nconst x = 1;", []],
    ["/** e.g. import { a } from './doc.js' */\nconst x = 1;", []],
    ["const text = 'import nothing';", []],
    ["import { a } from './a.js';\nimport { b } from './a.js';", ['./a.js']],
  ])('%j -> %j', (text, specs) => expect(importSpecifiers(text)).toEqual(specs));
});

describe('findCycles', () => {
  const graph = (edges: Record<string, string[]>) => new Map(Object.entries(edges));
  it.each([
    ['none', { a: ['b'], b: ['c'], c: [] }, []],
    ['two modules', { a: ['b'], b: ['a'] }, [['a', 'b', 'a']]],
    ['three, entered from outside', { x: ['b'], a: ['b'], b: ['c'], c: ['a'] }, [['a', 'b', 'c', 'a']]],
    ['a module importing itself', { a: ['a'] }, [['a', 'a']]],
    [
      'two separate cycles',
      { a: ['b'], b: ['a'], c: ['d'], d: ['c'], e: ['a', 'c'] },
      [
        ['a', 'b', 'a'],
        ['c', 'd', 'c'],
      ],
    ],
    ['the shortest way back', { a: ['b', 'c'], b: ['c'], c: ['a'] }, [['a', 'c', 'a']]],
    ['an edge out of the graph', { a: ['outside'] }, []],
  ])('%s', (_, edges, cycles) => expect(findCycles(graph(edges))).toEqual(cycles));
});

describe('importGraph', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'import-cycles-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const write = (file: string, text: string) => {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), text);
  };

  it('resolves .js to .ts, index files, .mjs and the workspace aliases; skips packages and node_modules', () => {
    write('apps/a/src/main.ts', "import { x } from './x.js';\nimport { l } from '@w/lib';\nimport e from 'express';");
    write('apps/a/src/x.ts', "import { y } from './dir';\nimport { t } from '../tool.mjs';");
    write('apps/a/src/dir/index.ts', "import type { M } from '../main.js';");
    write('apps/a/tool.mjs', '');
    write('libs/lib/src/index.ts', '');
    write('libs/lib/node_modules/p/index.js', "import './elsewhere.js';");
    const graph = importGraph(root, ['apps', 'libs'], { '@w/lib': 'libs/lib/src/index.ts' });
    expect(Object.fromEntries(graph)).toEqual({
      'apps/a/src/main.ts': ['apps/a/src/x.ts', 'libs/lib/src/index.ts'],
      'apps/a/src/x.ts': ['apps/a/src/dir/index.ts', 'apps/a/tool.mjs'],
      'apps/a/src/dir/index.ts': ['apps/a/src/main.ts'],
      'apps/a/tool.mjs': [],
      'libs/lib/src/index.ts': [],
    });
    expect(findCycles(graph)).toEqual([
      ['apps/a/src/dir/index.ts', 'apps/a/src/main.ts', 'apps/a/src/x.ts', 'apps/a/src/dir/index.ts'],
    ]);
  });
});
