// The built watcher with WATCHER_ROUTE_KIND=HTTPRoute on the file router: it reads the traffic the
// frontend's sidecar reports through an HTTPRoute (per backend Service), bursts, and returns,
// writing the weights on the backendRefs and the annotations beside them.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BURST_ANNOTATIONS, WORKER_HTTP_ROUTE, workerTrafficLabels, type RouteKind } from '@string-hashr/contract';
import { findRoute, routeFlavour, type RouteObject } from '@string-hashr/kube-objects';
import { BURSTING_RPS, freePort, http, startNodeApp, waitFor, workerRouteYaml } from '@string-hashr/testing';
import { MAIN_JS, loggedChanges } from './support.js';

/**
 * A sidecar's metrics endpoint for the worker traffic routed by `routedBy`, growing at the rate the
 * test sets, beside a busy series of the other kind that the watcher must not read.
 */
function trafficEndpoint(routedBy: RouteKind, other: RouteKind) {
  let rate = 0;
  let count = 0;
  let last = Date.now();
  const series = (labels: Record<string, string>, value: number) =>
    `istio_requests_total{${Object.entries(labels)
      .map(([k, v]) => `${k}="${v}"`)
      .join(',')}} ${Math.floor(value)}`;
  const server = createServer((_req, res) => {
    const now = Date.now();
    count += (rate * (now - last)) / 1000;
    last = now;
    res
      .writeHead(200, { 'content-type': 'text/plain' })
      .end(
        [
          series(workerTrafficLabels('primary', 200, routedBy), count),
          series(workerTrafficLabels('primary', 200, other), (now / 1000) * BURSTING_RPS),
          '',
        ].join('\n'),
      );
  });
  return {
    server,
    setRate(rps: number) {
      count += (rate * (Date.now() - last)) / 1000;
      last = Date.now();
      rate = rps;
    },
  };
}

const endpoint = trafficEndpoint('HTTPRoute', 'VirtualService');
let url = '';
beforeAll(async () => {
  await new Promise<void>((resolve) => endpoint.server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(endpoint.server.address() as AddressInfo).port}/metrics`;
});
afterAll(() => new Promise<void>((resolve) => endpoint.server.close(() => resolve())));

const HEADER = '# the worker HTTPRoute; the watcher changes only the two weights and its annotations\n';
const routeIn = (file: string): RouteObject =>
  findRoute(readFileSync(file, 'utf8'), { kind: 'HTTPRoute', name: WORKER_HTTP_ROUTE }).route;
const weightsIn = (file: string) => routeFlavour('HTTPRoute').read(routeIn(file));

describe('the built watcher on an HTTPRoute, file router', () => {
  it('bursts at a high rate and returns at a low one, the weights on the backendRefs', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'istiowatcher-route-')), 'worker-route.yaml');
    writeFileSync(file, HEADER + workerRouteYaml('HTTPRoute'));
    const port = await freePort();
    const watcher = startNodeApp(MAIN_JS, {
      PORT: String(port),
      WATCHER_ROUTE_KIND: 'HTTPRoute',
      WATCHER_ROUTER: 'file',
      WATCHER_ROUTE_FILE: file,
      WATCHER_SOURCE: 'scrape',
      WATCHER_SCRAPE_URL: url,
      WATCHER_RATE_WINDOW: '2s',
      WATCHER_INTERVAL_SECONDS: '1',
      WATCHER_SAMPLES: '2',
      WATCHER_MIN_DWELL_SECONDS: '0',
      WATCHER_LOG_TICKS: 'true',
    });
    try {
      await waitFor('ready', async () => (await http(`http://127.0.0.1:${port}/readyz`)).status === 200, 20_000, 200);
      // The busy series of the VirtualService kind is not this route's traffic: nothing moves.
      await waitFor('decisions at 0 req/s', () => /rps=0\.000/.test(watcher.output()), 20_000, 100);
      expect(weightsIn(file)).toEqual({ primary: 100, burst: 0 });

      endpoint.setRate(BURSTING_RPS);
      await waitFor('burst', () => weightsIn(file).burst === 100, 30_000, 100);
      const route = routeIn(file) as RouteObject & {
        metadata: { annotations: Record<string, string> };
        spec: { rules: Array<{ backendRefs: unknown[] }> };
      };
      expect(route.metadata.annotations[BURST_ANNOTATIONS.phase]).toBe('burst');
      expect(route.spec.rules[0]?.backendRefs).toEqual([
        { name: 'worker-primary', port: 80, weight: 0 },
        { name: 'worker-burst', port: 80, weight: 100 },
      ]);
      expect(readFileSync(file, 'utf8').startsWith(HEADER)).toBe(true);

      endpoint.setRate(0);
      await waitFor('natural', () => weightsIn(file).primary === 100, 30_000, 100);
      expect(routeIn(file).metadata?.annotations).toMatchObject({ [BURST_ANNOTATIONS.phase]: 'natural' });
      expect(await loggedChanges(watcher, 2)).toEqual(['0/100', '100/0']);
    } finally {
      expect(await watcher.stop()).toBe(0);
    }
  });
});
