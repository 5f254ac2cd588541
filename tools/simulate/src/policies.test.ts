import { describe, expect, it } from 'vitest';
import { ConfigError } from '@string-hashr/runtime';
import { lineup, userWatcherEnv, variations } from './policies.js';

const shipped = { BURST_HIGH_RPS: '15', BURST_LOW_RPS: '10', WATCHER_SAMPLES: '3', WATCHER_MIN_DWELL_SECONDS: '30' };

describe('the lineup', () => {
  it("codelab, ours, spill and a row per warm design, read through the watcher's own parsing", () => {
    // Without WATCHER_MODE and BURST_WARM: the defaults, switch and no warm-up.
    const [codelab, ours, spill, minReplicas, metric, ...rest] = lineup(shipped);
    expect(rest).toEqual([]);
    expect(minReplicas).toMatchObject({ name: 'warm-min-replicas', settings: { warm: 'min-replicas', samplesUp: 3 } });
    expect(metric).toMatchObject({ name: 'warm-metric', settings: { warm: 'metric', samplesUp: 3 } });
    expect(codelab).toMatchObject({
      name: 'codelab',
      reporter: 'destination',
      settings: { mode: 'switch', samplesUp: 1, samplesDown: 1, minDwellUpMs: 0, minDwellDownMs: 0, highRps: 15 },
    });
    expect(ours).toMatchObject({ name: 'ours', reporter: 'source', settings: { samplesUp: 3, minDwellUpMs: 30_000 } });
    expect(ours?.timing).toEqual({ intervalMs: 1000, rateWindow: '1m', rateWindowSeconds: 60 });
    expect(spill).toMatchObject({ name: 'spill', settings: { mode: 'spill', samplesUp: 3 } });
  });

  it('the other rows are what the shipped settings are not: the other mode, the other warm designs', () => {
    const policies = lineup({ ...shipped, WATCHER_MODE: 'spill', BURST_HIGH_RPS: '13', BURST_WARM: 'min-replicas' });
    expect(policies.map((p) => [p.name, p.settings.mode, p.settings.warm])).toEqual([
      ['codelab', 'switch', 'off'],
      ['ours', 'spill', 'min-replicas'],
      ['switch', 'switch', 'min-replicas'],
      ['no-warm', 'spill', 'off'],
      ['warm-metric', 'spill', 'metric'],
    ]);
    // The codelab's thresholds are its own, whatever is shipped.
    expect(policies[0]?.settings).toMatchObject({ highRps: 15, lowRps: 10 });
  });

  it('"yours" joins when the environment sets a watcher variable, over the shipped settings', () => {
    const policies = lineup(shipped, { WATCHER_SAMPLES: '5', WATCHER_RATE_WINDOW: '2m', HOME: '/root' });
    const yours = policies.find((p) => p.name === 'yours');
    expect(yours?.settings).toMatchObject({ samplesUp: 5, highRps: 15, minDwellUpMs: 30_000 });
    expect(yours?.timing.rateWindowSeconds).toBe(120);
    expect(yours?.description).toBe('the shipped settings with WATCHER_RATE_WINDOW=2m WATCHER_SAMPLES=5');
    expect(userWatcherEnv({ PATH: '/bin', WATCHER_MODE: ' ' })).toEqual({});
  });

  it.each([
    [{ BURST_LOW_RPS: '30' }, /BURST_LOW_RPS is not valid: must be below BURST_HIGH_RPS \(15\), got 30/],
    [{ WATCHER_SAMPLES: 'many' }, /WATCHER_SAMPLES="many" is not valid/],
    [{ WATCHER_RATE_WINDOW: 'a minute' }, /WATCHER_RATE_WINDOW="a minute" is not valid/],
  ])('a bad variable %j stops the run naming it', (env, message) => {
    expect(() => lineup(shipped, env)).toThrow(ConfigError);
    expect(() => lineup(shipped, env)).toThrow(message);
  });
});

describe('--vary', () => {
  it('one policy per combination, named by its variables, over the shipped settings', () => {
    const policies = variations(shipped, [
      ['WATCHER_SAMPLES', ['1', '2']],
      ['WATCHER_MODE', ['switch', 'spill']],
    ]);
    expect(policies.map((p) => p.name)).toEqual([
      'WATCHER_SAMPLES=1 WATCHER_MODE=switch',
      'WATCHER_SAMPLES=1 WATCHER_MODE=spill',
      'WATCHER_SAMPLES=2 WATCHER_MODE=switch',
      'WATCHER_SAMPLES=2 WATCHER_MODE=spill',
    ]);
    expect(policies[3]?.settings).toMatchObject({ samplesUp: 2, mode: 'spill', minDwellUpMs: 30_000 });
    expect(variations(shipped, [])).toEqual([]);
  });

  it.each<[Array<[string, string[]]>, RegExp]>([
    [[['HOME', ['1']]], /--vary HOME: not a variable the lab models/],
    [[['WATCHER_SAMPLES', ['2', '']]], /--vary WATCHER_SAMPLES: expected WATCHER_SAMPLES=value,value/],
    [[['WATCHER_SAMPLES', ['0']]], /WATCHER_SAMPLES=0 is out of range/],
  ])('%j is refused naming the variable', (vary, message) => {
    expect(() => variations(shipped, vary)).toThrow(message);
  });
});
