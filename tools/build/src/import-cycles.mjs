// The import graph of the workspace's own sources, and the cycles in it. Relative imports and
// `@string-hashr/*` (through tsconfig.base.json's paths) are edges; type-only and lazy imports
// count too, since a cycle of types is still two modules that cannot be read apart.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

const SOURCE = /\.(ts|mjs|js)$/;
const SKIPPED = new Set(['node_modules', 'dist', '.nx', 'coverage']);

/** The specifiers a source imports or re-exports, statically or with import('...'). */
export function importSpecifiers(text) {
  // Comments first: a docstring that shows an import is not one.
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  const patterns = [
    /(?:^|[\s;])(?:import|export)\s+(?:type\s+)?[^'";]*?\sfrom\s*['"]([^'"\n]+)['"]/g,
    /(?:^|[\s;])import\s*['"]([^'"\n]+)['"]/g,
    /\bimport\(\s*['"]([^'"\n]+)['"]\s*\)/g,
  ];
  return [...new Set(patterns.flatMap((pattern) => [...code.matchAll(pattern)].map((m) => m[1])))];
}

/** The file a relative specifier names (`./x.js` is `./x.ts` in a TypeScript source), if it is a source. */
function resolveRelative(from, spec) {
  const base = path.resolve(path.dirname(from), spec);
  const candidates = [base, base.replace(/\.js$/, '.ts'), `${base}.ts`, `${base}.js`, `${base}.mjs`];
  candidates.push(path.join(base, 'index.ts'), path.join(base, 'index.js'));
  return candidates.find((file) => SOURCE.test(file) && existsSync(file) && statSync(file).isFile());
}

function sourcesUnder(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (SKIPPED.has(entry.name)) return [];
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourcesUnder(full);
    return SOURCE.test(entry.name) && !entry.name.endsWith('.d.ts') ? [full] : [];
  });
}

/**
 * Every source under `dirs` of `root`, with the sources it imports (paths relative to `root`).
 * `aliases` maps a package name to its entry file, as tsconfig.base.json's paths do.
 */
export function importGraph(root, dirs, aliases) {
  const graph = new Map();
  for (const file of dirs.flatMap((dir) => sourcesUnder(path.join(root, dir)))) {
    const targets = [];
    for (const spec of importSpecifiers(readFileSync(file, 'utf8'))) {
      const target = spec.startsWith('.')
        ? resolveRelative(file, spec)
        : aliases[spec] && path.join(root, aliases[spec]);
      if (target) targets.push(path.relative(root, target));
    }
    graph.set(path.relative(root, file), [...new Set(targets)]);
  }
  return graph;
}

/** tsconfig.base.json's paths as package name -> entry file. */
export function workspaceAliases(root) {
  const { compilerOptions } = JSON.parse(readFileSync(path.join(root, 'tsconfig.base.json'), 'utf8'));
  return Object.fromEntries(Object.entries(compilerOptions.paths ?? {}).map(([name, [target]]) => [name, target]));
}

/**
 * One cycle for each group of modules that import one another (a strongly connected component of
 * more than one module, or a module importing itself), as the path `[a, b, ..., a]`, sorted.
 */
export function findCycles(graph) {
  const index = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const components = [];
  let next = 0;
  const edges = (node) => (graph.get(node) ?? []).filter((target) => graph.has(target));

  function connect(node) {
    index.set(node, next);
    low.set(node, next);
    next++;
    stack.push(node);
    onStack.add(node);
    for (const target of edges(node)) {
      if (!index.has(target)) {
        connect(target);
        low.set(node, Math.min(low.get(node), low.get(target)));
      } else if (onStack.has(target)) {
        low.set(node, Math.min(low.get(node), index.get(target)));
      }
    }
    if (low.get(node) !== index.get(node)) return;
    const component = [];
    let member;
    do {
      member = stack.pop();
      onStack.delete(member);
      component.push(member);
    } while (member !== node);
    components.push(component);
  }

  for (const node of [...graph.keys()].sort()) if (!index.has(node)) connect(node);

  return components
    .filter((c) => c.length > 1 || edges(c[0]).includes(c[0]))
    .map((component) => cycleThrough(component.sort()[0], new Set(component), edges))
    .sort((a, b) => a[0].localeCompare(b[0]));
}

/** The shortest way from `start` back to itself inside `members` (breadth first). */
function cycleThrough(start, members, edges) {
  const cameFrom = new Map();
  const queue = [start];
  while (queue.length) {
    const node = queue.shift();
    for (const target of edges(node)) {
      if (!members.has(target)) continue;
      if (target === start) {
        const cycle = [start];
        for (let at = node; at !== start; at = cameFrom.get(at)) cycle.splice(1, 0, at);
        return [...cycle, start];
      }
      if (!cameFrom.has(target)) {
        cameFrom.set(target, node);
        queue.push(target);
      }
    }
  }
  return [start, start];
}
