// The watcher's unit harness: scripted readings, the memory router and a clock the test moves
// (`ticks(n)` runs n ticks one second apart). No real time passes.
import { Registry } from 'prom-client';
import { DEFAULT_POLICY, NATURAL, type PolicySettings, type Weights } from '@string-hashr/policy';
import type { HealthReading, Reading } from '@string-hashr/metric-reading';
import { createLogger } from '@string-hashr/runtime';
import type { RouteKind } from '@string-hashr/contract';
import { alwaysLeader, type Leadership } from './leadership.js';
import { watcherMetrics } from './metrics.js';
import { memoryRouter } from './routers/memory.js';
import { dryRunRouter } from './routers/router.js';
import { createWatcher } from './watcher.js';

export const T0 = Date.parse('2025-03-01T12:00:00.000Z');
export const A = (key: string) => `burst.string-hashr.dev/${key}`;

/** A leadership the test drives: whether it leads, its term, and what the Lease says when asked. */
export function testLeadership(initial = { leading: true, token: 'w-0/1', confirms: true }) {
  const s = { ...initial };
  const leadership: Leadership = {
    isLeader: () => s.leading,
    token: () => (s.leading ? s.token : undefined),
    remainingMs: () => (s.leading ? 5000 : 0),
    confirm: async () => s.leading && s.confirms,
    stop: async () => {},
  };
  return { leadership, s };
}

/** A watcher over scripted readings, an in-memory route (a VirtualService by default) and a clock the test moves. */
export function harness(options: {
  readings: Reading[];
  /** The burst side's health, one per read; then healthy. */
  healths?: HealthReading[];
  start?: Weights;
  annotations?: Record<string, string>;
  kind?: RouteKind;
  leadership?: Leadership;
  dryRun?: boolean;
  policy?: Partial<PolicySettings>;
  now?: number;
  logTicks?: boolean;
  summaryMs?: number;
}) {
  const memory = memoryRouter({
    weights: options.start ?? NATURAL,
    annotations: options.annotations,
    kind: options.kind,
  });
  const lines: string[] = [];
  const log = createLogger('test', (l) => lines.push(l));
  const registry = new Registry();
  let now = options.now ?? T0;
  let healthReads = 0;
  const watcher = createWatcher({
    source: {
      description: 'script',
      read: async () => options.readings.shift() ?? { kind: 'no-data' },
      async readHealth() {
        healthReads++;
        return options.healths?.shift() ?? { kind: 'health', requests: 100, successRate: 1 };
      },
    },
    router: options.dryRun ? dryRunRouter(memory.router, log) : memory.router,
    policy: {
      ...DEFAULT_POLICY,
      samplesUp: 2,
      samplesDown: 2,
      minDwellUpMs: 0,
      minDwellDownMs: 0,
      noDataHoldMs: 3000,
      healthCooldownMs: 5000,
      ...options.policy,
    },
    leadership: options.leadership ?? alwaysLeader('test-host'),
    intervalMs: 1000,
    log,
    metrics: watcherMetrics(registry, { mode: 'switch', source: 'script', router: 'memory', dryRun: false }),
    now: () => now,
    identity: 'test-host',
    logTicks: options.logTicks ?? true,
    summaryMs: options.summaryMs ?? 0,
  });
  const ticks = async (n: number) => {
    const reports = [];
    for (let i = 0; i < n; i++) {
      reports.push(await watcher.tick());
      now += 1000;
    }
    return reports;
  };
  const changes = () => memory.writes.filter((w) => w.weights).map((w) => w.weights);
  const metric = (name: string) => registry.getSingleMetricAsString(name);
  return {
    watcher,
    memory,
    lines,
    registry,
    ticks,
    changes,
    metric,
    at: () => now,
    advance: (ms: number) => (now += ms),
    healthReads: () => healthReads,
  };
}

export const rate = (rps: number): Reading => ({ kind: 'value', rps });
export const fail: Reading = { kind: 'error', errorKind: 'timeout', message: 'no answer' };
export const many = (n: number, reading: Reading) => Array.from({ length: n }, () => reading);
