import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prometheusSource } from './prometheus.js';

// A scripted Prometheus: each request gets the next answer.
const answers: Array<{ status: number; body: string }> = [];
const server = createServer((_req, res) => {
  const next = answers.shift() ?? { status: 500, body: 'script ran out' };
  res.writeHead(next.status, { 'content-type': 'application/json' }).end(next.body);
});
let url = '';
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const vector = (...values: string[]) => ({
  status: 200,
  body: JSON.stringify({
    status: 'success',
    data: { resultType: 'vector', result: values.map((v) => ({ metric: {}, value: [0, v] })) },
  }),
});

describe('prometheusSource', () => {
  it('an HTTP error without a JSON body is an http error; a 400 with Prometheus error JSON keeps its message', async () => {
    const source = prometheusSource({ url, query: 'q', timeoutMs: 1000, rateWindowSeconds: 5 });
    answers.push({ status: 503, body: 'upstream unavailable' });
    expect(await source.read()).toMatchObject({
      kind: 'error',
      errorKind: 'http',
      message: expect.stringContaining('HTTP 503'),
    });
    answers.push({
      status: 400,
      body: JSON.stringify({ status: 'error', errorType: 'bad_data', error: '1:5: parse error' }),
    });
    expect(await source.read()).toMatchObject({
      kind: 'error',
      errorKind: 'prometheus',
      message: expect.stringContaining('parse error'),
    });
  });

  it('after a failure, answers are warming up for one rate window, then taken as they are again', async () => {
    let now = 1_000_000;
    const source = prometheusSource({ url, query: 'q', timeoutMs: 1000, rateWindowSeconds: 60, now: () => now });
    answers.push(vector(), { status: 502, body: 'bad gateway' }, vector(), vector('4'), vector('12'), vector());
    expect(await source.read()).toEqual({ kind: 'no-data' });
    expect(await source.read()).toMatchObject({ kind: 'error' });
    now += 1000;
    expect(await source.read()).toEqual({ kind: 'warming-up' });
    now += 1000;
    // A half-filled window underestimates: not taken either.
    expect(await source.read()).toEqual({ kind: 'warming-up' });
    now += 60_000;
    expect(await source.read()).toEqual({ kind: 'value', rps: 12 });
    expect(await source.read()).toEqual({ kind: 'no-data' });
  });

  it('after a failure, an empty answer is not taken as no traffic until a value came or three windows passed', async () => {
    let now = 2_000_000;
    const source = prometheusSource({ url, query: 'q', timeoutMs: 1000, rateWindowSeconds: 5, now: () => now });
    answers.push({ status: 502, body: 'down' }, vector(), vector(), vector(), vector('30'), vector());
    expect(await source.read()).toMatchObject({ kind: 'error' });
    expect(await source.read()).toEqual({ kind: 'warming-up' });
    now += 6000; // past one window, Prometheus has not scraped yet: still warming up
    expect(await source.read()).toEqual({ kind: 'warming-up' });
    now += 10_000; // three windows after the failure: empty is no traffic again
    expect(await source.read()).toEqual({ kind: 'no-data' });
    expect(await source.read()).toEqual({ kind: 'value', rps: 30 });
    expect(await source.read()).toEqual({ kind: 'no-data' });
  });

  it('after a failure, the first value ends the grace: a later empty answer is no traffic', async () => {
    let now = 3_000_000;
    const source = prometheusSource({ url, query: 'q', timeoutMs: 1000, rateWindowSeconds: 5, now: () => now });
    answers.push({ status: 502, body: 'down' }, vector('30'), vector('30'), vector());
    expect(await source.read()).toMatchObject({ kind: 'error' });
    expect(await source.read()).toEqual({ kind: 'warming-up' });
    now += 6000;
    expect(await source.read()).toEqual({ kind: 'value', rps: 30 });
    expect(await source.read()).toEqual({ kind: 'no-data' });
  });
});
