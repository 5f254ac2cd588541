// The Grafana dashboard against real data: the local stack with its real Prometheus (which scrapes
// the mesh stand-in, the watcher and the frontend), 30 req/s through the frontend's socket until
// the weights move, then every query of the dashboard, read from the generated file itself, over
// the burst. Each must return data; the ones that tell the story must tell it.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { type Socket, io } from 'socket.io-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CLUSTER_NAMES, ISTIO_METRIC_LABELS, WATCHER_METRICS, WORKER_TRAFFIC_METRIC } from '@string-hashr/contract';
import { type Stack, explainFailure, repoRoot, stackWatcherMetric, startStack, waitFor } from '@string-hashr/testing';

interface Target {
  expr: string;
  legendFormat: string;
}
interface Panel {
  title: string;
  targets: Target[];
}
type Matrix = Array<{ metric: Record<string, string>; values: Array<[number, string]> }>;

const dashboardFile = path.join(repoRoot, 'istio-manifests/addons/string-hashr-burst.json');
const panels = (JSON.parse(readFileSync(dashboardFile, 'utf8')) as { panels: Panel[] }).panels;

/** The local Prometheus scrapes every second (tools/local-stack/src/plan.ts). */
const SCRAPE_SECONDS = 1;
const STEP_SECONDS = 1;
/** What Grafana puts for $__rate_interval: max($__interval + scrape interval, 4 x scrape interval). */
const RATE_INTERVAL = `${Math.max(STEP_SECONDS + SCRAPE_SECONDS, 4 * SCRAPE_SECONDS)}s`;
const VARIABLES: Record<string, string> = { __rate_interval: RATE_INTERVAL, __interval: `${STEP_SECONDS}s` };

/** The expression as Grafana sends it: its variables substituted; an unknown one fails the test. */
function substituted(expr: string): string {
  return expr.replace(/\$\{?(\w+)\}?/g, (_, name: string) => {
    const value = VARIABLES[name];
    if (value === undefined) throw new Error(`no value for $${name} in ${expr}`);
    return value;
  });
}

/** Series the watcher exports only where it reads a burst cluster's pods (BURST_KUBECONFIG). */
const BURST_PODS = new RegExp(`${WATCHER_METRICS.burstReadyPods}|${WATCHER_METRICS.burstDesiredPods}`);

describe('the Grafana dashboard on the local stack, during a burst', () => {
  let stack: Stack;
  let socket: Socket | undefined;
  let prometheus: string;

  async function queryRange(expr: string, start: number, end: number): Promise<Matrix> {
    const params = new URLSearchParams({
      query: expr,
      start: String(start),
      end: String(end),
      step: `${STEP_SECONDS}s`,
    });
    const response = await fetch(`${prometheus}/api/v1/query_range?${params}`);
    const body = (await response.json()) as { status: string; error?: string; data?: { result: Matrix } };
    if (body.status !== 'success') throw new Error(`Prometheus refused ${expr}: ${body.error}`);
    return body.data?.result ?? [];
  }

  const watcherGauge = (name: string) => stackWatcherMetric(stack, name);

  beforeAll(async () => {
    stack = await startStack({ env: { LOCAL_PROMETHEUS: 'on' } });
    prometheus = `http://127.0.0.1:${stack.ports.PROMETHEUS_PORT}`;
  });

  afterEach(explainFailure(() => stack));

  afterAll(async () => {
    socket?.close();
    if (stack && stack.child.exitCode === null) await stack.ctrlC();
  });

  it('every query of every panel returns data, and the panels show the burst', async () => {
    const start = Math.floor(Date.now() / 1000);
    socket = io(stack.pageUrl, { transports: ['websocket'] });
    await waitFor('the socket to connect', () => socket?.connected, 10_000);
    expect(await socket.timeout(5000).emitWithAck('frequency', { freq: 30 })).toEqual({ ok: true, freq: 30 });

    await waitFor(
      'the watcher to move the weights to burst',
      async () => (await watcherGauge(WATCHER_METRICS.burstWeight)) === 100,
      40_000,
      250,
    );
    // Until Prometheus has scraped the change and some burst traffic after it.
    await waitFor(
      'Prometheus to see the burst weight and burst traffic',
      async () => {
        const now = Date.now() / 1000;
        const weight = await queryRange(`${WATCHER_METRICS.burstWeight} == 100`, now - 10, now);
        const burst = await queryRange(
          `sum(rate(${WORKER_TRAFFIC_METRIC}{${ISTIO_METRIC_LABELS.destinationCluster}="${CLUSTER_NAMES.burst}"}[${RATE_INTERVAL}])) > 0`,
          now - 10,
          now,
        );
        return weight.length > 0 && burst.length > 0;
      },
      20_000,
      500,
    );
    const end = Math.ceil(Date.now() / 1000);

    const results = new Map<string, Matrix>();
    for (const panel of panels)
      for (const target of panel.targets) {
        const result = await queryRange(substituted(target.expr), start, end);
        const finite = result.flatMap((s) => s.values).filter(([, v]) => Number.isFinite(Number(v)));
        // The local stack has no burst cluster API to read the burst pods from: the query is valid
        // (Prometheus answered it), and empty here.
        if (BURST_PODS.test(target.expr)) expect(finite, `${panel.title}: ${target.expr}`).toEqual([]);
        else expect(finite.length, `${panel.title}: ${target.expr}`).toBeGreaterThan(0);
        results.set(`${panel.title}/${target.legendFormat}`, result);
      }
    expect(results.size).toBeGreaterThanOrEqual(10);

    const series = (key: string) => {
      const result = results.get(key);
      if (!result) throw new Error(`no panel target ${key}; have ${[...results.keys()].join(', ')}`);
      return result;
    };
    // NaN samples (the watcher's observed rate before its first value) are gaps on a panel, not data.
    const max = (result: Matrix) =>
      Math.max(...result.flatMap((s) => s.values.map(([, v]) => Number(v)).filter(Number.isFinite)));
    const clusters = series('Worker requests by destination cluster/{{destination_cluster}}').map(
      (s) => s.metric.destination_cluster,
    );
    expect(clusters).toContain('burst');
    expect(max(series('Weights in force/burst'))).toBe(100);
    const thresholds = series('Observed rate against the thresholds/{{threshold}} threshold');
    expect(Object.fromEntries(thresholds.map((s) => [s.metric.threshold, Number(s.values.at(-1)?.[1])]))).toEqual({
      high: 15,
      low: 10,
    });
    expect(max(series('Observed rate against the thresholds/observed'))).toBeGreaterThan(15);
    const up = series('Weight changes/{{direction}}').find((s) => s.metric.direction === 'up');
    expect(max(up ? [up] : [])).toBeGreaterThan(0);
    const burstSuccess = series('Success rate by destination cluster/{{destination_cluster}}').find(
      (s) => s.metric.destination_cluster === 'burst',
    );
    expect(max(burstSuccess ? [burstSuccess] : [])).toBe(1);
    const burstP99 = series('p99 latency by destination cluster/{{destination_cluster}}').find(
      (s) => s.metric.destination_cluster === 'burst',
    );
    expect(max(burstP99 ? [burstP99] : [])).toBeGreaterThan(0);
  });
});
