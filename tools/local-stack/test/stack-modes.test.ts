// The stack without Prometheus (the watcher scrapes the mesh stand-in directly) and in spill mode.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { io, type Socket } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import { chromiumLaunchOptions, openConnectedPage, waitFor, type Stack, startStack } from '@string-hashr/testing';

let stack: Stack | undefined;
let socket: Socket | undefined;
let browser: Browser | undefined;
afterEach(async () => {
  socket?.disconnect();
  await browser?.close();
  if (stack && stack.child.exitCode === null) expect(await stack.ctrlC()).toBe(0);
  stack = socket = browser = undefined;
});

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
  it('with primary capacity 15 and 30 req/s, the burst share settles between 35% and 65%', async () => {
    stack = await startStack({ env: { WATCHER_MODE: 'spill', PRIMARY_CAPACITY_RPS: '15', LOCAL_PROMETHEUS: 'off' } });
    browser = await chromium.launch(chromiumLaunchOptions());
    const page = await browser.newPage();
    await openConnectedPage(page, stack.pageUrl, { explain: stack.tail });
    await page.fill('#frequency-input', '30');
    await page.click('#frequency-submit');
    const share = async () => Number((await page.locator('#stat-burst-share').textContent())?.replace('%', '') ?? NaN);
    await waitFor('some burst share', async () => (await share()) > 20, 30_000, 250);
    // Settled: ten one-second readings after the first spill, averaged (each second is a few dozen results).
    await page.waitForTimeout(5000);
    const readings: number[] = [];
    for (let i = 0; i < 10; i++) {
      readings.push(await share());
      await page.waitForTimeout(1000);
    }
    const mean = readings.reduce((a, b) => a + b, 0) / readings.length;
    expect(mean, `burst share readings ${readings.join(', ')}`).toBeGreaterThanOrEqual(35);
    expect(mean, `burst share readings ${readings.join(', ')}`).toBeLessThanOrEqual(65);
    // Both origins keep flowing: primary serves its part.
    const origins = await page.$$eval('#hashes > li:nth-child(-n+40)', (rows) =>
      rows.map((r) => (r as HTMLElement).dataset.origin),
    );
    expect(origins).toContain('primary');
    expect(origins).toContain('burst');
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
