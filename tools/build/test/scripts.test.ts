// The plain-JavaScript scripts (`npm run bench`, `simulate`, `replay`, the image checks) load the
// TypeScript sources at run time with `tsImport(...)` or a relative `import`; nothing compiles them,
// so a moved file would only show when someone runs the script. Every relative module they name
// must exist.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '@string-hashr/testing';

function scripts(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : scripts(full);
    return entry.name.endsWith('.mjs') ? [full] : [];
  });
}

/** The relative specifiers a script imports statically, dynamically or through tsImport. */
function relativeImports(source: string): string[] {
  const patterns = [
    /\bfrom\s+'(\.{1,2}\/[^']+)'/g,
    /\bimport\(\s*'(\.{1,2}\/[^']+)'/g,
    /\btsImport\(\s*'(\.{1,2}\/[^']+)'/g,
  ];
  return patterns.flatMap((pattern) => [...source.matchAll(pattern)].map((m) => m[1] ?? ''));
}

const files = scripts(path.join(repoRoot, 'tools'));

describe('the .mjs scripts under tools/', () => {
  it('are found', () => {
    expect(files.map((f) => path.relative(repoRoot, f))).toContain('tools/bench/watcher.mjs');
  });

  it.each(files.map((f) => [path.relative(repoRoot, f), f]))('%s: every relative module it loads exists', (_, file) => {
    const missing = relativeImports(readFileSync(file, 'utf8')).filter(
      (specifier) => !existsSync(path.resolve(path.dirname(file), specifier)),
    );
    expect(missing).toEqual([]);
  });

  it('the check sees a moved module', () => {
    expect(relativeImports("await tsImport('../local-stack/test/stack.ts', import.meta.url)")).toEqual([
      '../local-stack/test/stack.ts',
    ]);
  });
});
