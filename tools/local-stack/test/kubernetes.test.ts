// The story with LOCAL_ROUTER=kubernetes: the watcher writes the worker VirtualService on a real
// API server on this machine (tools/control-plane) as its own ServiceAccount, the mesh stand-in
// follows that object, and an operator's `kubectl annotate` is obeyed and shown. Order of events
// only: hashes turn bursty-, then kubectl shows the burst on the object, then a suspension shows
// on /status and on the page.
import { existsSync, readFileSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';
import type { Socket } from 'socket.io-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  chromiumLaunchOptions,
  describeResult,
  explainFailure,
  http,
  openConnectedPage,
  runTool,
  sendUntilBursting,
  startStack,
  waitFor,
  type AuditEvent,
  type Stack,
} from '@string-hashr/testing';

/** Hang guard of each wait: the story asserts what happens and in what order, not how fast. */
const HANG_MS = 120_000;
const WATCHER_USER = 'system:serviceaccount:default:istiowatcher';
const ANNOTATION = 'burst.string-hashr.dev';

describe('npm start with LOCAL_ROUTER=kubernetes', () => {
  let stack: Stack;
  let socket: Socket | undefined;
  let browser: Browser | undefined;
  let kubeconfig: string;
  let kubectlPath: string;
  let auditLog: string;
  const kubectl = (args: string[]) => runTool(kubectlPath, ['--kubeconfig', kubeconfig, ...args]);
  const status = async () =>
    JSON.parse((await http(`http://127.0.0.1:${stack.ports.WATCHER_PORT}/status`)).body) as {
      suspend: boolean;
      weights: { primary: number; burst: number };
    };

  beforeAll(async () => {
    stack = await startStack({ env: { LOCAL_ROUTER: 'kubernetes', LOCAL_PROMETHEUS: 'off' } });
    const output = stack.output();
    kubeconfig = /^KUBECONFIG=(\S+)$/m.exec(output)?.[1] ?? '';
    kubectlPath = /kubectl \((\S+\/kubectl) is of the server's version\)/.exec(output)?.[1] ?? '';
    auditLog = /AUDIT_LOG=(\S+)/.exec(output)?.[1] ?? '';
  });
  afterEach(explainFailure(() => stack));
  afterAll(async () => {
    socket?.disconnect();
    await browser?.close();
    if (stack && stack.child.exitCode === null) await stack.ctrlC();
  });

  it('prints the KUBECONFIG= to use with kubectl, and the watcher holds its Lease there', async () => {
    expect(stack.output()).toContain('kubernetes router as ServiceAccount istiowatcher');
    // LOCAL_PROMETHEUS=off: the watcher reads the mesh stand-in's metrics itself.
    expect(stack.output()).toMatch(/off: Prometheus/);
    expect(stack.output()).toContain('scrapes the mesh stand-in directly');
    expect(existsSync(kubeconfig), stack.tail()).toBe(true);
    const version = await kubectl(['version', '-o', 'json']);
    expect(version.code, describeResult(version)).toBe(0);
    expect(JSON.parse(version.stdout).serverVersion.gitVersion).toMatch(/^v1\.\d+\.\d+$/);
    await waitFor(
      'the watcher to hold its Lease',
      async () =>
        (await kubectl(['get', 'lease', 'istiowatcher-leader', '-o', 'jsonpath={.spec.holderIdentity}'])).stdout !== '',
      HANG_MS,
      500,
    );
  });

  it('at 30 req/s hashes turn bursty-, and kubectl get vs shows the weights and annotations', async () => {
    ({ socket } = await sendUntilBursting(stack, 30, HANG_MS));
    // The stand-in routed to burst because the object on the API server says so.
    const got = await kubectl(['get', 'vs', 'worker-virtual-service', '-o', 'yaml']);
    expect(got.code, describeResult(got)).toBe(0);
    const vs = parse(got.stdout) as {
      metadata: { annotations?: Record<string, string> };
      spec: { http: Array<{ route: Array<{ weight: number }> }> };
    };
    expect(vs.spec.http[0]!.route.map((r) => r.weight)).toEqual([0, 100]);
    expect(vs.metadata.annotations).toMatchObject({
      [`${ANNOTATION}/phase`]: 'burst',
      [`${ANNOTATION}/owner`]: expect.stringMatching(/^istiowatcher-local\//),
      [`${ANNOTATION}/reason`]: expect.stringMatching(/above high threshold/),
    });
    const events = await kubectl(['get', 'events', '--field-selector', 'involvedObject.name=worker-virtual-service']);
    expect(events.stdout).toContain('BurstIncreased');
  });

  it('kubectl annotate ... suspend=true is obeyed: /status says so, then the page', async () => {
    const annotated = await kubectl(['annotate', 'vs', 'worker-virtual-service', `${ANNOTATION}/suspend=true`]);
    expect(annotated.code, describeResult(annotated)).toBe(0);
    await waitFor('/status to show the suspension', async () => (await status()).suspend, HANG_MS, 250);
    browser = await chromium.launch(chromiumLaunchOptions());
    const page = await (await browser.newContext()).newPage();
    await openConnectedPage(page, stack.pageUrl, { explain: stack.tail });
    await page.locator('#watcher-orders', { hasText: 'suspended by the operator' }).waitFor({ timeout: HANG_MS });
  });

  it('the watcher was refused nothing: not one 403 for its ServiceAccount in the audit log', () => {
    const events = readFileSync(auditLog, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as AuditEvent);
    const watcher = events.filter((e) => e.user.username === WATCHER_USER);
    expect(watcher.length).toBeGreaterThan(0);
    expect(watcher.filter((e) => e.responseStatus?.code === 403)).toEqual([]);
  });

  it('Ctrl-C stops everything and removes the control plane with its files', async () => {
    expect(await stack.ctrlC()).toBe(0);
    expect(existsSync(kubeconfig)).toBe(false);
  });
});
