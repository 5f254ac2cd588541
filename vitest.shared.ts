// What the two vitest configs share: the Nx projects' folders (found from the project.json files,
// so a new project needs no entry here; each config makes one vitest project of them all, and an
// Nx target runs its own folder) and the @string-hashr/* aliases
// (from tsconfig.base.json's paths, their one home).
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.dirname(fileURLToPath(import.meta.url));

export const nxProjects: Array<{ name: string; dir: string }> = ['apps', 'libs', 'tools'].flatMap((group) =>
  readdirSync(path.join(root, group), { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(path.join(root, group, entry.name, 'project.json')))
    .map((entry) => {
      const dir = `${group}/${entry.name}`;
      const { name } = JSON.parse(readFileSync(path.join(root, dir, 'project.json'), 'utf8')) as { name: string };
      return { name, dir };
    }),
);

const { compilerOptions } = JSON.parse(readFileSync(path.join(root, 'tsconfig.base.json'), 'utf8')) as {
  compilerOptions: { paths: Record<string, string[]> };
};
export const alias = Object.fromEntries(
  Object.entries(compilerOptions.paths).map(([name, [target]]) => [name, path.join(root, target ?? '')]),
);

export const exclude = ['**/node_modules/**', '**/dist/**'];
