import type { Page, Response } from 'playwright-core';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from './local-stack.js';

/** Debian's chromium; the flags keep it off the network this machine does not have. */
export function chromiumLaunchOptions() {
  const executablePath = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
  if (!executablePath) throw new Error('chromium is not installed; install it with `apt-get install chromium`');
  return {
    executablePath,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  };
}

/**
 * Saves a full-page screenshot as dist/screenshots/<name>.png and returns its path: the next run
 * overwrites it, so runs leave nothing behind in the temp folder.
 */
export async function saveScreenshot(page: Page, name: string): Promise<string> {
  const dir = path.join(repoRoot, 'dist/screenshots');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** A phone's viewport (an iPhone 12-14's CSS pixels): the page's first screen must fit in it. */
export const PHONE = { width: 390, height: 844 } as const;

/** What the page reports going wrong from now on: console errors and warnings, uncaught errors. */
export function recordPageTrouble(page: Page): string[] {
  const trouble: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') trouble.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (err) => trouble.push(`page error: ${err.message}`));
  return trouble;
}

/**
 * Opens the String Hashr page at `url` and waits until its socket says `connected`. When it does
 * not, the error says what the page showed and what went wrong in it (console errors, uncaught
 * errors, failed requests), and `explain()` adds what the servers said (e.g. a stack's output).
 */
export async function openConnectedPage(
  page: Page,
  url: string,
  options: { timeoutMs?: number; explain?: () => string } = {},
): Promise<Response | null> {
  const trouble = recordPageTrouble(page);
  page.on('requestfailed', (r) => trouble.push(`request failed: ${r.url()} (${r.failure()?.errorText ?? '?'})`));
  const response = await page.goto(url);
  const status = page.locator('#connection-status');
  try {
    await status.filter({ hasText: /^connected$/ }).waitFor({ timeout: options.timeoutMs ?? 30_000 });
  } catch (err) {
    const shown = await status.textContent({ timeout: 1000 }).catch(() => '(no #connection-status)');
    throw new Error(
      [
        `the page at ${url} did not connect: its status says "${shown}" (${(err as Error).message.split('\n')[0]})`,
        ...trouble.slice(-20),
        options.explain?.() ?? '',
      ].join('\n'),
    );
  }
  return response;
}
