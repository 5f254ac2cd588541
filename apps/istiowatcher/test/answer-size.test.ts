// A Prometheus (or a scrape endpoint) that answers with 64 MB: the read is an error past 1 MiB,
// the connection is dropped without reading the rest, and the built watcher's memory stays flat.
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor, type RunningProcess } from '@string-hashr/testing';
import { MAX_ANSWER_BYTES } from '../src/sources/source.js';
import { prometheusSource } from '../src/sources/prometheus.js';
import { scrapeSource } from '../src/sources/scrape.js';
import { startFileWatcher, vsFileWeights, watcherMetrics } from './support.js';

const HUGE = 64 * 1024 * 1024;
let server: Server;
let url = '';
/** Bytes the server got written before each answer's connection closed. */
const sent: number[] = [];

beforeAll(async () => {
  const chunk = Buffer.alloc(64 * 1024, ' ');
  server = createServer((req, res) => {
    // With a length declared (the scrape path), or streamed without one (the query path).
    const declared = req.url?.startsWith('/metrics') ?? false;
    res.writeHead(200, {
      'content-type': 'application/json',
      ...(declared ? { 'content-length': String(HUGE) } : {}),
    });
    let written = 0;
    const pump = () => {
      while (written < HUGE) {
        written += chunk.length;
        if (!res.write(chunk)) return void res.once('drain', pump);
      }
      res.end();
    };
    res.once('close', () => sent.push(written));
    pump();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('answers larger than the cap', () => {
  it('a 64 MB Prometheus answer: a too-large error, the rest never sent, the memory flat', async () => {
    const before = process.memoryUsage().rss;
    const source = prometheusSource({ url, query: 'q', timeoutMs: 10_000, rateWindowSeconds: 5 });
    for (let i = 0; i < 3; i++)
      expect(await source.read()).toMatchObject({
        kind: 'error',
        errorKind: 'too-large',
        message: expect.stringContaining(`larger than ${MAX_ANSWER_BYTES} bytes`),
      });
    await waitFor('the server saw three connections close', () => sent.length >= 3);
    for (const bytes of sent) expect(bytes).toBeLessThan(HUGE / 4);
    expect(process.memoryUsage().rss - before).toBeLessThan(48 * 1024 * 1024);
  });

  it('a scrape that declares 64 MB is refused before its body is read', async () => {
    sent.length = 0;
    const source = scrapeSource({
      url: `${url}/metrics`,
      rateWindowSeconds: 5,
      timeoutMs: 10_000,
      burstCluster: 'burst',
    });
    expect(await source.read()).toMatchObject({ kind: 'error', errorKind: 'too-large' });
    await waitFor('the connection closed', () => sent.length >= 1);
    expect(sent[0]).toBeLessThan(HUGE / 4);
  });

  describe('the built watcher', () => {
    let watcher: RunningProcess | undefined;
    afterAll(async () => {
      await watcher?.stop();
    });

    it('keeps running and reading, counts the errors, and its peak memory stays under the pod limit', async () => {
      const started = await startFileWatcher({ PROMETHEUS_URL: url, WATCHER_INTERVAL_SECONDS: '0.2' }, 'alive');
      watcher = started.proc;
      await waitFor(
        'five too-large reads',
        async () => ((await watcherMetrics(started.port)).get('istiowatcher_errors_total{kind="too-large"}') ?? 0) >= 5,
        30_000,
        200,
      );
      // VmHWM: the most memory the process ever held resident (the pod's limit is 192Mi).
      const peakKb = Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${watcher.child.pid}/status`, 'utf8'))?.[1]);
      expect(peakKb * 1024).toBeLessThan(192 * 1024 * 1024);
      expect(watcher.child.exitCode).toBeNull();
      expect(vsFileWeights(started.file)).toEqual({ primary: 100, burst: 0 });
      expect(await watcher.stop()).toBe(0);
    });
  });
});
