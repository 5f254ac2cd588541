#!/usr/bin/env node
// Throughput of the built worker against three baselines, measured in one run with wrk.
// Prints figures; it is not a test. Build first: `npx nx build worker`.
//
//   node tools/bench/worker.mjs [--duration 5] [--warmup 1] [--rounds 1] [--connections 32]
//   (or BENCH_DURATION, BENCH_WARMUP, BENCH_ROUNDS, BENCH_CONNECTIONS)
//
// Each server runs alone while wrk (-t1) POSTs {"str":"abcdefghij"} to it; with several rounds
// the servers take turns and the median of each is reported. wrk shares the machine's cores,
// so compare the ratios within one run, never absolute figures across runs.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tsImport } from 'tsx/esm/api';

// The same helpers the tests use (libs/testing), loaded from TypeScript by tsx.
const { freePort, sleep, waitFor, startRedis } = await tsImport('../../libs/testing/src/index.ts', import.meta.url);
const waitUntil = (what, check, timeoutMs = 15_000) => waitFor(what, check, timeoutMs, 100);

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const workerMain = path.join(root, 'dist/apps/worker/main.js');
const baselines = path.join(root, 'tools/bench/worker-baselines.mjs');
const TARGET_OF_EXPRESS = 0.7;
const TARGET_OF_CODELAB = 1.5;

function option(name, envName, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  const text = i > 0 ? process.argv[i + 1] : process.env[envName];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) {
    console.error(`--${name} / ${envName} must be a positive integer, got "${text}"`);
    process.exit(2);
  }
  return value;
}
const duration = option('duration', 'BENCH_DURATION', 5);
const warmup = option('warmup', 'BENCH_WARMUP', 1);
const rounds = option('rounds', 'BENCH_ROUNDS', 1);
const connections = option('connections', 'BENCH_CONNECTIONS', 32);

if (spawnSync('wrk', ['--version']).error) {
  console.error('wrk is not installed. Install it with `apt-get install wrk` (or `brew install wrk`), then run again.');
  process.exit(1);
}
if (!existsSync(workerMain)) {
  console.error(`${path.relative(root, workerMain)} is missing: run \`npx nx build worker\` first.`);
  process.exit(1);
}
if (spawnSync('redis-server', ['--version']).error) {
  console.error('redis-server is not installed. Install it with `apt-get install redis-server`, then run again.');
  process.exit(1);
}

/** Spawns a server whose output is read and dropped, as a container runtime would. */
function start(command, args, env) {
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let tail = '';
  const keep = (chunk) => (tail = (tail + chunk).slice(-2000));
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise((resolve) => child.once('exit', resolve));
  return {
    output: () => tail,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

const dir = mkdtempSync(path.join(tmpdir(), 'bench-worker-'));
const script = path.join(dir, 'post.lua');
writeFileSync(
  script,
  [
    'wrk.method = "POST"',
    'wrk.body = \'{"str":"abcdefghij"}\'',
    'wrk.headers["Content-Type"] = "application/json"',
    '',
  ].join('\n'),
);

const redis = await startRedis();
const redisPort = redis.port;
const { Redis } = await import('ioredis');
const subscriber = new Redis({ host: '127.0.0.1', port: redisPort, lazyConnect: true, retryStrategy: () => 200 });
let received = 0;
try {
  await waitUntil('redis-server', async () => (await subscriber.connect(), true));
} catch (err) {
  console.error(`cannot subscribe to redis-server: ${err.message}`);
  process.exit(1);
}
await subscriber.subscribe('calculation');
subscriber.on('message', () => received++);

const redisUrl = `127.0.0.1:${redisPort}`;
const servers = [
  { name: 'bare node:http + JSON.parse', args: [baselines, 'bare'] },
  { name: 'minimal Express 5 + express.json()', args: [baselines, 'express'] },
  { name: 'codelab-style worker (baseline)', args: [baselines, 'codelab'], env: { REDIS_URL: redisUrl } },
  { name: 'our worker (dist/apps/worker)', args: [workerMain], env: { REDIS_URL: redisUrl } },
  {
    name: 'our worker, LOG_REQUESTS=all',
    args: [workerMain],
    env: { REDIS_URL: redisUrl, LOG_REQUESTS: 'all' },
    extra: true,
  },
];

const UNIT_MS = { us: 0.001, ms: 1, s: 1000, m: 60_000 };
function parseWrk(text) {
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(text)?.[1]);
  const p99 = /^\s*99%\s+([\d.]+)(us|ms|s|m)\s*$/m.exec(text);
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(text)?.[1] ?? 0);
  const errors = /Socket errors:.*$/m.exec(text)?.[0];
  const requests = Number(/(\d+) requests in/.exec(text)?.[1] ?? 0);
  return { rps, p99Ms: p99 ? Number(p99[1]) * UNIT_MS[p99[2]] : NaN, non2xx, errors, requests };
}

function wrk(url, seconds) {
  return new Promise((resolve, reject) => {
    const child = spawn('wrk', ['-t1', `-c${connections}`, `-d${seconds}s`, '--latency', '-s', script, url], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (out += c));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`wrk exited ${code}: ${out}`))));
  });
}

async function measure(server) {
  const port = await freePort();
  const proc = start(process.execPath, server.args, { ...server.env, PORT: String(port) });
  const url = `http://127.0.0.1:${port}/`;
  try {
    await waitUntil(server.name, async () => (await fetch(url)).status > 0);
    if (server.env?.REDIS_URL)
      await waitUntil(
        `${server.name} publishing`,
        async () =>
          (
            await fetch(url, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: '{"str":"warm"}',
            })
          ).status === 200,
      );
    await wrk(url, warmup);
    await sleep(200);
    const before = received;
    const result = parseWrk(await wrk(url, duration));
    await sleep(300); // let the last messages arrive
    return { ...result, published: received - before };
  } catch (err) {
    throw new Error(`${server.name}: ${err.message}\n${proc.output()}`);
  } finally {
    await proc.stop();
  }
}

const median = (values) => {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

console.log(
  `wrk -t1 -c${connections} -d${duration}s POST {"str":"abcdefghij"}, ${warmup}s warm-up, ${rounds} round(s), redis-server on ${redisUrl}\n`,
);
const runs = new Map(servers.map((s) => [s, []]));
try {
  for (let round = 1; round <= rounds; round++) {
    for (const server of servers) {
      const run = await measure(server);
      runs.get(server).push(run);
      const notes = [
        run.non2xx ? `${run.non2xx} non-2xx` : '',
        run.errors ?? '',
        server.env?.REDIS_URL ? `${run.published} published` : '',
      ]
        .filter(Boolean)
        .join(', ');
      console.log(
        `  round ${round}: ${server.name.padEnd(36)} ${run.rps.toFixed(0).padStart(7)} req/s  p99 ${run.p99Ms.toFixed(2)} ms${notes ? `  (${notes})` : ''}`,
      );
    }
  }
} finally {
  await subscriber.quit().catch(() => subscriber.disconnect());
  await redis.stop();
  rmSync(dir, { recursive: true, force: true });
}

const summary = servers.map((s) => ({
  server: s,
  rps: median(runs.get(s).map((r) => r.rps)),
  p99: median(runs.get(s).map((r) => r.p99Ms)),
}));
const [bare, minimalExpress, codelab, worker] = summary;
const pad = (text, n, right = false) => (right ? String(text).padStart(n) : String(text).padEnd(n));
console.log(
  `\n${pad('server', 38)}${pad('req/s', 9, true)}${pad('p99 ms', 9, true)}${pad('x bare', 9, true)}${pad('x express', 11, true)}`,
);
for (const row of summary) {
  console.log(
    `${pad(row.server.name, 38)}${pad(row.rps.toFixed(0), 9, true)}${pad(row.p99.toFixed(2), 9, true)}${pad((row.rps / bare.rps).toFixed(2), 9, true)}${pad((row.rps / minimalExpress.rps).toFixed(2), 11, true)}`,
  );
}
const ofExpress = worker.rps / minimalExpress.rps;
const ofCodelab = worker.rps / codelab.rps;
const verdict = (ok) => (ok ? 'met' : 'NOT met');
console.log(
  `\nworker / minimal Express = ${ofExpress.toFixed(2)} (target >= ${TARGET_OF_EXPRESS.toFixed(2)}): ${verdict(ofExpress >= TARGET_OF_EXPRESS)}`,
);
console.log(
  `worker / codelab-style   = ${ofCodelab.toFixed(2)} (target >= ${TARGET_OF_CODELAB.toFixed(2)}): ${verdict(ofCodelab >= TARGET_OF_CODELAB)}`,
);
