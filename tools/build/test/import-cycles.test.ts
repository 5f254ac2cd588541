// No module of the workspace imports itself through others: every .ts, .js and .mjs source under
// apps, libs and tools, by its relative and @string-hashr/* imports (types and lazy imports too).
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { findCycles, importGraph, workspaceAliases } from '../src/import-cycles.mjs';

const root = path.resolve(import.meta.dirname, '../../..');

describe('the import graph', () => {
  it('has no cycle', () => {
    const graph = importGraph(root, ['apps', 'libs', 'tools'], workspaceAliases(root));
    expect(graph.size, 'the sources were found').toBeGreaterThan(100);
    const cycles = findCycles(graph).map((cycle) => cycle.join(' -> '));
    expect(cycles, `import cycles:\n${cycles.join('\n')}`).toEqual([]);
  });
});
