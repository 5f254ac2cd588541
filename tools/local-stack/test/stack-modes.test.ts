// The stack in spill mode, and a start without what it needs. Without Prometheus (the watcher
// scrapes the mesh stand-in directly) is the story of kubernetes.test.ts.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { io, type Socket } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import { explainFailure, loggedWeightChanges, waitFor, type Stack, startStack } from '@string-hashr/testing';

let stack: Stack | undefined;
let socket: Socket | undefined;
afterEach(async () => {
  socket?.disconnect();
  if (stack && stack.child.exitCode === null) expect(await stack.ctrlC()).toBe(0);
  stack = socket = undefined;
});
// Hooks run last registered first: this one while the stack still runs.
afterEach(explainFailure(() => stack));

/** Hang guard of each wait: these stories assert what happens and in what order, not how fast. */
const HANG_MS = 120_000;

describe('the local stack in spill mode', () => {
  // The story: the watcher splits, and both sides keep serving while the split holds. How closely
  // the results follow the weights is the mesh stand-in's routing test (tools/mesh/src), which
  // weights a reading gives is libs/policy's spill tests; neither is measured here.
  it('with primary capacity 15 and 30 req/s, the watcher splits the traffic, and results come from both sides', async () => {
    stack = await startStack({ env: { WATCHER_MODE: 'spill', PRIMARY_CAPACITY_RPS: '15', LOCAL_PROMETHEUS: 'off' } });
    socket = io(stack.pageUrl, { transports: ['websocket'] });
    const results: string[] = [];
    socket.on('calculation', (hash: string) => results.push(hash));
    await waitFor('socket connected', () => socket!.connected);
    socket.emit('frequency', { freq: 30 });
    const isBurst = (hash: string) => hash.startsWith('bursty-');
    await waitFor('the first burst result', () => results.some(isBurst), HANG_MS, 200);
    // In this order: primary results only, then the watcher's split, then results from both sides.
    const first = results.findIndex(isBurst);
    expect(first, 'primary results before the split').toBeGreaterThan(0);
    await waitFor(
      'both origins among the newest 40 results, 100 results after the first burst one',
      () =>
        results.length >= first + 100 &&
        results.slice(-40).some(isBurst) &&
        results.slice(-40).some((r) => !isBurst(r)),
      HANG_MS,
      200,
    );
    // Spill, not burst: every change the watcher made split the traffic, none sent it all to one side.
    const changes = loggedWeightChanges(stack.output());
    const told = `the watcher's changes: ${JSON.stringify(changes.map((c) => c.burst))}`;
    expect(changes.length, told).toBeGreaterThan(0);
    for (const change of changes) {
      expect(change.burst, told).toBeGreaterThan(0);
      expect(change.burst, told).toBeLessThan(100);
    }
  });
});

describe('npm start without redis-server', () => {
  it('names the package to install and starts nothing', async () => {
    // A PATH with node and sh but no redis-server (and no prometheus).
    const bin = mkdtempSync(path.join(tmpdir(), 'no-redis-bin-'));
    for (const tool of ['sh', 'node'])
      symlinkSync(execFileSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).trim(), path.join(bin, tool));
    const failed = await startStack({ env: { PATH: bin } }).then(
      async (s) => (await s.ctrlC(), 'it started'),
      (err: Error) => err.message,
    );
    expect(failed).toMatch(
      /nothing answers at REDIS_URL=127\.0\.0\.1:\d+ and redis-server is not installed: install the redis-server package/,
    );
    expect(failed).not.toContain('String Hashr is running');
  });
});
