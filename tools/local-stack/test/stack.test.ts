// The whole burst story on one machine: `npm start`, a browser, a burst and its end.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { type Browser, type Page, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  chromiumLaunchOptions,
  http,
  sleep,
  startNodeApp,
  waitFor,
  type RunningProcess,
  type Stack,
  portOpen,
  processEnv,
  repoRoot,
  startStack,
} from '@string-hashr/testing';

async function setRate(page: Page, rate: number) {
  await page.fill('#frequency-input', String(rate));
  await page.click('#frequency-submit');
  await page.locator('#current-rate', { hasText: new RegExp(`^${rate}$`) }).waitFor({ timeout: 5000 });
}

/** The origin (`burst` or `primary`) of the newest `n` rows on the page. */
function newestOrigins(page: Page, n = 10): Promise<string[]> {
  return page.$$eval(`#hashes > li:nth-child(-n+${n})`, (rows) =>
    rows.map((r) => (r as HTMLElement).dataset.origin ?? ''),
  );
}

const burstShare = async (page: Page) =>
  Number((await page.locator('#stat-burst-share').textContent())?.replace('%', '') ?? NaN);

describe('npm start: the local burst stack, with Prometheus', () => {
  let stack: Stack;
  let browser: Browser;
  let page: Page;
  let replacement: RunningProcess | undefined;

  beforeAll(async () => {
    stack = await startStack({ viaNpm: true, env: { LOCAL_PROMETHEUS: 'on' } });
    browser = await chromium.launch(chromiumLaunchOptions());
    page = await (await browser.newContext({ viewport: { width: 1400, height: 1100 } })).newPage();
    await page.goto(stack.pageUrl);
    await page.locator('#connection-status', { hasText: 'connected' }).waitFor();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await replacement?.stop();
    if (stack && stack.child.exitCode === null) await stack.ctrlC();
  });

  it('prints one status block naming every component and the page', () => {
    expect(stack.output().match(/String Hashr is running/g)).toHaveLength(1);
    for (const name of ['redis', 'worker', 'burst-worker', 'mesh', 'frontend', 'prometheus', 'istiowatcher'])
      expect(stack.output()).toMatch(new RegExp(`\\n  ${name} +http|\\n  ${name} +127`));
    expect(stack.output()).toContain(`Open the page:  ${stack.pageUrl}`);
  });

  it('bursts at 30 req/s: within 20 s the newest hashes are all bursty- and the burst share is near 100%', async () => {
    await setRate(page, 30);
    const since = Date.now();
    await waitFor(
      'the newest 10 hashes to be burst',
      async () => (await newestOrigins(page)).every((o) => o === 'burst') && (await newestOrigins(page)).length === 10,
      20_000,
      200,
    );
    await waitFor(
      'a burst share near 100%',
      async () => (await burstShare(page)) >= 90,
      Math.max(1000, 20_000 - (Date.now() - since)),
      200,
    );
    expect(await page.locator('#hashes > li:first-child .hash-text').textContent()).toMatch(
      /^bursty-[A-Za-z0-9+/]{43}=$/,
    );
    // The screenshot in the README: `UPDATE_SCREENSHOT=1 npx nx test local-stack` refreshes it.
    await sleep(3000);
    const dir = process.env.UPDATE_SCREENSHOT ? path.join(repoRoot, 'docs') : path.join(repoRoot, 'tmp');
    mkdirSync(dir, { recursive: true });
    await page.screenshot({ path: path.join(dir, 'screenshot-burst.png') });
  });

  it('survives losing the burst worker: the page shows failures, nothing crashes, a new one brings results back', async () => {
    const burstPid = stack.processes().find((pid) => processEnv(pid).PREFIX === 'bursty-');
    expect(burstPid, 'the burst worker process').toBeDefined();
    process.kill(burstPid!, 'SIGKILL');
    await waitFor(
      'failures on the page',
      async () => Number(await page.locator('#stat-failed').textContent()) > 5,
      10_000,
      200,
    );
    for (const port of ['FRONTEND_PORT', 'WORKER_PORT', 'MESH_PORT', 'WATCHER_PORT'])
      expect(await portOpen(stack.ports[port]!), port).toBe(true);
    expect((await http(`${stack.pageUrl}/_healthz`)).status).toBe(200);
    expect(stack.child.exitCode).toBeNull();

    replacement = startNodeApp(path.join(repoRoot, 'dist/apps/worker/main.js'), {
      PORT: String(stack.ports.BURST_WORKER_PORT),
      PREFIX: 'bursty-',
      REDIS_URL: stack.redisUrl,
    });
    await waitFor(
      'failures to stop',
      async () => Number(await page.locator('#stat-failed').textContent()) === 0,
      15_000,
      200,
    );
    await waitFor(
      'bursty- hashes again',
      async () => (await newestOrigins(page, 5)).every((o) => o === 'burst'),
      10_000,
      200,
    );
  });

  it('says so when a second npm start runs while this one does', async () => {
    const second = await startStack({ viaNpm: true, env: { LOCAL_STACK_LOCK: stack.lockFile } }).then(
      (s) => s.ctrlC().then(() => 'started'),
      (err: Error) => err.message,
    );
    expect(second).toMatch(/already running \(pid \d+\): open http:\/\/127\.0\.0\.1:\d+/);
    expect(second).not.toMatch(/EADDRINUSE/);
  });

  it('comes back at 3 req/s: within 60 s the newest hashes are all primary', async () => {
    await setRate(page, 3);
    await waitFor(
      'the newest 5 hashes to be primary',
      async () => (await newestOrigins(page, 5)).every((o) => o === 'primary'),
      60_000,
      500,
    );
  });

  it('Ctrl-C stops every process and frees every port', async () => {
    await browser.close();
    await replacement?.stop();
    replacement = undefined;
    expect(await stack.ctrlC()).toBe(0);
    expect(stack.processes()).toEqual([]);
    for (const [name, port] of Object.entries(stack.ports)) expect(await portOpen(port), name).toBe(false);
    expect(await portOpen(Number(stack.redisUrl.split(':')[1]))).toBe(false);
    expect(stack.output()).toContain('local-stack: stopped');
  });
});
