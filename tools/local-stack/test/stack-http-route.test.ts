// The burst story on the Gateway API flavour: `WATCHER_ROUTE_KIND=HTTPRoute npm start`. The mesh
// stand-in follows an HTTPRoute and reports its traffic per backend Service, the watcher reads it
// through Prometheus with the HTTPRoute's queries and rewrites the backendRefs. At 30 req/s the new
// hashes turn bursty-, at 3 req/s they come back; the page, /status, the change lines under the
// status block and the dashboard's queries say the same, in that order.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { type Browser, type Page, chromium } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WATCHER_STATUS_PATH, WORKER_BACKENDS, parseWatcherStatus } from '@string-hashr/contract';
import {
  chromiumLaunchOptions,
  explainFailure,
  openConnectedPage,
  repoRoot,
  startStack,
  waitFor,
  type Stack,
} from '@string-hashr/testing';

/** Hang guard of each wait: the story asserts what happens and in what order, not how fast. */
const HANG_MS = 120_000;

const dashboard = JSON.parse(
  readFileSync(path.join(repoRoot, 'istio-manifests/addons/string-hashr-burst.json'), 'utf8'),
) as { panels: Array<{ title: string; targets: Array<{ expr: string; legendFormat: string }> }> };

describe('WATCHER_ROUTE_KIND=HTTPRoute npm start', () => {
  let stack: Stack;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    stack = await startStack({ viaNpm: true, env: { WATCHER_ROUTE_KIND: 'HTTPRoute', LOCAL_PROMETHEUS: 'on' } });
    browser = await chromium.launch(chromiumLaunchOptions());
    page = await (await browser.newContext()).newPage();
    await openConnectedPage(page, stack.pageUrl, { explain: stack.tail });
  });

  afterEach(explainFailure(() => stack));

  afterAll(async () => {
    await browser?.close();
    if (stack && stack.child.exitCode === null) await stack.ctrlC();
  });

  async function setRate(rate: number): Promise<void> {
    await page.fill('#frequency-input', String(rate));
    await page.click('#frequency-submit');
  }
  const newestHash = async () => (await page.locator('#hashes > li:first-child .hash-text').textContent()) ?? '';
  async function watcherStatus() {
    const parsed = parseWatcherStatus(
      await (await fetch(`http://127.0.0.1:${stack.ports.WATCHER_PORT}${WATCHER_STATUS_PATH}`)).json(),
    );
    if (!parsed.ok) throw new Error(`not a status: ${parsed.problem}`);
    return parsed.status;
  }
  /** The dashboard's own expression for a panel's series, over the last few seconds, from the stack's Prometheus. */
  async function dashboardSeries(
    title: string,
    legend: string,
  ): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>> {
    const target = dashboard.panels.find((p) => p.title === title)?.targets.find((t) => t.legendFormat === legend);
    if (!target) throw new Error(`no panel "${title}" with the series "${legend}"`);
    const query = target.expr.replace(/\$\{?__rate_interval\}?/g, '4s').replace(/\$\{?__interval\}?/g, '1s');
    const url = `http://127.0.0.1:${stack.ports.PROMETHEUS_PORT}/api/v1/query?${new URLSearchParams({ query })}`;
    const body = (await (await fetch(url)).json()) as {
      data?: { result?: Array<{ metric: Record<string, string>; value: [number, string] }> };
    };
    return body.data?.result ?? [];
  }

  it('the status block names the HTTPRoute the stand-in follows and the watcher rewrites', () => {
    expect(stack.output()).toMatch(/\n {2}mesh +\S+ \(weights from the HTTPRoute in \S+worker-httproute\.yaml\)/);
    expect(stack.output()).toMatch(/\n {2}istiowatcher +\S+ .*file router on the HTTPRoute/);
  });

  it('bursts at 30 req/s and comes back at 3: the page, /status, the change lines and the dashboard say so, in order', async () => {
    await setRate(30);
    await waitFor('new hashes bursty-', async () => (await newestHash()).startsWith('bursty-'), HANG_MS, 200);
    await page.locator('#watcher-phase', { hasText: /^burst$/ }).waitFor({ timeout: HANG_MS });
    expect(await page.locator('#watcher-weights').textContent()).toBe('0/100');
    expect(await watcherStatus()).toMatchObject({ phase: 'burst', weights: { primary: 0, burst: 100 } });
    // The stand-in reports the call by its backend Service, as a sidecar does behind an HTTPRoute.
    const mesh = await (await fetch(`http://127.0.0.1:${stack.ports.MESH_PORT}/stats/prometheus`)).text();
    expect(mesh).toContain(`destination_service_name="${WORKER_BACKENDS.burst}"`);
    await waitFor(
      'the dashboard: burst weight and traffic to the burst cluster',
      async () =>
        (await dashboardSeries('Weights in force', 'burst')).some((s) => s.value[1] === '100') &&
        (await dashboardSeries('Worker requests by destination cluster', '{{destination_cluster}}')).some(
          (s) => s.metric.destination_cluster === 'burst',
        ),
      HANG_MS,
      500,
    );

    await setRate(3);
    await waitFor('new hashes primary', async () => !(await newestHash()).startsWith('bursty-'), HANG_MS, 200);
    await page.locator('#watcher-phase', { hasText: /^natural$/ }).waitFor({ timeout: HANG_MS });
    expect(await page.locator('#watcher-weights').textContent()).toBe('100/0');
    expect(await watcherStatus()).toMatchObject({ phase: 'natural', weights: { primary: 100, burst: 0 } });

    // Under the status block, one line per change: to burst, then back.
    const changes = await waitFor(
      'two change lines',
      () => {
        const lines = [...stack.output().matchAll(/\d\d:\d\d:\d\d {2}weights (\d+\/\d+) -> (\d+\/\d+): /g)];
        return lines.length >= 2 ? lines.map((m) => `${m[1]} -> ${m[2]}`) : undefined;
      },
      HANG_MS,
      200,
    );
    expect(changes).toEqual(['100/0 -> 0/100', '0/100 -> 100/0']);
  });
});
