import { createServer, type Server } from 'node:http';
import { mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROUTE_KIND_NAMES } from '@string-hashr/contract';
import {
  burstHealthQueries,
  defaultFreshnessQuery,
  defaultWatcherQuery,
  parseExposition,
  selectSeries,
  selectorOfQuery,
} from '@string-hashr/metric-reading';
import { closeServer, listen } from '@string-hashr/runtime';
import { http, waitFor, workerRouteYaml } from '@string-hashr/testing';
import { createMesh } from './proxy.js';
import { followWeights } from './weights-file.js';

function upstream(name: string): Server {
  return createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () =>
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ from: name, body })),
    );
  });
}

describe.each(ROUTE_KIND_NAMES)('mesh stand-in following a %s', (kind) => {
  const routeYaml = (primary: number, burst: number) => workerRouteYaml(kind, { primary, burst });
  const dir = mkdtempSync(path.join(tmpdir(), 'mesh-'));
  const file = path.join(dir, 'worker-route.yaml');
  const primary = upstream('primary');
  const burst = upstream('burst');
  let mesh: ReturnType<typeof createMesh>;
  let weights: ReturnType<typeof followWeights>;
  let url: string;
  let burstPort: number;

  beforeAll(async () => {
    writeFileSync(file, routeYaml(100, 0));
    const primaryPort = await listen(primary, 0, '127.0.0.1');
    burstPort = await listen(burst, 0, '127.0.0.1');
    weights = followWeights(
      file,
      () => {},
      () => {},
      50,
    );
    mesh = createMesh({
      upstreams: { primary: `http://127.0.0.1:${primaryPort}`, burst: `http://127.0.0.1:${burstPort}` },
      weights: weights.current,
      routeKind: weights.kind,
      timeoutMs: 2000,
    });
    url = `http://127.0.0.1:${await listen(mesh.server, 0, '127.0.0.1')}`;
  });
  afterAll(async () => {
    weights.close();
    await closeServer(mesh.server, 100);
    await mesh.close();
    await closeServer(primary, 100);
    if (burst.listening) await closeServer(burst, 100);
  });

  const post = async () =>
    JSON.parse(
      (await http(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"str":"abc"}' }))
        .body,
    );

  it('reads the kind of route in the file', () => {
    expect(weights.kind()).toBe(kind);
  });

  it('passes the request through to the subset the weights choose', async () => {
    for (let i = 0; i < 20; i++) expect(await post()).toEqual({ from: 'primary', body: '{"str":"abc"}' });
  });

  it('follows the file when it is replaced by rename, as the watcher writes it', async () => {
    writeFileSync(file + '.tmp', routeYaml(0, 100));
    renameSync(file + '.tmp', file);
    await waitFor('weights 0/100', () => weights.current().burst === 100, 5000);
    for (let i = 0; i < 20; i++) expect((await post()).from).toBe('burst');
  });

  it('counts istio_requests_total by destination cluster and response code', async () => {
    const metrics = (await http(`${url}/stats/prometheus`)).body;
    expect(metrics).toMatch(
      /istio_requests_total\{reporter="source",source_workload="frontend-deployment",[^}]*destination_cluster="primary",response_code="200"\} 20/,
    );
    expect(metrics).toMatch(/istio_requests_total\{[^}]*destination_cluster="burst",response_code="200"\} 20/);
    // The watcher's default query and its freshness, as their text reads, select exactly these series.
    const samples = parseExposition(metrics);
    const query = defaultWatcherQuery('1m', kind);
    const metric = /rate\((\w+)\{/.exec(query)?.[1] ?? '';
    const selected = selectSeries(samples, metric, selectorOfQuery(query));
    expect([...selected.values()].reduce((a, b) => a + b, 0)).toBe(40);
    const everyRequest = selectSeries(samples, metric, {});
    expect(selected.size).toBe(everyRequest.size);
    expect(selectSeries(samples, metric, selectorOfQuery(defaultFreshnessQuery(kind))).size).toBe(everyRequest.size);
    // The other flavour's query reads nothing here: the flavours must not be mixed.
    const other = ROUTE_KIND_NAMES.find((k) => k !== kind) ?? kind;
    expect(selectSeries(samples, metric, selectorOfQuery(defaultWatcherQuery('1m', other))).size).toBe(0);
  });

  it("the watcher's burst health queries, as their text reads, select the burst side's requests and latency", async () => {
    const samples = parseExposition((await http(`${url}/stats/prometheus`)).body);
    const { byCode, latencyP99 } = burstHealthQueries('1m', 'burst', kind);
    const requests = selectSeries(samples, /increase\((\w+)\{/.exec(byCode)?.[1] ?? '', selectorOfQuery(byCode));
    expect([...requests.values()]).toEqual([20]);
    const buckets = selectSeries(samples, /rate\((\w+)\{/.exec(latencyP99)?.[1] ?? '', selectorOfQuery(latencyP99));
    // One series per bucket bound, each counting the 20 burst requests by the +Inf bucket.
    expect(buckets.size).toBeGreaterThan(5);
    expect(Math.max(...buckets.values())).toBe(20);
  });

  it('answers 503 and counts it when the upstream is down, and keeps serving', async () => {
    await closeServer(burst, 100);
    const res = await http(url, { method: 'POST', body: '{}' });
    expect(res.status).toBe(503);
    expect((await http(`${url}/stats/prometheus`)).body).toMatch(/destination_cluster="burst",response_code="503"\} 1/);
    writeFileSync(file, routeYaml(100, 0));
    await waitFor('weights 100/0', () => weights.current().primary === 100, 5000);
    expect((await post()).from).toBe('primary');
  });

  it('keeps the last good weights when the file is broken', async () => {
    writeFileSync(file, 'not: [valid');
    await new Promise((r) => setTimeout(r, 200));
    expect(weights.current()).toEqual({ primary: 100, burst: 0 });
  });
});
