import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from './ports.js';
import { type TestServer, startProcess, startTestServer } from './process.js';
import { workerTrafficLabels } from '@string-hashr/contract';
import type { Weights } from '@string-hashr/policy';

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
  /** The share (0..1) of the burst side's requests that fail with 503 from now on. */
  setBurstFailure(fraction: number): void;
  /** false: scrapes get 503 (as a sidecar whose scrape broke), so Prometheus's series go stale. */
  setAvailable(available: boolean): void;
  /** Counters go back to 0, as after a proxy restart. */
  reset(): void;
  /** When each scrape was served (ms since the epoch), oldest first. */
  scrapes(): number[];
  stop(): Promise<void>;
}

/**
 * The exporter's load while a test wants a burst: four times the watcher's default high threshold
 * (15): a live scrape reads what was counted between two answers, and a late answer reads low.
 */
export const BURSTING_RPS = 60;

/**
 * A stand-in for a sidecar's metrics endpoint: istio_requests_total with Istio's labels, growing
 * at a rate the test sets. Requests go to the primary or the burst cluster by `weights` (read at
 * each scrape; default all primary); primary answers split 90/10 between 200 and 503, the burst
 * side fails at the share the test sets. Plus series the watcher must ignore (destination-reported,
 * another source workload).
 */
export async function startIstioExporter(
  initialRps = 0,
  options: { weights?: () => Weights } = {},
): Promise<IstioExporter> {
  const weights = options.weights ?? (() => ({ primary: 100, burst: 0 }));
  let rate = initialRps;
  let burstFailure = 0;
  let available = true;
  let last = Date.now();
  const served: number[] = [];
  const zero = { primaryOk: 0, primaryFailed: 0, burstOk: 0, burstFailed: 0, destination: 0, other: 0 };
  let counts = { ...zero };
  // The counters grow between two calls at the rate and split in force during that time.
  const advance = () => {
    const now = Date.now();
    const n = (rate * (now - last)) / 1000;
    last = now;
    const toBurst = (n * weights().burst) / 100;
    const toPrimary = n - toBurst;
    counts.primaryOk += toPrimary * 0.9;
    counts.primaryFailed += toPrimary * 0.1;
    counts.burstOk += toBurst * (1 - burstFailure);
    counts.burstFailed += toBurst * burstFailure;
    counts.destination += n * 3;
    counts.other += n * 2;
  };
  const line = (labels: Record<string, string>, value: number) =>
    `istio_requests_total{${Object.entries({ ...ISTIO_SOURCE_LABELS, ...labels })
      .map(([k, v]) => `${k}="${v}"`)
      .join(',')}} ${Math.floor(value)}`;
  const burst = workerTrafficLabels('burst', 200);
  const server: Server = createServer((req, res) => {
    if (req.url !== '/metrics') return void res.writeHead(404).end();
    served.push(Date.now());
    if (!available) return void res.writeHead(503).end('scrape broken');
    advance();
    const body = [
      '# HELP istio_requests_total Total requests.',
      '# TYPE istio_requests_total counter',
      line({ response_code: '200' }, counts.primaryOk),
      line({ response_code: '503' }, counts.primaryFailed),
      // As a real proxy: a series appears with its first request.
      ...(counts.burstOk > 0 ? [line(burst, counts.burstOk)] : []),
      ...(counts.burstFailed > 0 ? [line({ ...burst, response_code: '503' }, counts.burstFailed)] : []),
      line({ reporter: 'destination', response_code: '200' }, counts.destination),
      line({ source_workload: 'loadgen', response_code: '200' }, counts.other),
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
      advance();
      rate = rps;
    },
    setBurstFailure(fraction) {
      advance();
      burstFailure = fraction;
    },
    setAvailable(up) {
      available = up;
    },
    reset() {
      last = Date.now();
      counts = { ...zero };
    },
    scrapes: () => [...served],
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
