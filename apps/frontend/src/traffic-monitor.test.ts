// The monitor only listens: the rate and the requests in flight come from the events it hears.
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { TrafficMonitor } from './traffic-monitor.js';

function monitorAt(start = 0) {
  let now = start;
  const registry = new Registry();
  const monitor = new TrafficMonitor(registry, 'bursty-', () => now);
  return { monitor, registry, advance: (ms: number) => void (now += ms) };
}

const value = async (registry: Registry, name: string) =>
  (await registry.getSingleMetric(name)?.get())?.values[0]?.value;

describe('TrafficMonitor', () => {
  it('counts requests in flight from sent and answered, and takes the rate from rateChanged', async () => {
    const { monitor, registry, advance } = monitorAt();
    monitor.rateChanged(20);
    monitor.sent();
    monitor.sent();
    monitor.sent();
    monitor.answered('ok', 4);
    advance(1000);
    const stats = monitor.closeWindow();
    expect(stats).toMatchObject({ targetRate: 20, inFlight: 2, achievedRate: 3, okPerSecond: 1, windowMs: 1000 });
    expect(await value(registry, 'frontend_requests_in_flight')).toBe(2);
    expect(await value(registry, 'frontend_target_rate')).toBe(20);

    monitor.answered('failed', null);
    monitor.answered('ok', 6);
    monitor.rateChanged(0);
    advance(500);
    expect(monitor.closeWindow()).toMatchObject({ targetRate: 0, inFlight: 0, failedPerSecond: 2, okPerSecond: 2 });
  });

  it('tells burst results from primary ones by the prefix', () => {
    const { monitor, advance } = monitorAt();
    expect(monitor.result('bursty-' + 'A'.repeat(43) + '=')).toBe('burst');
    expect(monitor.result('A'.repeat(43) + '=')).toBe('primary');
    advance(1000);
    expect(monitor.closeWindow()).toMatchObject({ primaryPerSecond: 1, burstPerSecond: 1, burstShare: 0.5 });
  });
});
