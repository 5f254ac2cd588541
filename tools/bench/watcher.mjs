#!/usr/bin/env node
// Reaction time of the built istiowatcher: from a load step to the weight change, with a real
// Prometheus scraping every 1 s a test exporter of Istio's counters, and the file router.
// Prints figures; it is not a test. Build first: `npx nx build istiowatcher`.
//
//   node tools/bench/watcher.mjs [--rounds 3] [--windows 5s,10s] [--scrape-window 5s]
//   (or BENCH_ROUNDS, BENCH_WINDOWS, BENCH_SCRAPE_WINDOW; an empty scrape window skips that row)
//
// For each rate window, and once with the scrape source (no Prometheus, as the local stack
// runs when Prometheus is not installed), one watcher with the local stack's settings (samples 2 up / 3 down,
// dwell 5 s up / 10 s down) runs while the exporter steps 5 -> 30 req/s (time to burst) and
// 30 -> 5 req/s (time back to natural). Each level is held longer than the window and the
// dwell before the next step, so the figures are the reaction, not the dwell.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tsImport } from 'tsx/esm/api';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const watcherMain = path.join(root, 'dist/apps/istiowatcher/main.js');
const { startPrometheus, startIstioExporter, freePort, workerVirtualServiceYaml } = await tsImport(
  '../../libs/testing/src/index.ts',
  import.meta.url,
);
const { parseAllDocuments } = await import('yaml');

function option(name, envName, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  const text = i > 0 ? process.argv[i + 1] : process.env[envName];
  return text === undefined || text === '' ? fallback : text;
}
const rounds = Number(option('rounds', 'BENCH_ROUNDS', '3'));
const windows = option('windows', 'BENCH_WINDOWS', '5s,10s').split(',').filter(Boolean);
const scrapeWindow = option('scrape-window', 'BENCH_SCRAPE_WINDOW', '5s');
if (!Number.isInteger(rounds) || rounds < 1) {
  console.error(`--rounds / BENCH_ROUNDS must be a positive integer`);
  process.exit(2);
}
if (!existsSync(watcherMain)) {
  console.error(`${watcherMain} is missing: run \`npx nx build istiowatcher\` first`);
  process.exit(2);
}

const LOCAL = {
  WATCHER_SAMPLES: '2',
  WATCHER_SAMPLES_DOWN: '3',
  WATCHER_MIN_DWELL_SECONDS: '5',
  WATCHER_MIN_DWELL_DOWN_SECONDS: '10',
};
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
        WATCHER_INTERVAL_SECONDS: '1',
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
  `settings: interval 1 s, samples ${LOCAL.WATCHER_SAMPLES} up / ${LOCAL.WATCHER_SAMPLES_DOWN} down, dwell ${LOCAL.WATCHER_MIN_DWELL_SECONDS} s up / ${LOCAL.WATCHER_MIN_DWELL_DOWN_SECONDS} s down, thresholds 15 / 10 req/s`,
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
