// A directory of one process's own under a shared parent (dist/tools/<tool>/, dist/serve/<app>/):
// two runs at once never share a bundle, and what a run stopped by a signal left is removed by the next.
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';

/** Makes <parent>/run-<pid>, removed when this process exits, and removes those whose process is gone. */
export function ownRunDir(parent) {
  const dir = path.join(parent, `run-${process.pid}`);
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(parent, { recursive: true });
  for (const entry of readdirSync(parent, { withFileTypes: true }).filter((d) => /^run-\d+$/.test(d.name))) {
    try {
      process.kill(Number(entry.name.slice(4)), 0);
    } catch {
      rmSync(path.join(parent, entry.name), { recursive: true, force: true });
    }
  }
  mkdirSync(dir, { recursive: true });
  return dir;
}
