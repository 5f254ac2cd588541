#!/usr/bin/env node
// How closely the built frontend holds the rate asked for: achieved vs target at 10, 100, 500
// and 1000 req/s. Prints figures; it is not a test. Build first: `npx nx build frontend worker`.
//
//   node tools/bench/frontend.mjs [--seconds 5] [--sink worker|bare] [--rates 10,100,500,1000]
//
// It starts its own redis-server on a free port, a sink for the requests (by default the built
// worker, so results flow back through Redis; `--sink bare` is a bare node:http server that
// answers 200 at once), the built frontend, and a socket.io client that sets each rate in turn
// and reads the server's `stats` events. The first window after each change is skipped (it
// mixes the old rate and the new); the rest are summed over their real lengths.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { io } from 'socket.io-client';
import { tsImport } from 'tsx/esm/api';

// The same helpers the tests use (libs/testing), loaded from TypeScript by tsx.
const { freePort, waitFor, startRedis } = await tsImport('../../libs/testing/src/index.ts', import.meta.url);
const until = (what, check, timeoutMs = 15_000) => waitFor(what, check, timeoutMs, 100);

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const frontendMain = path.join(root, 'dist/apps/frontend/main.js');
const workerMain = path.join(root, 'dist/apps/worker/main.js');

function argument(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : fallback;
}
const seconds = Number(argument('seconds', '5'));
const sinkKind = argument('sink', 'worker');
const rates = argument('rates', '10,100,500,1000').split(',').map(Number);
if (
  !Number.isInteger(seconds) ||
  seconds < 1 ||
  !['worker', 'bare'].includes(sinkKind) ||
  rates.some((r) => !(r >= 0))
) {
  console.error('usage: node tools/bench/frontend.mjs [--seconds N>=1] [--sink worker|bare] [--rates 10,100,500,1000]');
  process.exit(2);
}
for (const main of sinkKind === 'worker' ? [frontendMain, workerMain] : [frontendMain]) {
  if (!existsSync(main)) {
    console.error(`${path.relative(root, main)} is missing: run \`npx nx build frontend worker\` first.`);
    process.exit(1);
  }
}
if (spawnSync('redis-server', ['--version']).error) {
  console.error('redis-server is not installed. Install it with `apt-get install redis-server`, then run again.');
  process.exit(1);
}

const children = [];
function start(name, command, args, env = {}) {
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk) => (output = (output + chunk).slice(-20_000));
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  children.push(child);
  child.on('exit', (code, signal) => {
    if (!stopping) console.error(`${name} exited early (${code ?? signal}):\n${output}`);
  });
  return child;
}
let stopping = false;
const cleanups = [];
async function stopAll() {
  stopping = true;
  for (const cleanup of cleanups.reverse()) await cleanup();
  await Promise.all(
    children.map(
      (child) =>
        new Promise((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once('exit', resolve);
          child.kill('SIGTERM');
          setTimeout(() => child.kill('SIGKILL'), 5000).unref();
        }),
    ),
  );
}

const healthy = (port) => async () => (await fetch(`http://127.0.0.1:${port}/_healthz`)).status === 200;

async function main() {
  const redis = await startRedis();
  cleanups.push(() => redis.stop());
  const redisUrl = redis.url;

  let processorUrl;
  if (sinkKind === 'worker') {
    const workerPort = await freePort();
    start('worker', process.execPath, [workerMain], { PORT: String(workerPort), REDIS_URL: redisUrl });
    await until('the worker', healthy(workerPort));
    processorUrl = `http://127.0.0.1:${workerPort}`;
  } else {
    const sink = createHttpServer((req, res) => {
      req.resume();
      req.on('end', () => res.end('ok'));
    });
    await new Promise((resolve) => sink.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => (sink.closeAllConnections(), sink.close(resolve))));
    processorUrl = `http://127.0.0.1:${sink.address().port}`;
  }

  const frontendPort = await freePort();
  start('frontend', process.execPath, [frontendMain], {
    PORT: String(frontendPort),
    REDIS_URL: redisUrl,
    PROCESSOR_URL: processorUrl,
    MAX_RATE: String(Math.max(1000, ...rates)),
  });
  await until('the frontend', healthy(frontendPort));

  const socket = io(`http://127.0.0.1:${frontendPort}`, { transports: ['websocket'] });
  cleanups.push(() => socket.close());
  await until('the socket.io connection', () => socket.connected);
  const heard = [];
  socket.on('stats', (stats) => heard.push(stats));
  // Results are relayed to every page; counting them here keeps the client honest about load.
  let relayed = 0;
  socket.on('calculation', () => relayed++);

  console.log(
    `frontend rate benchmark: sink = ${sinkKind === 'worker' ? 'the built worker (results flow back through Redis)' : 'a bare node:http server answering 200'}, ${seconds} s per rate after a skipped first window\n`,
  );
  const rows = [];
  for (const rate of rates) {
    const answer = await socket.timeout(5000).emitWithAck('frequency', { freq: rate });
    if (!answer.ok) throw new Error(`rate ${rate} rejected: ${answer.message}`);
    const from = heard.length;
    await until(
      `${seconds + 1} stats windows at ${rate} req/s`,
      () => heard.length - from >= seconds + 1,
      (seconds + 5) * 1000,
    );
    const windows = heard.slice(from + 1, from + 1 + seconds);
    const totalMs = windows.reduce((sum, s) => sum + s.windowMs, 0);
    const over = (field) => windows.reduce((sum, s) => sum + s[field] * s.windowMs, 0) / totalMs;
    const perSecond = windows.map((s) => s.achievedRate);
    const p50s = windows
      .map((s) => s.latencyP50Ms)
      .filter((v) => v !== null)
      .sort((a, b) => a - b);
    const p99s = windows.map((s) => s.latencyP99Ms).filter((v) => v !== null);
    const achieved = over('achievedRate');
    rows.push({
      'target req/s': rate,
      'achieved req/s': achieved.toFixed(1),
      'achieved/target': rate > 0 ? `${((achieved / rate) * 100).toFixed(2)}%` : '-',
      'per-second min..max': `${Math.min(...perSecond).toFixed(0)}..${Math.max(...perSecond).toFixed(0)}`,
      'ok/s': over('okPerSecond').toFixed(1),
      'failed/s': over('failedPerSecond').toFixed(1),
      'dropped/s': over('droppedPerSecond').toFixed(1),
      'results/s': (over('primaryPerSecond') + over('burstPerSecond')).toFixed(1),
      'p50 ms': p50s.length ? p50s[Math.floor(p50s.length / 2)].toFixed(2) : '-',
      'p99 ms (worst second)': p99s.length ? Math.max(...p99s).toFixed(2) : '-',
    });
  }
  await socket.timeout(5000).emitWithAck('frequency', { freq: 0 });
  console.table(rows);
  console.log(`calculation events relayed to this client: ${relayed}`);
}

main()
  .then(stopAll)
  .catch(async (err) => {
    console.error(err.message ?? err);
    await stopAll();
    process.exit(1);
  });
