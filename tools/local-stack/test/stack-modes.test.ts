// The stack without Prometheus (the watcher scrapes the mesh stand-in directly) and in spill mode.
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

describe('the local stack without Prometheus', () => {
  it('bursts by scraping the stand-in directly', async () => {
    stack = await startStack({ env: { LOCAL_PROMETHEUS: 'off' } });
    expect(stack.output()).toMatch(/off: Prometheus/);
    expect(stack.output()).toContain('scrapes the mesh stand-in directly');
    socket = io(stack.pageUrl, { transports: ['websocket'] });
    const results: string[] = [];
    socket.on('calculation', (hash: string) => results.push(hash));
    await waitFor('socket connected', () => socket!.connected);
    socket.emit('frequency', { freq: 30 });
    await waitFor(
      'the last 20 results to be bursty-',
      () => results.length >= 20 && results.slice(-20).every((r) => r.startsWith('bursty-')),
      20_000,
      200,
    );
  });
});

describe('the local stack in spill mode', () => {
  // The subject is the split, so the results are counted as they reach a page's socket; the page's
  // own burst share tile is stack.test.ts's (in Chromium). What the watcher reads on a starved
  // machine is not (a full run once counted 72% burst, where 30 req/s read right spills 50%): the
  // split is checked against the weights it set, each result against the weights in effect when it
  // came; the weights for a reading are libs/policy's spill tests.
  it('with primary capacity 15 and 30 req/s, the watcher splits the traffic and the results follow its weights', async () => {
    stack = await startStack({ env: { WATCHER_MODE: 'spill', PRIMARY_CAPACITY_RPS: '15', LOCAL_PROMETHEUS: 'off' } });
    socket = io(stack.pageUrl, { transports: ['websocket'] });
    const results: Array<{ hash: string; at: number }> = [];
    socket.on('calculation', (hash: string) => results.push({ hash, at: Date.now() }));
    await waitFor('socket connected', () => socket!.connected);
    socket.emit('frequency', { freq: 30 });
    const isBurst = ({ hash }: { hash: string }) => hash.startsWith('bursty-');
    await waitFor('the first burst result', () => results.some(isBurst), 30_000, 200);
    // Settled: after the first spill, 150 results (about 5 s) are skipped and the next 300 counted.
    const first = results.findIndex(isBurst);
    await waitFor('450 results after the first spill', () => results.length >= first + 450, 60_000, 200);
    const settled = results.slice(first + 150, first + 450);
    // The watcher's weight changes, from its log lines: when, and the burst weight.
    const changes = loggedWeightChanges(stack.output());
    const burstWeightAt = (at: number) => changes.filter((c) => c.at <= at).at(-1)?.burst ?? 0;
    const expected = settled.reduce((sum, r) => sum + burstWeightAt(r.at), 0) / settled.length;
    const share = (100 * settled.filter(isBurst).length) / settled.length;
    const told = `burst share ${share.toFixed(1)}%, weights in effect ${expected.toFixed(1)}%; the watcher:\n${changes
      .map((c) => `${new Date(c.at).toISOString()} burst ${c.burst}`)
      .join('\n')}`;
    // Spill, not burst: the weights split the traffic rather than sending it all to one side.
    expect(expected, told).toBeGreaterThan(0);
    expect(expected, told).toBeLessThan(100);
    // The mesh splits by the weights: within 15 points (300 results: 5 standard deviations at 50%).
    expect(Math.abs(share - expected), told).toBeLessThanOrEqual(15);
    // Both origins keep flowing to the end: primary serves its part.
    const last = results.slice(-40);
    expect(last.some(isBurst)).toBe(true);
    expect(last.some((r) => !isBurst(r))).toBe(true);
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
