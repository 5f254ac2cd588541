import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { findRepoRoot } from './repo-root.js';

describe('findRepoRoot', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'repo-root-'));
  writeFileSync(path.join(root, 'nx.json'), '{}');
  const bundle = path.join(root, 'dist/tools/local-stack/run-1');
  mkdirSync(bundle, { recursive: true });
  const nested = path.join(root, 'tools/other');
  mkdirSync(nested, { recursive: true });
  writeFileSync(path.join(nested, 'nx.json'), '{}');

  it.each([
    ['the folder holding nx.json itself', root, root],
    ['a bundle deep in dist/', bundle, root],
    ['the nearest nx.json, not the outermost', path.join(nested, 'src'), nested],
  ])('%s', (_name, from, expected) => expect(findRepoRoot(from)).toBe(expected));

  it('names the folder when no nx.json is above it', () => {
    const outside = mkdtempSync(path.join(tmpdir(), 'no-repo-'));
    expect(() => findRepoRoot(outside)).toThrow(`no nx.json above ${outside}: run this inside the repository`);
  });
});
