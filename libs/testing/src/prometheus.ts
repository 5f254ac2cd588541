import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from './ports.js';
import { type TestServer, startProcess, startTestServer } from './process.js';
import { workerTrafficLabels } from '@string-hashr/contract';

/** `url` is the base URL, e.g. http://127.0.0.1:40123; kill() keeps the data for restart(). */
export type TestPrometheus = TestServer;

export const PROMETHEUS_BINARY = '/usr/bin/prometheus';

/**
 * A real Prometheus of the test's own: a free port, its own temp storage, a config that scrapes
 * `scrapeTargets` (host:port, path `metricsPath`) every `scrapeInterval`. Resolves once it is
 * ready; stop() kills it and removes its data. `backfill`: OpenMetrics text with timestamps,
 * written into the storage with `promtool tsdb create-blocks-from openmetrics` before the start
 * (kept however old: no retention limit), so a test can query samples at times it chose.
 */
export async function startPrometheus(options: {
  scrapeTargets: string[];
  scrapeInterval?: string;
  metricsPath?: string;
  binary?: string;
  backfill?: string;
}): Promise<TestPrometheus> {
  const binary = options.binary ?? PROMETHEUS_BINARY;
  if (!existsSync(binary))
    throw new Error(`${binary} is not installed; install it with \`apt-get install prometheus\``);
  const interval = options.scrapeInterval ?? '1s';
  const port = await freePort();
  const dir = mkdtempSync(path.join(tmpdir(), 'hashr-prometheus-'));
  const config = path.join(dir, 'prometheus.yml');
  writeFileSync(
    config,
    [
      'global:',
      `  scrape_interval: ${interval}`,
      `  evaluation_interval: ${interval}`,
      'scrape_configs:',
      '  - job_name: test',
      `    metrics_path: ${options.metricsPath ?? '/metrics'}`,
      `    scrape_timeout: ${interval}`,
      '    static_configs:',
      `      - targets: [${options.scrapeTargets.map((t) => `'${t}'`).join(', ')}]`,
      '',
    ].join('\n'),
  );
  const url = `http://127.0.0.1:${port}`;
  const data = path.join(dir, 'data');
  if (options.backfill !== undefined) {
    const input = path.join(dir, 'backfill.om');
    writeFileSync(input, options.backfill);
    const promtool = path.join(path.dirname(binary), 'promtool');
    const made = spawnSync(promtool, ['tsdb', 'create-blocks-from', 'openmetrics', input, data], { encoding: 'utf8' });
    if (made.status !== 0) throw new Error(`${promtool} could not backfill: ${made.stderr || made.error?.message}`);
  }
  return startTestServer({
    port,
    url,
    dir,
    what: `prometheus on port ${port}`,
    spawn: () =>
      startProcess(binary, [
        `--config.file=${config}`,
        `--storage.tsdb.path=${data}`,
        ...(options.backfill !== undefined ? ['--storage.tsdb.retention.time=100y'] : []),
        `--web.listen-address=127.0.0.1:${port}`,
        '--log.level=warn',
      ]),
    ready: async () => (await fetch(`${url}/-/ready`)).ok,
    timeoutMs: 30_000,
  });
}

/** The labels Istio's source-side proxy of the frontend puts on its requests to the worker. */
export const ISTIO_SOURCE_LABELS = workerTrafficLabels('primary', 200);

export interface IstioExporter {
  /** host:port for a scrape config. */
  target: string;
  /** The metrics URL. */
  url: string;
  /** Requests per second the counters grow by from now on. */
  setRate(rps: number): void;
  /** Counters go back to 0, as after a proxy restart. */
  reset(): void;
  stop(): Promise<void>;
}

/**
 * A stand-in for a sidecar's metrics endpoint: istio_requests_total with Istio's labels, growing
 * at a rate the test sets (split 90/10 between response codes 200 and 503), plus series the
 * watcher must ignore (destination-reported, another source workload).
 */
export async function startIstioExporter(initialRps = 0): Promise<IstioExporter> {
  let rate = initialRps;
  let base = 0;
  let since = Date.now();
  const total = () => base + (rate * (Date.now() - since)) / 1000;
  const labels = (extra: Record<string, string>) =>
    Object.entries({ ...ISTIO_SOURCE_LABELS, ...extra })
      .map(([k, v]) => `${k}="${v}"`)
      .join(',');
  const server: Server = createServer((req, res) => {
    if (req.url !== '/metrics') return void res.writeHead(404).end();
    const count = total();
    const body = [
      '# HELP istio_requests_total Total requests.',
      '# TYPE istio_requests_total counter',
      `istio_requests_total{${labels({ response_code: '200' })}} ${Math.floor(count * 0.9)}`,
      `istio_requests_total{${labels({ response_code: '503' })}} ${Math.floor(count * 0.1)}`,
      `istio_requests_total{${labels({ reporter: 'destination', response_code: '200' })}} ${Math.floor(count * 3)}`,
      `istio_requests_total{${labels({ source_workload: 'loadgen', response_code: '200' })}} ${Math.floor(count * 2)}`,
      '',
    ].join('\n');
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    target: `127.0.0.1:${port}`,
    url: `http://127.0.0.1:${port}/metrics`,
    setRate(rps) {
      base = total();
      since = Date.now();
      rate = rps;
    },
    reset() {
      base = 0;
      since = Date.now();
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
