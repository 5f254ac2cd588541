import { createServer, type IncomingMessage, type Server } from 'node:http';
import { Pool, errors } from 'undici';
import { Counter, Histogram, Registry } from 'prom-client';
import { WORKER_LATENCY_METRIC, WORKER_TRAFFIC_METRIC, type RouteKind } from '@string-hashr/contract';
import type { Weights } from '@string-hashr/policy';
import { istioLabels, pickSubset, type Subset } from './routing.js';

export interface MeshOptions {
  upstreams: Record<Subset, string>;
  weights: () => Weights;
  /** The kind of the route the weights come from: it decides the labels, as in Istio (default VirtualService). */
  routeKind?: () => RouteKind;
  timeoutMs: number;
  random?: () => number;
}

const MAX_BODY = 64 * 1024;

function readBody(req: IncomingMessage): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        resolve(null);
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(size > MAX_BODY ? null : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** The stand-in: weighted routing to two upstreams plus Istio's request metric. */
export function createMesh(options: MeshOptions): { server: Server; close(): Promise<void> } {
  const registry = new Registry();
  const requests = new Counter({
    name: WORKER_TRAFFIC_METRIC,
    help: 'Requests from frontend to worker, as the source-side Istio proxy reports them',
    labelNames: Object.keys(istioLabels('primary', 200)),
    registers: [registry],
  });
  const duration = new Histogram({
    name: WORKER_LATENCY_METRIC,
    help: 'Request duration as the source-side proxy sees it',
    labelNames: Object.keys(istioLabels('primary', 200)),
    buckets: [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000],
    registers: [registry],
  });
  const pools: Record<Subset, Pool> = {
    primary: new Pool(options.upstreams.primary, {
      connections: 64,
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
    }),
    burst: new Pool(options.upstreams.burst, {
      connections: 64,
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
    }),
  };
  const random = options.random ?? Math.random;

  const server = createServer(async (req, res) => {
    if (req.url === '/stats/prometheus') {
      res.setHeader('content-type', registry.contentType);
      res.end(await registry.metrics());
      return;
    }
    const started = performance.now();
    const subset = pickSubset(options.weights(), random());
    let status: number;
    let body: Buffer | string;
    let contentType = 'text/plain';
    try {
      const payload = await readBody(req);
      if (payload === null) {
        status = 413;
        body = 'payload too large';
      } else {
        const upstream = await pools[subset].request({
          method: (req.method ?? 'GET') as 'GET',
          path: req.url ?? '/',
          headers: { 'content-type': req.headers['content-type'] ?? 'application/octet-stream' },
          body: payload.length > 0 ? payload : undefined,
        });
        status = upstream.statusCode;
        contentType = String(upstream.headers['content-type'] ?? contentType);
        body = Buffer.from(await upstream.body.arrayBuffer());
      }
    } catch (err) {
      // What Envoy answers: 504 when the upstream is too slow, 503 when it cannot be reached.
      const timedOut = err instanceof errors.HeadersTimeoutError || err instanceof errors.BodyTimeoutError;
      status = timedOut ? 504 : 503;
      body = timedOut ? 'upstream request timeout' : `upstream connect error: ${(err as Error).message}`;
    }
    const labels = istioLabels(subset, status, options.routeKind?.());
    requests.inc(labels);
    duration.observe(labels, performance.now() - started);
    res.writeHead(status, { 'content-type': contentType, 'x-mesh-subset': subset });
    res.end(body);
  });
  server.keepAliveTimeout = 65_000;
  return {
    server,
    async close() {
      await Promise.all([pools.primary.close(), pools.burst.close()]);
    },
  };
}
