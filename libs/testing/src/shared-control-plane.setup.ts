/**
 * The integration run's global setup (vitest.integration.config.ts): it starts the shared control
 * plane when the first file asks (shared-control-plane.ts), not before, so a run without such a file
 * pays nothing, and stops it after the last file.
 */
import { existsSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { announceControlPlane } from '@string-hashr/contract';
import { sharedControlPlaneFile, startControlPlane, type TestControlPlane } from './control-plane.js';

export default function setup(project: TestProject): () => Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'string-hashr-shared-control-plane-'));
  const file = (name: Parameters<typeof sharedControlPlaneFile>[1]) => sharedControlPlaneFile(dir, name);
  project.provide('sharedControlPlaneDir', dir);
  let started: Promise<TestControlPlane> | undefined;
  const asked = setInterval(() => {
    if (started || !existsSync(file('wanted'))) return;
    started = startControlPlane();
    started.then(
      (cp) => {
        // Whole or not at all: a reader never sees half the lines.
        writeFileSync(`${file('announcement')}.part`, announceControlPlane(cp).join('\n'));
        renameSync(`${file('announcement')}.part`, file('announcement'));
      },
      (err: unknown) => writeFileSync(file('failure'), err instanceof Error ? err.message : String(err)),
    );
  }, 100);
  return async () => {
    clearInterval(asked);
    await started?.then(
      (cp) => cp.stop(),
      () => undefined,
    );
    rmSync(dir, { recursive: true, force: true });
  };
}
