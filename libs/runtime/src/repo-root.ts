import { existsSync } from 'node:fs';
import path from 'node:path';

/**
 * The repository holding `from` (a module's directory), found by its nx.json: a tool run from a
 * bundle in dist/ (tools/build/run-ts.mjs) is not where its source is, so no fixed `../..` fits both.
 */
export function findRepoRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'nx.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no nx.json above ${from}: run this inside the repository`);
  }
}
