#!/usr/bin/env node
// Reaction time of the built istiowatcher: from a load step to the weight change, with a real
// Prometheus scraping every 1 s a test exporter of Istio's counters, and the file router; then
// the time from the burst worker's death to traffic back on primary, on the whole local stack.
// Prints figures; it is not a test. Build first: `npx nx run-many -t build`.
//
//   node tools/bench/watcher.mjs [--rounds 3] [--windows 5s,10s] [--scrape-window 5s] [--death-rounds 3]
//   (or BENCH_ROUNDS, BENCH_WINDOWS, BENCH_SCRAPE_WINDOW, BENCH_DEATH_ROUNDS; an empty scrape
//   window skips that row, 0 death rounds skip the second part)
//
// For each rate window, and once with the scrape source (no Prometheus, as the local stack
// runs when Prometheus is not installed), one watcher with the local stack's settings (samples 2 up / 3 down,
// dwell 5 s up / 10 s down) runs while the exporter steps 5 -> 30 req/s (time to burst) and
// 30 -> 5 req/s (time back to natural). Each level is held longer than the window and the
// dwell before the next step, so the figures are the reaction, not the dwell.
//
// The burst worker's death: `npm start`'s processes (with Prometheus) on free ports, 30 req/s from
// the frontend, the burst worker killed (SIGKILL) while it serves everything: the time until the
// watcher's weights are back to 100/0 (the health gate's rollback) and until the first primary
// hash reaches a page; then a new burst worker, and the time until the watcher bursts again
// (after a cool-down of 10 s here).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tsImport } from 'tsx/esm/api';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const watcherMain = path.join(root, 'dist/apps/istiowatcher/main.js');
const { startPrometheus, startIstioExporter, startNodeApp, freePort, workerVirtualServiceYaml } = await tsImport(
  '../../libs/testing/src/index.ts',
  import.meta.url,
);
const { parseAllDocuments } = await import('yaml');
// The local stack's watcher settings: the figures are those of `npm start`.
const { LOCAL_WATCHER_DEFAULTS: LOCAL } = await tsImport('../local-stack/src/config.ts', import.meta.url);

function option(name, envName, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  const text = i > 0 ? process.argv[i + 1] : process.env[envName];
  return text === undefined || text === '' ? fallback : text;
}
const rounds = Number(option('rounds', 'BENCH_ROUNDS', '3'));
const windows = option('windows', 'BENCH_WINDOWS', '5s,10s').split(',').filter(Boolean);
const scrapeWindow = option('scrape-window', 'BENCH_SCRAPE_WINDOW', '5s');
const deathRounds = Number(option('death-rounds', 'BENCH_DEATH_ROUNDS', '3'));
if (!Number.isInteger(rounds) || rounds < 1) {
  console.error(`--rounds / BENCH_ROUNDS must be a positive integer`);
  process.exit(2);
}
if (!Number.isInteger(deathRounds) || deathRounds < 0) {
  console.error(`--death-rounds / BENCH_DEATH_ROUNDS must be an integer >= 0`);
  process.exit(2);
}
if (!existsSync(watcherMain)) {
  console.error(`${watcherMain} is missing: run \`npx nx build istiowatcher\` first`);
  process.exit(2);
}

const LOW = 5;
const HIGH = 30;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const seconds = (text) => Number(text.replace(/s$/, ''));

function burstWeight(file) {
  try {
    const vs = parseAllDocuments(readFileSync(file, 'utf8'))
      .map((d) => d.toJS())
      .find((d) => d?.kind === 'VirtualService');
    return vs.spec.http[0].route.find((r) => r.destination.subset === 'burst').weight;
  } catch {
    return undefined;
  }
}

/** Milliseconds from now until the file's burst weight is `weight`, polled every 25 ms. */
async function timeUntil(file, weight, timeoutMs = 60_000) {
  const start = performance.now();
  while (performance.now() - start < timeoutMs) {
    if (burstWeight(file) === weight) return performance.now() - start;
    await sleep(25);
  }
  return NaN;
}

const median = (xs) => {
  const s = [...xs].filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)] : NaN;
};
const fmt = (ms) => (Number.isNaN(ms) ? 'timeout' : `${(ms / 1000).toFixed(1)} s`);

const exporter = await startIstioExporter(LOW);
const prometheus = await startPrometheus({ scrapeTargets: [exporter.target], scrapeInterval: '1s' });
const dir = mkdtempSync(path.join(tmpdir(), 'bench-watcher-'));
const results = [];
try {
  const runs = [
    ...windows.map((window) => ({
      label: `prometheus, ${window} window`,
      window,
      env: { PROMETHEUS_URL: prometheus.url },
    })),
    ...(scrapeWindow
      ? [
          {
            label: `scrape (no Prometheus), ${scrapeWindow} window`,
            window: scrapeWindow,
            env: { WATCHER_SOURCE: 'scrape', WATCHER_SCRAPE_URL: exporter.url },
          },
        ]
      : []),
  ];
  for (const [i, { label, window, env }] of runs.entries()) {
    const file = path.join(dir, `vs-${i}.yaml`);
    writeFileSync(file, workerVirtualServiceYaml());
    exporter.setRate(LOW);
    const port = await freePort();
    const child = spawn(process.execPath, [watcherMain], {
      env: {
        ...process.env,
        ...LOCAL,
        ...env,
        PORT: String(port),
        WATCHER_RATE_WINDOW: window,
        WATCHER_ROUTER: 'file',
        WATCHER_VS_FILE: file,
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    // Settle at the low rate for a full window (and the dwell) before the first step.
    const hold = Math.max(seconds(window) + 3, 11) * 1000;
    await sleep(hold);
    const up = [];
    const down = [];
    for (let round = 0; round < rounds; round++) {
      exporter.setRate(HIGH);
      up.push(await timeUntil(file, 100));
      await sleep(hold);
      exporter.setRate(LOW);
      down.push(await timeUntil(file, 0));
      await sleep(hold);
      console.error(`${label} round ${round + 1}: to burst ${fmt(up.at(-1))}, back to natural ${fmt(down.at(-1))}`);
    }
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
    results.push({ label, up, down });
  }
} finally {
  await prometheus.stop();
  await exporter.stop();
  rmSync(dir, { recursive: true, force: true });
}

console.log(`\nistiowatcher reaction time (Prometheus scraping every 1 s), file router, ${rounds} round(s) each`);
console.log(
  `settings: interval ${LOCAL.WATCHER_INTERVAL_SECONDS} s, samples ${LOCAL.WATCHER_SAMPLES} up / ${LOCAL.WATCHER_SAMPLES_DOWN} down, dwell ${LOCAL.WATCHER_MIN_DWELL_SECONDS} s up / ${LOCAL.WATCHER_MIN_DWELL_DOWN_SECONDS} s down, thresholds 15 / 10 req/s`,
);
console.log('');
console.log(
  '| source, rate window | 5 -> 30 req/s: time to burst (median, min-max) | 30 -> 5 req/s: time back to natural (median, min-max) |',
);
console.log('|---|---|---|');
for (const { label, up, down } of results) {
  const range = (xs) => `${fmt(median(xs))} (${fmt(Math.min(...xs))}-${fmt(Math.max(...xs))})`;
  console.log(`| ${label} | ${range(up)} | ${range(down)} |`);
}

// The burst worker's death, on the whole local stack.
const COOLDOWN_SECONDS = 10;

/** performance.now() once `check` holds, polled every 25 ms; NaN after `timeoutMs`. */
async function until(check, timeoutMs = 60_000) {
  const start = performance.now();
  while (performance.now() - start < timeoutMs) {
    if (await check()) return performance.now();
    await sleep(25);
  }
  return NaN;
}

async function deathRuns() {
  const { startStack, processEnv, repoRoot } = await tsImport('../../libs/testing/src/index.ts', import.meta.url);
  const { io } = await import('socket.io-client');
  const stack = await startStack({
    env: { LOCAL_PROMETHEUS: 'on', WATCHER_HEALTH_COOLDOWN_SECONDS: String(COOLDOWN_SECONDS) },
  });
  const metricsUrl = `http://127.0.0.1:${stack.ports.WATCHER_PORT}/metrics`;
  const burstWeight = async () => {
    try {
      const m = /^istiowatcher_burst_weight (\S+)$/m.exec(await (await fetch(metricsUrl)).text());
      return m ? Number(m[1]) : NaN;
    } catch {
      return NaN;
    }
  };
  const socket = io(stack.pageUrl, { transports: ['websocket'] });
  let lastPrimaryAt = 0;
  let lastBurstAt = 0;
  socket.on('calculation', (hash) => {
    if (hash.startsWith('bursty-')) lastBurstAt = performance.now();
    else lastPrimaryAt = performance.now();
  });
  const rows = [];
  let replacement;
  try {
    await until(() => socket.connected, 10_000);
    socket.emit('frequency', { freq: 30 });
    const pid = stack.processes().find((p) => processEnv(p).PREFIX === 'bursty-');
    let killBurstWorker = () => process.kill(pid, 'SIGKILL');
    for (let round = 0; round < deathRounds; round++) {
      const bursting = await until(
        async () => (await burstWeight()) === 100 && performance.now() - lastBurstAt < 500,
        120_000,
      );
      if (Number.isNaN(bursting)) throw new Error('the stack did not burst at 30 req/s');
      await sleep(3000);
      const died = performance.now();
      killBurstWorker();
      const weights = (await until(async () => (await burstWeight()) === 0)) - died;
      const primary = (await until(() => lastPrimaryAt > died)) - died;
      replacement = startNodeApp(path.join(repoRoot, 'dist/apps/worker/main.js'), {
        PORT: String(stack.ports.BURST_WORKER_PORT),
        PREFIX: 'bursty-',
        REDIS_URL: stack.redisUrl,
      });
      const healthz = `http://127.0.0.1:${stack.ports.BURST_WORKER_PORT}/_healthz`;
      await until(async () => (await fetch(healthz).catch(() => undefined))?.ok === true, 20_000);
      const back = performance.now();
      const again = (await until(async () => (await burstWeight()) === 100 && lastBurstAt > back, 120_000)) - died;
      const victim = replacement;
      killBurstWorker = () => victim.child.kill('SIGKILL');
      rows.push({ weights, primary, again });
      console.error(
        `burst worker death round ${round + 1}: weights 100/0 after ${fmt(weights)}, first primary hash after ${fmt(primary)}, bursting again after ${fmt(again)}`,
      );
    }
  } finally {
    socket.disconnect();
    await replacement?.stop();
    await stack.ctrlC();
  }
  return rows;
}

if (deathRounds > 0) {
  const rows = await deathRuns();
  const range = (xs) => `${fmt(median(xs))} (${fmt(Math.min(...xs))}-${fmt(Math.max(...xs))})`;
  console.log(
    `\nthe burst worker's death at 30 req/s, the local stack with Prometheus (1 s scrape), ${deathRounds} round(s)`,
  );
  console.log(
    `settings: the local stack's, health gate 0.95 over 2 fresh samples, ${LOCAL.WATCHER_RATE_WINDOW} window, cool-down ${COOLDOWN_SECONDS} s`,
  );
  console.log('');
  console.log("| from the burst worker's death to | median (min-max) |");
  console.log('|---|---|');
  console.log(`| weights back to 100/0 | ${range(rows.map((r) => r.weights))} |`);
  console.log(`| the first primary hash on the page | ${range(rows.map((r) => r.primary))} |`);
  console.log(
    `| bursting again (new worker started at once, then the cool-down) | ${range(rows.map((r) => r.again))} |`,
  );
}
