// The watcher's status relayed to the pages (WATCHER_STATUS_URL): on connect and on change, to
// every page; and every way a watcher can be down, slow or lie is told to the pages as
// "unavailable" while the frontend keeps serving. The watcher here is a test server that plays
// each fault (the real one cannot be made to lie); the local stack's tests run the real one.
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WATCHER_EVENT, type WatcherStatus } from '@string-hashr/contract';
import { type TestRedis, http, sampleWatcherStatus, startRedis, waitFor } from '@string-hashr/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { WatcherView } from '../src/watcher-view.js';
import { type PageClient, metric, startInProcessFrontend } from './support.js';

const STATUS: WatcherStatus = sampleWatcherStatus();

type Behaviour = (req: IncomingMessage, res: ServerResponse) => void;

/** A watcher whose answers the test sets; it counts the requests it got. */
async function startWatcherDouble(initial: Behaviour) {
  let behaviour = initial;
  let requests = 0;
  const server: Server = createServer((req, res) => {
    requests++;
    behaviour(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/status`,
    set: (next: Behaviour) => (behaviour = next),
    requests: () => requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const json =
  (body: unknown, status = 200): Behaviour =>
  (_req, res) =>
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));

describe('the watcher relay', () => {
  let redis: TestRedis;
  const cleanups: Array<() => Promise<unknown> | unknown> = [];

  beforeAll(async () => {
    redis = await startRedis();
  });
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  /** `timeoutMs`: the frontend's deadline for a read; short only where time is the subject. */
  async function start(behaviour: Behaviour, timeoutMs = 5000) {
    const watcher = await startWatcherDouble(behaviour);
    cleanups.push(() => watcher.close());
    const frontend = await startInProcessFrontend(redis.url, cleanups, {
      config: { watcherStatusUrl: watcher.url },
      watcherStatus: { intervalMs: 100, timeoutMs },
    });
    return { watcher, ...frontend };
  }

  const views = (client: PageClient) => client.all<WatcherView>(WATCHER_EVENT);

  it('without WATCHER_STATUS_URL there is no watcher event at all (the page then has no panel)', async () => {
    const { page, url } = await startInProcessFrontend(redis.url, cleanups, { statsIntervalMs: 100 });
    const client = await page();
    // Barrier: two stats windows went by after the connection's own events.
    await client.next('stats');
    await client.next('stats', () => true, { from: client.heard.length });
    expect(views(client)).toEqual([]);
    expect((await http(`${url}/metrics`)).body).not.toMatch(/frontend_watcher_status/);
  });

  it('tells each page the status when it connects, and every page when it changes; only the known fields', async () => {
    const { watcher, page, url } = await start(json({ ...STATUS, secret: 'hunter2', html: '<script>x</script>' }));
    const first = await page();
    const view = await first.next<WatcherView>(WATCHER_EVENT, (v) => v.available);
    expect(view).toEqual({ available: true, status: STATUS });
    expect(JSON.stringify(first.heard)).not.toMatch(/hunter2|script/);

    const second = await page();
    await second.next<WatcherView>(WATCHER_EVENT, (v) => v.available);
    const natural = { ...STATUS, phase: 'natural', weights: { primary: 100, burst: 0 } };
    watcher.set(json(natural));
    for (const client of [first, second])
      await client.next<WatcherView>(WATCHER_EVENT, (v) => v.available && v.status.phase === 'natural');
    // Only changes are told: reads of the same status add nothing.
    const told = views(first).length;
    const reads = watcher.requests();
    await waitFor('three more reads', () => watcher.requests() >= reads + 3);
    expect(views(first)).toHaveLength(told);
    expect(metric((await http(`${url}/metrics`)).body, 'frontend_watcher_status_available')).toBe(1);
  });

  const huge = 'x'.repeat(1 << 20);
  // The frontend's deadline for a read: 1 s where time is the subject (a watcher that never
  // answers or trickles), 5 s elsewhere, so a busy machine's slow read is not what is tested
  // (it was, once: a 1 MiB answer was cut by the deadline before its size).
  it.each<[string, Behaviour, RegExp, number?]>([
    ['down (HTTP 503)', json({ error: 'down' }, 503), /^the watcher answered HTTP 503$/],
    [
      'answering something that is not JSON',
      (_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html>hello</html>'),
      /^the watcher answered something that is not JSON$/,
    ],
    [
      'answering JSON that is not a status',
      json({ ...STATUS, weights: { primary: 90, burst: 90 } }),
      /^the watcher's answer is not a status: weights are not whole percentages that sum to 100$/,
    ],
    [
      'answering 1 MiB that says it is 1 MiB',
      (_req, res) => res.writeHead(200, { 'content-length': String(huge.length) }).end(huge),
      /^the watcher's answer is larger than 65536 bytes$/,
    ],
    [
      'answering 1 MiB without saying how long',
      (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        for (let i = 0; i < 16; i++) res.write(huge.slice(0, 1 << 16));
        res.end();
      },
      /^the watcher's answer is larger than 65536 bytes$/,
    ],
    ['never answering', () => {}, /^no answer from the watcher within 1000 ms$/, 1000],
    [
      'trickling its answer',
      (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        const timer = setInterval(() => res.write(' '), 20);
        res.on('close', () => clearInterval(timer));
      },
      /^no answer from the watcher within 1000 ms$/,
      1000,
    ],
    ['closing the connection', (req) => req.socket.destroy(), /^cannot reach the watcher/],
  ])(
    'a watcher %s: the pages are told it is unavailable and why; the frontend serves on; fixed, it is back',
    async (_name, lie, problem, timeoutMs = 5000) => {
      const { watcher, page, url, lines } = await start(json(STATUS), timeoutMs);
      const client = await page();
      await client.next<WatcherView>(WATCHER_EVENT, (v) => v.available);
      // Counted from here: an "unavailable" before the lie (a read that missed its deadline) is not under test.
      const [heard, logged] = [client.heard.length, lines.length];
      watcher.set(lie);
      const down = await client.next<WatcherView>(WATCHER_EVENT, (v) => !v.available, {
        from: heard,
        timeoutMs: 15_000,
      });
      expect(down).toEqual({ available: false, problem: expect.stringMatching(problem), since: expect.any(String) });
      expect((await http(`${url}/_healthz`)).status).toBe(200);
      expect(metric((await http(`${url}/metrics`)).body, 'frontend_watcher_status_available')).toBe(0);
      expect(
        metric((await http(`${url}/metrics`)).body, 'frontend_watcher_status_reads_total{result="failed"}'),
      ).toBeGreaterThan(0);
      watcher.set(json(STATUS));
      await client.next<WatcherView>(WATCHER_EVENT, (v) => v.available, { from: client.heard.length - 1 });
      // One line when it went away, one when it came back; not one per failed read.
      const since = lines.slice(logged);
      expect(since.filter((l) => l.includes("the watcher's status is unavailable"))).toHaveLength(1);
      expect(since.filter((l) => l.includes("the watcher's status is available again"))).toHaveLength(1);
    },
  );

  it('a redirect is not followed: the frontend asks the configured address and nothing else', async () => {
    const elsewhere = await startWatcherDouble(json(STATUS));
    cleanups.push(() => elsewhere.close());
    const { watcher, page } = await start((_req, res) => res.writeHead(302, { location: elsewhere.url }).end());
    const client = await page();
    const down = await client.next<WatcherView>(WATCHER_EVENT, (v) => !v.available && v.problem !== 'not read yet');
    expect(down).toMatchObject({ problem: 'the watcher answered HTTP 302' });
    await waitFor('a few reads', () => watcher.requests() >= 3);
    expect(elsewhere.requests()).toBe(0);
  });

  it('nothing a page sends changes where the frontend reads: a page cannot name another address', async () => {
    const { watcher, page } = await start(json(STATUS));
    const client = await page();
    await client.next<WatcherView>(WATCHER_EVENT, (v) => v.available);
    for (const event of [WATCHER_EVENT, 'watcherUrl', 'status'])
      client.socket.emit(event, { url: 'http://169.254.169.254/latest/meta-data/' });
    const ack = await client.socket.timeout(5000).emitWithAck('frequency', { freq: 0 });
    expect(ack).toEqual({ ok: true, freq: 0 });
    const reads = watcher.requests();
    await waitFor('more reads of the configured address', () => watcher.requests() >= reads + 2);
    expect(views(client).every((v) => v.available)).toBe(true);
  });
});
