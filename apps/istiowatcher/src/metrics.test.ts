import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { WATCHER_METRICS } from '@string-hashr/contract';
import { DEFAULT_POLICY } from '@string-hashr/policy';
import { parseExposition } from '@string-hashr/metric-reading';
import { thresholdMetrics, watcherMetrics } from './metrics.js';

const INFO = { mode: 'switch', source: 'prometheus', router: 'kubernetes', dryRun: false };

/** The samples of `name` in the registry's exposition text, by the value of `label`. */
async function byLabel(registry: Registry, name: string, label: string): Promise<Record<string, number>> {
  return Object.fromEntries(
    parseExposition(await registry.metrics())
      .filter((s) => s.name === name)
      .map((s) => [s.labels[label] ?? '', s.value]),
  );
}

describe('thresholdMetrics', () => {
  it.each([
    [
      'switch: high and low',
      { ...DEFAULT_POLICY, mode: 'switch' as const, highRps: 15, lowRps: 10, primaryCapacityRps: 12 },
      { high: 15, low: 10 },
    ],
    [
      'spill: high, low and what primary keeps',
      { ...DEFAULT_POLICY, mode: 'spill' as const, highRps: 40, lowRps: 7.5, primaryCapacityRps: 30 },
      { high: 40, low: 7.5, capacity: 30 },
    ],
  ])('%s', async (_, policy, expected) => {
    const registry = new Registry();
    thresholdMetrics(registry, policy);
    expect(await byLabel(registry, WATCHER_METRICS.thresholdRps, 'threshold')).toEqual(expected);
  });
});

describe('the watcher registry', () => {
  it('registers every name libs/contract lists in WATCHER_METRICS (dashboards query them by those names)', () => {
    const registry = new Registry();
    watcherMetrics(registry, INFO);
    thresholdMetrics(registry, DEFAULT_POLICY);
    const registered = registry.getMetricsAsArray().map((m) => m.name);
    for (const name of Object.values(WATCHER_METRICS)) expect(registered, name).toContain(name);
  });

  it('exposes the transitions and read errors at 0 from the start, so increase() shows the first one', async () => {
    const registry = new Registry();
    watcherMetrics(registry, INFO);
    expect(await byLabel(registry, WATCHER_METRICS.transitions, 'direction')).toEqual({ up: 0, down: 0 });
    expect(await byLabel(registry, WATCHER_METRICS.errors, 'kind')).toMatchObject({ timeout: 0, network: 0, http: 0 });
  });
});

describe('the burst pods', () => {
  it('are NaN until read, the Deployment counts once read, NaN again when a read fails', async () => {
    const registry = new Registry();
    const metrics = watcherMetrics(registry, INFO);
    const pods = async () =>
      Object.fromEntries(
        parseExposition(await registry.metrics())
          .filter((s) => s.name === WATCHER_METRICS.burstReadyPods || s.name === WATCHER_METRICS.burstDesiredPods)
          .map((s) => [s.name, s.value]),
      );
    expect(await pods()).toEqual({ [WATCHER_METRICS.burstReadyPods]: NaN, [WATCHER_METRICS.burstDesiredPods]: NaN });
    metrics.setBurstPods({ readyPods: 3, desiredPods: 4, maxPods: 10 });
    expect(await pods()).toEqual({ [WATCHER_METRICS.burstReadyPods]: 3, [WATCHER_METRICS.burstDesiredPods]: 4 });
    metrics.setBurstPods(undefined);
    expect(await pods()).toEqual({ [WATCHER_METRICS.burstReadyPods]: NaN, [WATCHER_METRICS.burstDesiredPods]: NaN });
  });
});
