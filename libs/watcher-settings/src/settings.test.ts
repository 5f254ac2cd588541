import { describe, expect, it } from 'vitest';
import { ConfigError } from '@string-hashr/runtime';
import { DEFAULT_POLICY } from '@string-hashr/policy';
import { POLICY_VARIABLES, policySettingsFromEnv, readTimingFromEnv } from './settings.js';

describe('policySettingsFromEnv', () => {
  it('an empty environment gives the policy defaults', () => {
    expect(policySettingsFromEnv({})).toEqual(DEFAULT_POLICY);
  });

  it.each([
    [{ BURST_LOW_RPS: '20' }, /BURST_LOW_RPS is not valid: must be below BURST_HIGH_RPS \(15\), got 20/],
    [{ WEIGHT_STEP: '30' }, /WEIGHT_STEP is not valid/],
    [{ WATCHER_SAMPLES: 'three' }, /WATCHER_SAMPLES="three" is not valid/],
    [{ WATCHER_MODE: 'all' }, /WATCHER_MODE/],
    [{ BURST_WARM: 'hpa' }, /BURST_WARM/],
    [{ BURST_POD_CAPACITY_RPS: '0' }, /BURST_POD_CAPACITY_RPS/],
    [{ BURST_WARM_HEADROOM: '-0.1' }, /BURST_WARM_HEADROOM/],
    [{ BURST_WARM_GIVE_BACK_SECONDS: 'soon' }, /BURST_WARM_GIVE_BACK_SECONDS/],
    [{ PRIMARY_HEADROOM: '-0.1' }, /PRIMARY_HEADROOM/],
  ])('%j is refused naming the variable', (env, message) => {
    expect(() => policySettingsFromEnv(env)).toThrow(ConfigError);
    expect(() => policySettingsFromEnv(env)).toThrow(message);
  });

  it('reads the warm-up: design, pod capacity, headroom and give-back delay', () => {
    expect(
      policySettingsFromEnv({
        BURST_WARM: 'min-replicas',
        BURST_POD_CAPACITY_RPS: '12.5',
        BURST_WARM_HEADROOM: '0.4',
        BURST_WARM_GIVE_BACK_SECONDS: '120',
      }),
    ).toMatchObject({ warm: 'min-replicas', burstPodCapacityRps: 12.5, warmHeadroom: 0.4, warmGiveBackMs: 120_000 });
  });

  it('reads the headroom spill mode leaves on primary', () => {
    expect(policySettingsFromEnv({ WATCHER_MODE: 'spill', PRIMARY_HEADROOM: '0.15' })).toMatchObject({
      mode: 'spill',
      primaryCapacityRps: 15,
      primaryHeadroom: 0.15,
    });
  });

  it('names a variable for every policy setting', () => {
    expect(Object.keys(POLICY_VARIABLES).sort()).toEqual(Object.keys(DEFAULT_POLICY).sort());
  });
});

describe('readTimingFromEnv', () => {
  it('defaults to a 1 s interval and a 1m window; refuses a window that is not a duration', () => {
    expect(readTimingFromEnv({})).toEqual({ intervalMs: 1000, rateWindow: '1m', rateWindowSeconds: 60 });
    expect(readTimingFromEnv({ WATCHER_RATE_WINDOW: '5s', WATCHER_INTERVAL_SECONDS: '2' })).toEqual({
      intervalMs: 2000,
      rateWindow: '5s',
      rateWindowSeconds: 5,
    });
    expect(() => readTimingFromEnv({ WATCHER_RATE_WINDOW: 'soon' })).toThrow(/WATCHER_RATE_WINDOW="soon"/);
  });
});
