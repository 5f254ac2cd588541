// The frontend played against by an attacker, in-process with a real Redis: who may change the
// rate, who may connect at all, floods of changes, oversized and odd messages. Every test starts
// its own app; none sleeps: "nothing happened" is shown after a barrier (an acknowledged event).
import { CALCULATION_CHANNEL } from '@string-hashr/contract';
import { http, waitFor } from '@string-hashr/testing';
import { describe, expect, it } from 'vitest';
import type { FrontendDeps } from '../src/app.js';
import { READ_ONLY_MESSAGE, TOO_MANY_MESSAGE } from '../src/rate-control.js';
import { type PageClient, inProcessSuite, metric, refusedHandshake, startInProcessFrontend } from './support.js';

const KEY = 'a-control-key-0123456789abcdef';
const HASH = 'Zl8q' + 'A'.repeat(39) + '=';

describe('the frontend under attack (in-process)', () => {
  const suite = inProcessSuite();

  const start = (config: Partial<FrontendDeps['config']> = {}) =>
    startInProcessFrontend(suite.redis.url, suite.cleanups, { config });
  const ask = (client: PageClient, payload: unknown) =>
    client.socket.timeout(5000).emitWithAck('frequency', payload) as Promise<{ ok: boolean; message?: string }>;
  const heard = (client: PageClient, event: string, from = 0) =>
    client.heard.slice(from).filter((h) => h.event === event);

  describe('RATE_CONTROL=key', () => {
    const keyed = () => start({ rateControl: 'key', controlKey: KEY });

    it('a page without the key watches read-only: told so on connect, refused with an error, rate unchanged', async () => {
      const { frontend, page, url } = await keyed();
      const watcher = await page();
      expect(await watcher.next('control')).toEqual({ mode: 'key', canControl: false, keyRejected: false });
      await expect(ask(watcher, { freq: 50 })).resolves.toEqual({ ok: false, message: READ_ONLY_MESSAGE });
      expect(heard(watcher, 'error').map((h) => h.args[0])).toEqual([{ message: READ_ONLY_MESSAGE }]);
      expect(frontend.rate).toBe(0);
      expect(metric((await http(`${url}/metrics`)).body, 'frontend_rate_changes_total{result="read_only"}')).toBe(1);
    });

    it.each<[string, unknown]>([
      ['a wrong key', 'not-the-key-0123456789abcdef'],
      ['the key with a character more', KEY + 'x'],
      ['a number', 1234567890123456],
      ['an object', { key: KEY }],
      ['an array holding the key', [KEY]],
      ['an empty key', ''],
    ])('a page presenting %s is read-only and told the key was not accepted', async (_name, key) => {
      const { frontend, page } = await keyed();
      const client = await page({ auth: { key } });
      expect(await client.next('control')).toEqual({ mode: 'key', canControl: false, keyRejected: true });
      expect((await ask(client, { freq: 50 })).ok).toBe(false);
      expect(frontend.rate).toBe(0);
    });

    it('a page with the key changes the rate, and every page (read-only ones too) hears it', async () => {
      const { frontend, page, sink } = await keyed();
      const watcher = await page();
      const controller = await page({ auth: { key: KEY } });
      expect(await controller.next('control')).toEqual({ mode: 'key', canControl: true, keyRejected: false });
      await expect(ask(controller, { freq: 20 })).resolves.toEqual({ ok: true, freq: 20 });
      await watcher.next('frequency', (p: { freq: number }) => p.freq === 20);
      expect(frontend.rate).toBe(20);
      await waitFor('requests at the worker', () => sink.requests() > 0);
    });

    it('the key never appears in the log or in /metrics', async () => {
      const { page, url, lines } = await keyed();
      const controller = await page({ auth: { key: KEY } });
      await ask(controller, { freq: 3 });
      await page({ auth: { key: 'wrong-key-0123456789abcdef' } });
      expect(lines.join('\n')).toContain('rate changed');
      expect(lines.join('\n')).not.toContain(KEY);
      expect((await http(`${url}/metrics`)).body).not.toContain(KEY);
    });
  });

  describe('origins', () => {
    it.each<[string, Record<string, string>]>([
      ['another site', { origin: 'https://evil.example' }],
      ['this host on another port', { origin: 'http://127.0.0.1:1' }],
      ['a sandboxed frame (Origin: null)', { origin: 'null' }],
      ['a cross-site request without Origin', { 'sec-fetch-site': 'cross-site' }],
    ])('a handshake from %s is refused, over WebSocket and over polling', async (_name, headers) => {
      const { url, lines } = await start();
      for (const transport of ['websocket', 'polling'] as const)
        expect(await refusedHandshake(url, { headers, transports: [transport] })).toMatch(
          /websocket error|xhr poll error|Forbidden|origin/i,
        );
      expect(metric((await http(`${url}/metrics`)).body, 'frontend_sockets_refused_total')).toBe(2);
      // Two refusals, one log line: an attacker cannot fill the log.
      expect(lines.filter((line) => line.includes('handshake refused'))).toHaveLength(1);
    });

    it('a page of this origin, a client without Origin (not a browser page), and ALLOWED_ORIGINS connect', async () => {
      const { url, page } = await start({ allowedOrigins: ['https://hashr.example.com'] });
      const self = new URL(url).origin;
      const handshakes: Array<Record<string, string>> = [{ origin: self }, {}, { origin: 'https://hashr.example.com' }];
      for (const headers of handshakes) {
        const client = await page({ headers });
        expect(await client.next('control')).toMatchObject({ canControl: true });
      }
      expect(await refusedHandshake(url, { headers: { origin: 'https://other.example.com' } })).toBeTruthy();
    });
  });

  describe('floods', () => {
    it('10,000 changes from one page: the excess refused and counted, the page told, one log line, broadcasts only of changes', async () => {
      const { frontend, page, url, lines } = await start({ maxRate: 10 });
      const flooder = await page();
      const bystander = await page();
      await bystander.next('frequency');
      const mark = bystander.heard.length;
      for (let i = 0; i < 10_000; i++) flooder.socket.emit('frequency', { freq: i % 2 === 0 ? 10 : 5 });
      // Barrier: the server has handled all 10,000 before this acknowledgement (one socket, in order).
      await ask(flooder, { freq: 1 });
      const counts = (await http(`${url}/metrics`)).body;
      const applied = metric(counts, 'frontend_rate_changes_total{result="applied"}') ?? 0;
      const tooMany = metric(counts, 'frontend_rate_changes_total{result="too_many"}') ?? 0;
      expect(applied + tooMany + (metric(counts, 'frontend_rate_changes_total{result="unchanged"}') ?? 0)).toBe(10_001);
      // How many are applied depends on how long the flood took: counted on a moved clock in
      // src/rate-control.test.ts. Here: the limit refused some, and each change is counted once.
      expect(tooMany).toBeGreaterThan(0);
      console.log(`flood of 10,000 changes from one page: ${applied} applied, ${tooMany} refused as too many`);
      // Told at once, and again only after FLOOD_WARNING_EVERY_MS (that period: src/rate-control.test.ts).
      const errors = heard(flooder, 'error').map((h) => h.args[0]);
      expect(errors[0]).toEqual({ message: TOO_MANY_MESSAGE });
      expect(errors.length).toBeLessThan(tooMany);
      expect(lines.filter((line) => line.includes('too many rate changes'))).toHaveLength(1);
      expect(lines.filter((line) => line.includes('rate changed')).length).toBe(applied);
      // The bystander heard a change only when one was applied.
      const barrier = await ask(bystander, { freq: frontend.rate });
      expect(barrier.ok).toBe(true);
      expect(heard(bystander, 'frequency', mark).length).toBeLessThanOrEqual(applied);
      expect(heard(bystander, 'error', mark)).toEqual([]);
    });

    it('a message past the size limit closes that socket only; the rate and the other pages stay', async () => {
      const { frontend, page } = await start();
      const attacker = await page();
      const other = await page();
      await ask(other, { freq: 4 });
      const dropped = new Promise<string>((resolve) => attacker.socket.once('disconnect', resolve));
      attacker.socket.emit('frequency', { freq: 5, padding: 'x'.repeat(64 * 1024) });
      expect(await dropped).toBe('transport close');
      expect(frontend.rate).toBe(4);
      await expect(ask(other, { freq: 4 })).resolves.toEqual({ ok: true, freq: 4 });
    });

    it('unknown events and odd payloads are ignored', async () => {
      const { frontend, page } = await start();
      const client = await page();
      client.socket.emit('calculation', 'forged');
      client.socket.emit('stats', { targetRate: 1e9 });
      client.socket.emit('__proto__', { polluted: true });
      client.socket.emit('frequency', { freq: 5, __proto__: { freq: 6 } });
      await expect(ask(client, { freq: 7 })).resolves.toEqual({ ok: true, freq: 7 });
      expect(frontend.rate).toBe(7);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });
  });

  describe('response headers', () => {
    const CSP =
      "default-src 'self';script-src 'self';script-src-attr 'none';style-src 'self';img-src 'self' data:;" +
      "font-src 'self';connect-src 'self';object-src 'none';base-uri 'none';form-action 'self';frame-ancestors 'none'";

    it.each([
      '/',
      '/app.js',
      '/app/hash-stream.js',
      '/style.css',
      '/favicon.ico',
      '/vendor/socket.io/socket.io.min.js',
      '/_healthz',
    ])('GET %s: strict CSP, nosniff, no framing, no Referer, no x-powered-by', async (path) => {
      const { url } = await start();
      const res = await fetch(url + path);
      expect(res.headers.get('content-security-policy')).toBe(CSP);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      expect(res.headers.get('cross-origin-resource-policy')).toBe('same-origin');
      expect(res.headers.get('x-powered-by')).toBeNull();
    });

    it("a 404 is stricter still: Express's own default-src 'none'", async () => {
      const { url } = await start();
      const res = await fetch(`${url}/nope`);
      expect(res.status).toBe(404);
      expect(res.headers.get('content-security-policy')).toBe("default-src 'none'");
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
    });

    it('serves a favicon (no 404 on every page load) and sends no Referer-leaking or inline content', async () => {
      const { url } = await start();
      const ico = await fetch(`${url}/favicon.ico`);
      expect(ico.status).toBe(200);
      expect(ico.headers.get('content-type')).toMatch(/^image\/(x-icon|vnd\.microsoft\.icon)$/);
      expect(Buffer.from(await ico.arrayBuffer()).subarray(0, 4)).toEqual(Buffer.from([0, 0, 1, 0]));
      const page = await (await fetch(`${url}/`)).text();
      // Nothing the CSP would block: no inline script, style or handler, nothing from elsewhere.
      expect(page).not.toMatch(/<script>|<script(?![^>]*\ssrc=)[^>]*>|<style|\sstyle=|\son[a-z]+=/i);
      expect(page).not.toMatch(/(src|href)="(https?:)?\/\//i);
    });

    it("socket.io's own answers are not sniffable", async () => {
      const { url } = await start();
      const res = await fetch(`${url}/socket.io/?EIO=4&transport=polling`);
      expect(res.status).toBe(200);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    });
  });

  describe('what Redis relays', () => {
    it('relays only messages shaped like a result: not 5 MB, not markup', async () => {
      const { page, url } = await start();
      const client = await page();
      const mark = client.heard.length;
      await suite.publisher.publish(CALCULATION_CHANNEL, 'x'.repeat(5 * 1024 * 1024));
      await suite.publisher.publish(CALCULATION_CHANNEL, '<img src=x onerror=alert(1)>');
      await suite.publisher.publish(CALCULATION_CHANNEL, 'bursty-' + HASH);
      // In order on one subscription: once the last one is here, the first two were handled.
      await client.next('calculation', () => true, { from: mark });
      expect(heard(client, 'calculation', mark).map((h) => h.args[0])).toEqual(['bursty-' + HASH]);
      expect(metric((await http(`${url}/metrics`)).body, 'frontend_results_refused_total')).toBe(2);
    });
  });
});
