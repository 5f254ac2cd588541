// The page in a real (headless) Chromium, served by the built frontend with the real worker and Redis.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CALCULATION_CHANNEL } from '@string-hashr/contract';
import { type TestRedis, chromiumLaunchOptions, http, startRedis, waitFor } from '@string-hashr/testing';
import { Redis } from 'ioredis';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningApp, startApp } from './support.js';

describe('the String Hashr page', () => {
  let redis: TestRedis;
  let worker: RunningApp;
  let frontend: RunningApp;
  let browser: Browser;
  let publisher: Redis;

  beforeAll(async () => {
    redis = await startRedis();
    worker = await startApp('worker', { REDIS_URL: redis.url });
    frontend = await startApp('frontend', { REDIS_URL: redis.url, PROCESSOR_URL: worker.url });
    await waitFor('frontend healthy', async () => (await http(`${frontend.url}/_healthz`)).status === 200);
    publisher = new Redis(redis.port, '127.0.0.1');
    browser = await chromium.launch(chromiumLaunchOptions());
  });

  afterAll(async () => {
    await browser?.close();
    publisher?.disconnect();
    await frontend?.stop();
    await worker?.stop();
    await redis?.stop();
  });

  it('sets a rate of 20, shows hashes newest first and about 20 req/s, and a second page sees the rate', async () => {
    const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
    const page = await context.newPage();
    const failedRequests: string[] = [];
    page.on('requestfailed', (request) => failedRequests.push(request.url()));
    page.on('response', (response) => {
      if (response.status() >= 400) failedRequests.push(`${response.status()} ${response.url()}`);
    });
    await page.goto(frontend.url);
    await expect(page.title()).resolves.toBe('String Hashr');
    await page.getByText("What's the frequency?").waitFor();
    await page.locator('#connection-status', { hasText: 'connected' }).waitFor();
    await page.locator('#current-rate', { hasText: '0' }).waitFor();

    await page.fill('#frequency-input', '20');
    await page.click('#frequency-submit');
    await page.locator('#hashes [data-testid="hash-row"]').first().waitFor({ timeout: 10_000 });
    await expect(page.locator('#current-rate').textContent()).resolves.toBe('20');
    await expect(page.locator('#hashes .hash-text').first().textContent()).resolves.toMatch(/^[A-Za-z0-9+/]{43}=$/);

    // The panel: target 20, and requests sent and answered (rate accuracy is `npm run bench`'s).
    await page.locator('#stat-target', { hasText: '20' }).waitFor({ timeout: 15_000 });
    await waitFor(
      'the stats panel to report requests sent and answered',
      async () =>
        Number(await page.locator('#stat-achieved').textContent()) > 0 &&
        Number(await page.locator('#stat-ok').textContent()) > 0,
      15_000,
    );
    expect(await page.locator('#stat-p50').textContent()).toMatch(/^\d+\.\d$/);
    expect(await page.locator('#stat-failed').textContent()).toBe('0.0');

    // A burst result is marked as such, and is the newest row.
    await publisher.publish(CALCULATION_CHANNEL, 'bursty-' + 'B'.repeat(43) + '=');
    const burstRow = page.locator('#hashes [data-origin="burst"]').first();
    await burstRow.waitFor({ timeout: 15_000 });
    await expect(burstRow.locator('.badge').textContent()).resolves.toBe('burst');
    await expect(burstRow.getAttribute('class')).resolves.toContain('list-group-item-warning');
    await expect(page.locator('#hashes [data-origin="primary"] .badge').first().textContent()).resolves.toBe('primary');

    // A second page opened afterwards shows the rate in force.
    const second = await context.newPage();
    await second.goto(frontend.url);
    await second.locator('#current-rate', { hasText: '20' }).waitFor({ timeout: 15_000 });
    await expect(second.inputValue('#frequency-input')).resolves.toBe('20');

    // A bad value is refused on that page only and the rate stays.
    await second.fill('#frequency-input', '-5');
    await second.click('#frequency-submit');
    await second.locator('#frequency-error:not(.d-none)').waitFor({ timeout: 15_000 });
    expect(await second.locator('#frequency-error').textContent()).toMatch(/from 0 to 1000/);
    expect(await page.locator('#frequency-error').isVisible()).toBe(false);
    await expect(page.locator('#current-rate').textContent()).resolves.toBe('20');

    // Chart filled, then a screenshot to look at (not committed), with a few burst rows on top.
    await page.bringToFront();
    await waitFor(
      'a few chart points',
      () => page.evaluate(() => (document.getElementById('rate-chart') as HTMLCanvasElement).height > 0),
      15_000,
    );
    for (let i = 0; i < 3; i++) await publisher.publish(CALCULATION_CHANNEL, `bursty-${String(i).repeat(43)}=`);
    await page.waitForFunction(
      () => document.querySelector('#hashes > li[data-origin="burst"]:nth-child(-n+4)') !== null,
      undefined,
      { polling: 'raf', timeout: 15_000 },
    );
    const shots = mkdtempSync(path.join(tmpdir(), 'string-hashr-page-'));
    const shot = path.join(shots, 'page.png');
    await page.screenshot({ path: shot, fullPage: true });
    console.log(`screenshot: ${shot}`);

    // At a high rate the list keeps at most 100 rows.
    await page.fill('#frequency-input', '400');
    await page.click('#frequency-submit');
    await waitFor('100 rows', async () => (await page.locator('#hashes > li').count()) === 100, 15_000);
    // Another 100 results arrive after that, and the list still holds 100.
    const seen = async () => Number((await page.locator('#stat-results-total').textContent())?.replace(/,/g, ''));
    const atHundred = await seen();
    await waitFor('100 more results', async () => (await seen()) >= atHundred + 100, 10_000);
    expect(await page.locator('#hashes > li').count()).toBe(100);
    await page.click('#frequency-stop');
    await second.locator('#current-rate', { hasText: /^0$/ }).waitFor({ timeout: 15_000 });

    expect(failedRequests).toEqual([]);
    await context.close();
  });
});
