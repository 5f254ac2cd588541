import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { ALL_BURST, DEFAULT_POLICY, NATURAL, type Weights } from '@string-hashr/policy';
import type { HealthReading, Reading } from '@string-hashr/metric-reading';
import type { Control } from '@string-hashr/policy';
import { createLogger } from '@string-hashr/runtime';
import { ALWAYS_LEADER } from './leader.js';
import { watcherMetrics } from './metrics.js';
import { RouterError, dryRunRouter, type Router } from './routers/router.js';
import { createWatcher } from './watcher.js';

/** A watcher over scripted readings, an in-memory router and a clock the test moves. */
function harness(options: {
  readings: Reading[];
  /** The burst side's health, one per read; then healthy. */
  healths?: HealthReading[];
  control?: () => Control | undefined;
  start?: Weights;
  leader?: () => boolean;
  failSet?: RouterError;
  dryRun?: boolean;
  mode?: 'switch' | 'spill';
}) {
  let weights = options.start ?? NATURAL;
  const sets: Weights[] = [];
  const lines: string[] = [];
  const log = createLogger('test', (l) => lines.push(l));
  const memory: Router = {
    description: 'memory',
    getRoutes: async () => weights,
    async setRoutes(next) {
      if (options.failSet) throw options.failSet;
      sets.push(next);
      weights = next;
    },
  };
  const registry = new Registry();
  let now = 0;
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
    control: options.control,
    router: options.dryRun ? dryRunRouter(memory, log) : memory,
    policy: {
      ...DEFAULT_POLICY,
      mode: options.mode ?? 'switch',
      samplesUp: 2,
      samplesDown: 2,
      minDwellUpMs: 0,
      minDwellDownMs: 0,
      noDataHoldMs: 3000,
      healthCooldownMs: 5000,
    },
    leadership: options.leader ? { isLeader: options.leader, stop: async () => {} } : ALWAYS_LEADER,
    intervalMs: 1000,
    log,
    metrics: watcherMetrics(registry, { mode: 'switch', source: 'script', router: 'memory', dryRun: false }),
    now: () => now,
  });
  const ticks = async (n: number) => {
    for (let i = 0; i < n; i++) {
      await watcher.tick();
      now += 1000;
    }
  };
  const metric = async (name: string) => await registry.getSingleMetricAsString(name);
  return { watcher, sets, lines, registry, metric, ticks, weights: () => weights, healthReads: () => healthReads };
}

const rate = (rps: number): Reading => ({ kind: 'value', rps });
const fail: Reading = { kind: 'error', errorKind: 'timeout', message: 'no answer' };

describe('createWatcher', () => {
  it('reads the weights in force first, logs the value on every tick, changes after K samples', async () => {
    const h = harness({ readings: [rate(20), rate(20), rate(20)] });
    await h.ticks(3);
    expect(h.sets).toEqual([ALL_BURST]);
    expect(h.lines[0]).toMatch(/read the weights in force primary=100 burst=0/);
    expect(h.lines[1]).toMatch(/tick rps=20\.000 weights=100\/0 reason=".*1\/2 fresh samples/);
    expect(h.lines[2]).toMatch(/weights changed rps=20\.000 weights=0\/100/);
    expect(await h.metric('istiowatcher_transitions_total')).toMatch(/direction="up"} 1/);
  });

  it('a failure and warming up leave the weights alone', async () => {
    const h = harness({ start: ALL_BURST, readings: [fail, { kind: 'warming-up' }, fail] });
    await h.ticks(3);
    expect(h.sets).toEqual([]);
    expect(h.watcher.isReady()).toBe(true);
    expect(await h.metric('istiowatcher_errors_total')).toMatch(/kind="timeout"} 2/);
    expect(await h.metric('istiowatcher_decisions_total')).toMatch(/kind="read-failure"} 2/);
  });

  it('no data holds the weights for the hold, says so in its own line and metric, then counts as no traffic', async () => {
    const empty: Reading = { kind: 'no-data' };
    const h = harness({ start: ALL_BURST, readings: [empty, empty, empty, empty, empty, empty] });
    await h.ticks(3);
    expect(h.sets).toEqual([]);
    expect(h.lines.filter((l) => / warn test: no data: the weights are held .*kind=no-data-hold/.test(l))).toHaveLength(
      3,
    );
    expect(await h.metric('istiowatcher_no_data_seconds')).toMatch(/istiowatcher_no_data_seconds 2/);
    expect(await h.metric('istiowatcher_decisions_total')).toMatch(/kind="no-data-hold"} 3/);
    expect(await h.metric('istiowatcher_observed_rps')).toMatch(/istiowatcher_observed_rps NaN/i);
    await h.ticks(3);
    // Hold 3 s: empty from t=0, no traffic from t=3 s, two samples: back at t=4 s.
    expect(h.sets).toEqual([NATURAL]);
  });

  it('reads the burst side only while some weight is on burst', async () => {
    const h = harness({ readings: [rate(20), rate(20), rate(20), rate(20)] });
    await h.ticks(2);
    expect(h.sets).toEqual([ALL_BURST]);
    expect(h.healthReads()).toBe(0);
    await h.ticks(2);
    expect(h.healthReads()).toBe(2);
    expect(h.lines.at(-1)).toMatch(/health=success=1\.000,requests=100/);
    expect(await h.metric('istiowatcher_burst_success_ratio')).toMatch(/ratio 1$/);
  });

  it('a failing burst side: rollback at once, its own log line with why, counted, phase unhealthy; bursts again after the cool-down', async () => {
    const sick: HealthReading = { kind: 'health', requests: 80, successRate: 0.25 };
    const h = harness({ start: ALL_BURST, readings: Array(12).fill(rate(30)), healths: [sick, sick] });
    await h.ticks(2);
    expect(h.sets).toEqual([NATURAL]);
    const rollback = h.lines.find((l) => l.includes('rolled back'));
    expect(rollback).toMatch(
      / warn test: rolled back: the burst side failed the health gate .*reason="burst side failing 2\/2: success rate 0\.250 < 0\.95 .*kind=rollback health=success=0\.250,requests=80/,
    );
    expect(await h.metric('istiowatcher_rollbacks_total')).toMatch(/istiowatcher_rollbacks_total 1/);
    expect(await h.metric('istiowatcher_phase')).toMatch(/phase="unhealthy"} 1/);
    await h.ticks(4);
    expect(h.sets).toEqual([NATURAL]);
    expect(h.lines.at(-1)).toMatch(/kind=cooldown/);
    await h.ticks(2);
    expect(h.sets).toEqual([NATURAL, ALL_BURST]);
    expect(await h.metric('istiowatcher_phase')).toMatch(/phase="burst"} 1/);
  });

  it('takes the operator control it is given: suspended, nothing changes', async () => {
    const h = harness({ readings: [rate(30), rate(30), rate(30)], control: () => ({ suspend: true }) });
    await h.ticks(3);
    expect(h.sets).toEqual([]);
    expect(h.lines.at(-1)).toMatch(/info test: suspended .*kind=suspended/);
  });

  it('is not ready while reads fail', async () => {
    const h = harness({ readings: [fail, fail, fail, fail, fail, fail, fail] });
    await h.ticks(7);
    expect(h.watcher.isReady()).toBe(false);
  });

  it('a standby reads but never decides or acts', async () => {
    const h = harness({ readings: [rate(30), rate(30), rate(30)], leader: () => false });
    await h.ticks(3);
    expect(h.sets).toEqual([]);
    expect(h.lines).toEqual([]);
    expect(await h.registry.getSingleMetricAsString('istiowatcher_is_leader')).toMatch(/istiowatcher_is_leader 0/);
  });

  it('a router failure is counted and the weights are read again before the next decision', async () => {
    const h = harness({
      readings: [rate(30), rate(30), rate(30)],
      failSet: new RouterError('forbidden', 'forbidden: needs patch'),
    });
    await h.ticks(3);
    expect(h.lines.filter((l) => l.includes('read the weights in force'))).toHaveLength(2);
    expect(await h.registry.getSingleMetricAsString('istiowatcher_errors_total')).toMatch(/kind="router_forbidden"} 1/);
  });

  it('spill mode sends only the overflow to burst and follows the load', async () => {
    const h = harness({ mode: 'spill', readings: [rate(30), rate(30), rate(45), rate(45), rate(5), rate(5)] });
    await h.ticks(6);
    expect(h.sets).toEqual([{ primary: 50, burst: 50 }, { primary: 30, burst: 70 }, NATURAL]);
  });

  it('dry run logs the change once and changes nothing', async () => {
    const h = harness({ readings: [rate(30), rate(30), rate(30), rate(30)], dryRun: true });
    await h.ticks(4);
    expect(h.weights()).toEqual(NATURAL);
    expect(h.lines.filter((l) => l.includes('dry run: would set weights primary=0 burst=100'))).toHaveLength(1);
  });
});
