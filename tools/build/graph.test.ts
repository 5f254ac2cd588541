// `nx graph` as the design asks: the apps depend on the shared lib, never on each other.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const apps = ['worker', 'frontend', 'istiowatcher'];

describe('nx graph', () => {
  it('shows every app depending on the core lib and no app depending on another', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'nx-graph-'));
    try {
      const file = path.join(dir, 'graph.json');
      await promisify(execFile)('npx', ['nx', 'graph', `--file=${file}`], { cwd: root, env: { ...process.env, NX_DAEMON: 'false' } });
      const { graph } = JSON.parse(readFileSync(file, 'utf8')) as { graph: { dependencies: Record<string, Array<{ target: string }>> } };
      for (const app of apps) {
        const targets = graph.dependencies[app].map((d) => d.target);
        expect(targets, app).toContain('core');
        expect(targets.filter((t) => apps.includes(t)), `${app} depends on another app`).toEqual([]);
      }
      expect(graph.dependencies.frontend.map((d) => d.target)).toContain('traffic');
      expect(graph.dependencies.istiowatcher.map((d) => d.target)).toContain('burst');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
