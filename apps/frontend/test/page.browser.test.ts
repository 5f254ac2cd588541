// The page in a real (headless) Chromium, served by the built frontend with the real worker and Redis:
// it works under its strict CSP (no violation, no console error), a page on another origin cannot
// open a socket, and with RATE_CONTROL=key a page needs the key (from the URL fragment) to change the rate.
import { readFileSync, readdirSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { CALCULATION_CHANNEL, STATUS_TEXT_MAX_LENGTH, isPublicPagePath } from '@string-hashr/contract';
import {
  type TestRedis,
  PHONE,
  chromiumLaunchOptions,
  openConnectedPage,
  recordPageTrouble,
  saveScreenshot,
  http,
  sampleWatcherStatus,
  startRedis,
  waitFor,
} from '@string-hashr/testing';
import { Redis } from 'ioredis';
import { rateRule } from '@string-hashr/traffic';
import { type Browser, type Page, chromium } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type RunningApp, connectPage, metric, startApp } from './support.js';

/** Records what would show a broken page: console errors and CSP violations (reported by the page itself). */
async function watchForProblems(page: Page): Promise<() => Promise<string[]>> {
  const problems = recordPageTrouble(page);
  await page.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { cspViolations: string[] }).cspViolations = seen;
    document.addEventListener('securitypolicyviolation', (e) => seen.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  return async () => [
    ...problems,
    ...(await page.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations)).map(
      (v) => `CSP violation: ${v}`,
    ),
  ];
}

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

  // Each test stands alone: one that fails while the rate is up does not leave the others hashes.
  // Rate 0 stops new requests, not the ones in flight, whose results would count in the next test.
  afterEach(async () => {
    const client = await connectPage(frontend.url);
    try {
      client.socket.emit('frequency', { freq: 0 });
      await client.next<{ freq: number }>('frequency', (f) => f.freq === 0);
    } finally {
      client.close();
    }
    await waitFor(
      'no request to the worker in flight',
      async () => metric((await http(`${frontend.url}/metrics`)).body, 'frontend_requests_in_flight') === 0,
      30_000,
    );
  });

  afterAll(async () => {
    await browser?.close();
    publisher?.disconnect();
    await frontend?.stop();
    await worker?.stop();
    await redis?.stop();
  });

  it('sets a rate of 20, shows hashes newest first and the traffic panel, and a second page sees the rate', async () => {
    const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
    const page = await context.newPage();
    const failedRequests: string[] = [];
    const requestedPaths = new Set<string>();
    const scriptTypes = new Set<string | undefined>();
    page.on('request', (request) => requestedPaths.add(new URL(request.url()).pathname));
    page.on('requestfailed', (request) => failedRequests.push(request.url()));
    page.on('response', (response) => {
      if (response.status() >= 400) failedRequests.push(`${response.status()} ${response.url()}`);
      if (new URL(response.url()).pathname.endsWith('.js')) scriptTypes.add(response.headers()['content-type']);
    });
    const problems = await watchForProblems(page);
    const response = await page.goto(frontend.url);
    expect(response?.headers()['content-security-policy']).toContain("default-src 'self'");
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
    await expect(burstRow.locator('.hash-origin').textContent()).resolves.toBe('burst');
    await expect(burstRow.getAttribute('class')).resolves.toContain('list-group-item-warning');
    await expect(page.locator('#hashes [data-origin="primary"] .hash-origin').first().textContent()).resolves.toBe(
      'primary',
    );
    // The legend is plain text beside swatches, not a badge that looks like a button.
    expect(await page.locator('.hash-legend').textContent()).toMatch(/computed on primary\s+computed on burst/);
    expect(await page.locator('#hashes-title .badge, .hash-legend .badge').count()).toBe(0);
    // No WATCHER_STATUS_URL: no watcher panel, no phase.
    expect(await page.locator('#watcher-state').isVisible()).toBe(false);
    expect(await page.locator('#watcher-log').isVisible()).toBe(false);
    expect(await page.locator('#nav-phase').isVisible()).toBe(false);

    // A second page opened afterwards shows the rate in force.
    const second = await context.newPage();
    await second.goto(frontend.url);
    await second.locator('#current-rate', { hasText: '20' }).waitFor({ timeout: 15_000 });
    await expect(second.inputValue('#frequency-input')).resolves.toBe('20');

    // A bad value is refused on that page only and the rate stays.
    await second.fill('#frequency-input', '-5');
    await second.click('#frequency-submit');
    await second.locator('#frequency-error:not(.d-none)').waitFor({ timeout: 15_000 });
    // One wording for every bad rate, in the page's words: the page says what the server says.
    expect(await second.locator('#frequency-error').textContent()).toBe(rateRule(1000));
    await second.fill('#frequency-input', '');
    await second.click('#frequency-submit');
    expect(await second.locator('#frequency-error').textContent()).toBe(rateRule(1000));
    const refused = await connectPage(frontend.url);
    try {
      refused.socket.emit('frequency', { freq: -5 });
      expect(await refused.next<{ message: string }>('error')).toEqual({ message: rateRule(1000) });
    } finally {
      refused.close();
    }
    expect(await page.locator('#frequency-error').isVisible()).toBe(false);
    await expect(page.locator('#current-rate').textContent()).resolves.toBe('20');

    // Chart filled, then a screenshot to look at (not committed), with a few burst rows on top.
    await page.bringToFront();
    await waitFor(
      'a few chart points',
      () => page.evaluate(() => (document.getElementById('rate-chart') as HTMLCanvasElement).height > 0),
      15_000,
    );
    // Stopped first, so no new primary row can push them down before they are looked at.
    await page.fill('#frequency-input', '0');
    await page.click('#frequency-submit');
    await page.locator('#current-rate', { hasText: /^0$/ }).waitFor({ timeout: 15_000 });
    for (let i = 0; i < 3; i++) await publisher.publish(CALCULATION_CHANNEL, `bursty-${String(i).repeat(43)}=`);
    await waitFor(
      'the three burst rows on top',
      async () =>
        (
          await page.$$eval('#hashes > li:nth-child(-n+3)', (rows) =>
            rows.map((r) => (r as HTMLElement).dataset.origin),
          )
        ).join() === 'burst,burst,burst',
      15_000,
    );
    console.log(`screenshot: ${await saveScreenshot(page, 'page')}`);

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
    // Everything the page asked for is on the paths the public Gateway routes (libs/contract).
    expect([...requestedPaths].filter((p) => !isPublicPagePath(p))).toEqual([]);
    expect(requestedPaths).toContain('/favicon.svg');
    // The built app serves every module of the page, as JavaScript (module scripts need the type).
    for (const module of readdirSync(path.resolve('apps/frontend/src/public/app')))
      expect(requestedPaths).toContain(`/app/${module}`);
    for (const type of scriptTypes) expect(type).toMatch(/^(text|application)\/javascript\b/);
    // Everything ran under the strict CSP: no violation, no console error (the favicon is found too).
    expect(await problems()).toEqual([]);
    await context.close();
  });

  it('the tiles that count results change in the same frame as the hash rows they count', async () => {
    const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
    const page = await context.newPage();
    const problems = await watchForProblems(page);
    await openConnectedPage(page, frontend.url);
    await page.locator('#current-rate', { hasText: /^0$/ }).waitFor({ timeout: 15_000 });
    // The totals known (a stats event came), and no result in the last seconds.
    await page.locator('#stat-results-total', { hasText: /^[\d,]+$/ }).waitFor({ timeout: 15_000 });
    await page.locator('#stat-burst-share', { hasText: /^–$/ }).waitFor({ timeout: 15_000 });
    const before = Number((await page.locator('#stat-results-total').textContent())?.replace(/,/g, ''));
    // What the tiles say at the very moment the tenth burst row is in the list.
    await page.evaluate(() => {
      const seen = window as unknown as { atTen?: { share: string; total: string; perSecond: string } };
      const list = document.getElementById('hashes') as HTMLElement;
      new MutationObserver(() => {
        if (seen.atTen || list.querySelectorAll('li[data-origin="burst"]').length < 10) return;
        const text = (id: string) => document.getElementById(id)?.textContent ?? '';
        seen.atTen = {
          share: text('stat-burst-share'),
          total: text('stat-results-total'),
          perSecond: text('stat-burst'),
        };
      }).observe(list, { childList: true });
    });
    for (let i = 0; i < 10; i++) await publisher.publish(CALCULATION_CHANNEL, `bursty-${String(i).repeat(43)}=`);
    const atTen = await waitFor('ten burst rows', () =>
      page.evaluate(() => (window as unknown as { atTen?: { share: string; total: string; perSecond: string } }).atTen),
    );
    expect(atTen.share).toBe('100%');
    // At least the ten: a result of the last test still on its way may land in the same window.
    expect(Number(atTen.total.replace(/,/g, ''))).toBeGreaterThanOrEqual(before + 10);
    // A rate over the window, never zero with the tenth row just drawn (its figure: page-stream.test.ts).
    expect(Number(atTen.perSecond)).toBeGreaterThan(0);
    expect(await page.locator('#watcher-share').textContent()).toBe('100%');
    expect(await problems()).toEqual([]);
    await context.close();
  });

  it("on a phone, the watcher's longest texts take two lines each and the newest hashes stay on the first screen", async () => {
    // A watcher whose rate reading failed and whose last write failed, with texts as long as
    // /status allows (a busy machine's timeouts carry a URL and a query).
    const long = (what: string) =>
      `${what}: http://127.0.0.1:9090/api/v1/query?query=`.padEnd(STATUS_TEXT_MAX_LENGTH, 'x');
    const status = {
      ...sampleWatcherStatus(),
      reason: long('no decision'),
      problem: long('write failed'),
      rate: { reading: 'error', rps: null, at: null, dataAt: null, error: long('timeout: rate query') },
    };
    const watcher: Server = createServer((_req, res) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(status)),
    );
    await new Promise<void>((resolve) => watcher.listen(0, '127.0.0.1', resolve));
    const watched = await startApp('frontend', {
      REDIS_URL: redis.url,
      PROCESSOR_URL: worker.url,
      WATCHER_STATUS_URL: `http://127.0.0.1:${(watcher.address() as AddressInfo).port}/status`,
    });
    const context = await browser.newContext({ viewport: PHONE, isMobile: true, hasTouch: true });
    try {
      const page = await context.newPage();
      const problems = await watchForProblems(page);
      await page.goto(watched.url);
      await page.locator('#watcher-problem:not(.d-none)').waitFor({ timeout: 15_000 });
      await page.locator('#connection-status', { hasText: 'connected' }).waitFor();
      for (let i = 0; i < 5; i++) await publisher.publish(CALCULATION_CHANNEL, `bursty-${String(i).repeat(43)}=`);
      await page.locator('#hashes > li:nth-child(5)').waitFor({ timeout: 15_000 });
      const lineHeight = await page.$eval('#watcher-problem', (e) => parseFloat(getComputedStyle(e).lineHeight));
      for (const id of ['watcher-reason', 'watcher-problem', 'watcher-rate', 'watcher-pending']) {
        const box = await page.locator(`#${id}`).boundingBox();
        expect(box?.height, id).toBeLessThanOrEqual(2 * lineHeight + 16); // two lines and the alert's padding
        expect(await page.locator(`#${id}`).getAttribute('title'), id).toBe(await page.locator(`#${id}`).textContent());
      }
      expect(await page.locator('#watcher-rate').textContent()).toBe(`failed: ${status.rate.error}`);
      const first = await page.locator('#hashes > li:first-child').boundingBox();
      expect(first && first.y + first.height <= PHONE.height, `first hash at ${JSON.stringify(first)}`).toBe(true);
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
      expect(await problems()).toEqual([]);

      // Idle, with nothing new to show, the page changes nothing in its document through two `stats`
      // events and four turns of its stream tiles: a panel rewritten with what it shows costs a layout
      // and a repaint. (The frontend relays the watcher's status only when it changes.)
      await page.locator('#stat-burst', { hasText: /^0\.0$/ }).waitFor({ timeout: 15_000 });
      await page.evaluate(() => {
        const w = window as unknown as { mutations: string[] };
        w.mutations = [];
        new MutationObserver((records) => {
          for (const r of records) w.mutations.push(`${r.type} #${(r.target as Element).id || r.target.nodeName}`);
        }).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
      });
      const listener = await connectPage(watched.url);
      try {
        const from = listener.heard.length;
        await waitFor(
          'two stats events',
          () => listener.heard.slice(from).filter((h) => h.event === 'stats').length >= 2,
        );
      } finally {
        listener.close();
      }
      expect(await page.evaluate(() => (window as unknown as { mutations: string[] }).mutations)).toEqual([]);
    } finally {
      await context.close();
      await watched.stop();
      await new Promise<void>((resolve) => watcher.close(() => resolve()));
    }
  });

  it('a page on another origin cannot open a socket (WebSocket or polling) nor change the rate', async () => {
    // The attacker's own site, on another port, with its own copy of the socket.io client.
    const client = readFileSync(path.resolve('node_modules/socket.io/client-dist/socket.io.min.js'));
    const attacker: Server = createServer((req, res) => {
      if (req.url === '/io.js') return void res.writeHead(200, { 'content-type': 'text/javascript' }).end(client);
      res.writeHead(200, { 'content-type': 'text/html' }).end(`<!doctype html><title>attacker</title>
        <script src="/io.js"></script>
        <script>
          window.outcomes = [];
          for (const transports of [['websocket'], ['polling']]) {
            const s = io(${JSON.stringify(frontend.url)}, { transports, reconnection: false });
            s.on('connect', () => { window.outcomes.push(transports[0] + ' connected'); s.emit('frequency', { freq: 77 }); });
            s.on('connect_error', () => window.outcomes.push(transports[0] + ' refused'));
          }
        </script>`);
    });
    await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
    const refusedBefore = metric((await http(`${frontend.url}/metrics`)).body, 'frontend_sockets_refused_total') ?? 0;
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await page.goto(`http://127.0.0.1:${(attacker.address() as AddressInfo).port}/`);
      await page.waitForFunction(() => (window as unknown as { outcomes: string[] }).outcomes.length === 2, undefined, {
        timeout: 15_000,
      });
      const outcomes = await page.evaluate(() => (window as unknown as { outcomes: string[] }).outcomes);
      expect(outcomes.sort()).toEqual(['polling refused', 'websocket refused']);
      const refusedAfter = metric((await http(`${frontend.url}/metrics`)).body, 'frontend_sockets_refused_total') ?? 0;
      expect(refusedAfter - refusedBefore).toBeGreaterThanOrEqual(2);
      const watcher = await connectPage(frontend.url);
      try {
        expect(await watcher.next<{ freq: number }>('frequency')).not.toEqual({ freq: 77 });
      } finally {
        watcher.close();
      }
    } finally {
      await context.close();
      attacker.closeAllConnections();
      await new Promise((resolve) => attacker.close(resolve));
    }
  });
});

describe('the page with RATE_CONTROL=key', () => {
  const KEY = 'page-test-control-key-0123456789';
  let redis: TestRedis;
  let frontend: RunningApp;
  let browser: Browser;

  beforeAll(async () => {
    redis = await startRedis();
    frontend = await startApp('frontend', {
      REDIS_URL: redis.url,
      PROCESSOR_URL: 'http://127.0.0.1:9',
      RATE_CONTROL: 'key',
      CONTROL_KEY: KEY,
    });
    browser = await chromium.launch(chromiumLaunchOptions());
  });
  afterAll(async () => {
    await browser?.close();
    await frontend?.stop();
    await redis?.stop();
  });

  it('without the key: read-only, says so, asks for the key; a wrong key is refused, the right one unlocks', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const problems = await watchForProblems(page);
    await page.goto(frontend.url);
    await page.locator('#control-readonly:not(.d-none)').waitFor({ timeout: 15_000 });
    expect(await page.locator('#control-readonly').textContent()).toMatch(/Read-only\..*control key/s);
    expect(await page.locator('#frequency-input').isDisabled()).toBe(true);
    expect(await page.locator('#frequency-submit').isDisabled()).toBe(true);

    await page.fill('#control-key-input', 'not-the-key-0123456789');
    await page.click('#control-key-submit');
    await page.locator('#control-key-rejected:not(.d-none)').waitFor({ timeout: 15_000 });
    expect(await page.locator('#frequency-input').isDisabled()).toBe(true);

    await page.fill('#control-key-input', KEY);
    await page.click('#control-key-submit');
    await page.locator('#control-unlocked:not(.d-none)').waitFor({ timeout: 15_000 });
    expect(await page.locator('#control-readonly').isVisible()).toBe(false);
    await page.fill('#frequency-input', '3');
    await page.click('#frequency-submit');
    await page.locator('#current-rate', { hasText: /^3$/ }).waitFor({ timeout: 15_000 });
    await page.click('#frequency-stop');
    await page.locator('#current-rate', { hasText: /^0$/ }).waitFor({ timeout: 15_000 });
    expect(await problems()).toEqual([]);
    await context.close();
  });

  it('the key in the URL fragment unlocks the page, leaves the address bar at once, and reaches no log', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const requested: string[] = [];
    page.on('request', (request) => requested.push(`${request.url()} ${request.headers().referer ?? ''}`));
    await page.goto(`${frontend.url}/#key=${KEY}`);
    await page.locator('#control-unlocked:not(.d-none)').waitFor({ timeout: 15_000 });
    expect(page.url()).toBe(`${frontend.url}/`);
    expect(await page.locator('#frequency-input').isDisabled()).toBe(false);
    // A reload keeps it (this tab only); another tab does not have it.
    await page.reload();
    await page.locator('#control-unlocked:not(.d-none)').waitFor({ timeout: 15_000 });
    const other = await context.newPage();
    await other.goto(frontend.url);
    await other.locator('#control-readonly:not(.d-none)').waitFor({ timeout: 15_000 });
    expect(requested.filter((line) => line.includes(KEY))).toEqual([]);
    expect(frontend.output()).not.toContain(KEY);
    await context.close();
  });
});
