import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { burstHealthQueries } from '@string-hashr/metric-reading';
import { prometheusSource } from './prometheus.js';

// A scripted Prometheus: each query text has its queue of answers (or the fallback).
type Answer = { status: number; body: string };
let script = new Map<string, Answer[]>();
let asked: string[] = [];
const server = createServer((req, res) => {
  const query = new URL(req.url ?? '/', 'http://x').searchParams.get('query') ?? '';
  asked.push(query);
  const next = script.get(query)?.shift() ?? { status: 500, body: `no answer scripted for ${query}` };
  res.writeHead(next.status, { 'content-type': 'application/json' }).end(next.body);
});
let url = '';
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  script = new Map();
  asked = [];
});
const answer = (query: string, ...answers: Answer[]) => script.set(query, [...(script.get(query) ?? []), ...answers]);

const vector = (...values: string[]): Answer => ({
  status: 200,
  body: JSON.stringify({
    status: 'success',
    data: { resultType: 'vector', result: values.map((v) => ({ metric: {}, value: [1700000000.5, v] })) },
  }),
});
const byCode = (codes: Record<string, string>): Answer => ({
  status: 200,
  body: JSON.stringify({
    status: 'success',
    data: {
      resultType: 'vector',
      result: Object.entries(codes).map(([code, v]) => ({ metric: { response_code: code }, value: [1, v] })),
    },
  }),
});

describe('prometheusSource', () => {
  it('an HTTP error without a JSON body is an http error; a 400 with Prometheus error JSON keeps its message', async () => {
    const source = prometheusSource({ url, query: 'q', timeoutMs: 1000, rateWindowSeconds: 5 });
    answer('q', { status: 503, body: 'upstream unavailable' });
    expect(await source.read()).toMatchObject({
      kind: 'error',
      errorKind: 'http',
      message: expect.stringContaining('HTTP 503'),
    });
    answer('q', {
      status: 400,
      body: JSON.stringify({ status: 'error', errorType: 'bad_data', error: '1:5: parse error' }),
    });
    expect(await source.read()).toMatchObject({
      kind: 'error',
      errorKind: 'prometheus',
      message: expect.stringContaining('parse error'),
    });
  });

  it('a rate is a finite decimal >= 0: anything else is a parse error', async () => {
    const source = prometheusSource({ url, query: 'q', timeoutMs: 1000, rateWindowSeconds: 5 });
    for (const value of ['0x0', '-5', '1e400', ''])
      expect(await (answer('q', vector(value)), source.read())).toMatchObject({ kind: 'error', errorKind: 'parse' });
  });

  it('dates a reading by the freshness query: the newest sample time behind the value', async () => {
    const source = prometheusSource({ url, query: 'q', freshnessQuery: 'f', timeoutMs: 1000, rateWindowSeconds: 5 });
    answer('q', vector('12'), vector('12'), vector('12'));
    answer('f', vector('1700000015.25'), vector(), { status: 500, body: 'oops' });
    expect(await source.read()).toEqual({ kind: 'value', rps: 12, dataAt: 1700000015250 });
    // No current sample behind the value: its series went stale, the value is extrapolated from the past.
    expect(await source.read()).toEqual({ kind: 'no-data' });
    // A reading that cannot be dated is a failed read, not a fresh one.
    expect(await source.read()).toMatchObject({
      kind: 'error',
      message: expect.stringMatching(/^freshness query: HTTP 500/),
    });
  });

  it('without a freshness query, a reading is dated by its evaluation', async () => {
    const source = prometheusSource({ url, query: 'q', timeoutMs: 1000, rateWindowSeconds: 5 });
    answer('q', vector('3'));
    expect(await source.read()).toEqual({ kind: 'value', rps: 3, dataAt: 1700000000500 });
    expect(asked).toEqual(['q']);
  });

  it('the burst side by the default queries: requests by code, dated, and p99 only with a latency gate', async () => {
    const queries = burstHealthQueries('1m', 'burst');
    const withoutLatency = prometheusSource({
      url,
      query: 'q',
      timeoutMs: 1000,
      rateWindowSeconds: 5,
      health: { kind: 'default', queries, latency: false },
    });
    answer(queries.byCode, byCode({ '200': '90', '503': '10' }));
    answer(queries.freshness, vector('1700000030'));
    expect(await withoutLatency.readHealth?.()).toEqual({
      kind: 'health',
      requests: 100,
      successRate: 0.9,
      dataAt: 1700000030000,
    });
    expect(asked).not.toContain(queries.latencyP99);

    const withLatency = prometheusSource({
      url,
      query: 'q',
      timeoutMs: 1000,
      rateWindowSeconds: 5,
      health: { kind: 'default', queries, latency: true },
    });
    answer(queries.byCode, byCode({ '200': '50' }), byCode({}), byCode({ '200': '5' }));
    answer(queries.freshness, vector('1700000031'), vector(), vector('1700000032'));
    answer(queries.latencyP99, vector('812.5'), vector('NaN'), { status: 502, body: 'bad gateway' });
    expect(await withLatency.readHealth?.()).toMatchObject({ requests: 50, successRate: 1, p99Ms: 812.5 });
    expect(await withLatency.readHealth?.()).toEqual({ kind: 'no-data' });
    expect(await withLatency.readHealth?.()).toMatchObject({
      kind: 'error',
      message: expect.stringMatching(/^burst latency query: HTTP 502/),
    });
  });

  it('the burst side by a custom query: a ratio, empty when there is not enough to judge', async () => {
    const source = prometheusSource({
      url,
      query: 'q',
      timeoutMs: 1000,
      rateWindowSeconds: 5,
      health: { kind: 'custom', query: 'ratio' },
    });
    answer('ratio', vector('0.5'), vector(), vector('2'));
    expect(await source.readHealth?.()).toEqual({ kind: 'health', successRate: 0.5, dataAt: 1700000000500 });
    expect(await source.readHealth?.()).toEqual({ kind: 'no-data' });
    expect(await source.readHealth?.()).toMatchObject({ kind: 'error', errorKind: 'parse' });
  });

  it('an answer larger than the cap is an error, whatever it claims', async () => {
    const source = prometheusSource({ url, query: 'q', timeoutMs: 1000, rateWindowSeconds: 5, maxBytes: 1000 });
    answer('q', { status: 200, body: JSON.stringify({ status: 'success', padding: 'x'.repeat(2000) }) });
    expect(await source.read()).toMatchObject({ kind: 'error', errorKind: 'too-large' });
  });

  it('after a failure, answers are warming up for one rate window, then taken as they are again', async () => {
    let now = 1_000_000;
    const source = prometheusSource({ url, query: 'q', timeoutMs: 1000, rateWindowSeconds: 60, now: () => now });
    answer('q', vector(), { status: 502, body: 'bad gateway' }, vector(), vector('4'), vector('12'), vector());
    expect(await source.read()).toEqual({ kind: 'no-data' });
    expect(await source.read()).toMatchObject({ kind: 'error' });
    now += 1000;
    expect(await source.read()).toEqual({ kind: 'warming-up' });
    now += 1000;
    // A half-filled window underestimates: not taken either.
    expect(await source.read()).toEqual({ kind: 'warming-up' });
    now += 60_000;
    expect(await source.read()).toMatchObject({ kind: 'value', rps: 12 });
    expect(await source.read()).toEqual({ kind: 'no-data' });
  });

  it('after a failure, an empty answer is not taken as no data until a value came or three windows passed', async () => {
    let now = 2_000_000;
    const source = prometheusSource({ url, query: 'q', timeoutMs: 1000, rateWindowSeconds: 5, now: () => now });
    answer('q', { status: 502, body: 'down' }, vector(), vector(), vector(), vector('30'), vector());
    expect(await source.read()).toMatchObject({ kind: 'error' });
    expect(await source.read()).toEqual({ kind: 'warming-up' });
    now += 6000; // past one window, Prometheus has not scraped yet: still warming up
    expect(await source.read()).toEqual({ kind: 'warming-up' });
    now += 10_000; // three windows after the failure: empty is no data again
    expect(await source.read()).toEqual({ kind: 'no-data' });
    expect(await source.read()).toMatchObject({ kind: 'value', rps: 30 });
    expect(await source.read()).toEqual({ kind: 'no-data' });
  });

  it('after a failure, the first value ends the grace: a later empty answer is no data', async () => {
    let now = 3_000_000;
    const source = prometheusSource({ url, query: 'q', timeoutMs: 1000, rateWindowSeconds: 5, now: () => now });
    answer('q', { status: 502, body: 'down' }, vector('30'), vector('30'), vector());
    expect(await source.read()).toMatchObject({ kind: 'error' });
    expect(await source.read()).toEqual({ kind: 'warming-up' });
    now += 6000;
    expect(await source.read()).toMatchObject({ kind: 'value', rps: 30 });
    expect(await source.read()).toEqual({ kind: 'no-data' });
  });
});
