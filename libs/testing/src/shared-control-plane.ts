/**
 * One control plane for the integration run's files that only add objects of their own names:
 * the run's global setup starts it the first time a file asks, and stops it when the run ends.
 * Each start costs seconds of CPU on a 2-core machine; a file that compacts, stops or needs an empty
 * cluster starts its own (startControlPlane).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { inject } from 'vitest';
import { readControlPlaneAnnouncement } from '@string-hashr/contract';
import { controlPlaneClient, sharedControlPlaneFile, type ControlPlaneClient } from './control-plane.js';
import { sleep } from './ports.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The folder through which a test file asks for the run's shared control plane. */
    sharedControlPlaneDir: string;
  }
}

let shared: Promise<ControlPlaneClient> | undefined;

/** The run's shared control plane: create namespaces and names of your own, never stop it. */
export function sharedControlPlane(): Promise<ControlPlaneClient> {
  shared ??= (async () => {
    const dir = inject('sharedControlPlaneDir');
    if (!dir) throw new Error('no shared control plane: run through vitest.integration.config.ts (its globalSetup)');
    const file = (name: Parameters<typeof sharedControlPlaneFile>[1]) => sharedControlPlaneFile(dir, name);
    writeFileSync(file('wanted'), '');
    // A hang guard: a start takes seconds, a minute and more on a busy machine.
    for (const deadline = Date.now() + 180_000; Date.now() < deadline; await sleep(100)) {
      if (existsSync(file('failure')))
        throw new Error(`the shared control plane: ${readFileSync(file('failure'), 'utf8')}`);
      const endpoints = existsSync(file('announcement'))
        ? readControlPlaneAnnouncement(readFileSync(file('announcement'), 'utf8'))
        : undefined;
      if (endpoints) return controlPlaneClient(endpoints);
    }
    throw new Error('the shared control plane did not start within 180 s');
  })();
  return shared;
}
