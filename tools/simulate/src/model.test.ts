import { describe, expect, it } from 'vitest';
import { localDeployment } from './deployment.js';
import { SettingError, flagOf, overrideModel } from './model.js';

const base = localDeployment().model;

describe('model parameters', () => {
  it('flags are the parameters in kebab case', () => {
    expect(flagOf('burstPodCapacityRps')).toBe('--burst-pod-capacity-rps');
  });

  it('overrides apply and are checked', () => {
    expect(overrideModel(base, [['--pod-start-seconds', '20']]).podStartSeconds).toBe(20);
  });

  it.each<[Array<[string, string]>, RegExp]>([
    [[['--pod-start-seconds', 'soon']], /--pod-start-seconds is not valid: expected a number, got "soon"/],
    [[['--pod-start-seconds', '']], /--pod-start-seconds is not valid: expected a number/],
    [[['--pod-start-seconds', '-1']], /--pod-start-seconds is not valid: expected a number >= 0, got -1/],
    [[['--burst-max-pods', '2.5']], /--burst-max-pods is not valid: expected an integer >= 1, got 2.5/],
    [[['--hpa-target-utilization', '0']], /--hpa-target-utilization is not valid: expected a number > 0 and <= 1/],
    [[['--scrape-interval-seconds', '0']], /--scrape-interval-seconds is not valid: expected a number > 0/],
    [
      [
        ['--burst-min-pods', '5'],
        ['--burst-max-pods', '2'],
      ],
      /--burst-min-pods \(5\) must not be above --burst-max-pods \(2\)/,
    ],
    [[['--scrape-offset-seconds', '1']], /--scrape-offset-seconds must be below --scrape-interval-seconds/],
    [[['--warp-factor', '9']], /unknown model parameter --warp-factor/],
  ])('%j is refused naming the flag', (overrides, message) => {
    expect(() => overrideModel(base, overrides)).toThrow(SettingError);
    expect(() => overrideModel(base, overrides)).toThrow(message);
  });
});
