// The burst worker's autoscaler: its scale-down window follows who holds the floor.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG_PATH, loadConfig, type ManifestConfig } from './config.js';
import { workerAutoscaler } from './workloads.js';

const configPath = path.join(path.resolve(import.meta.dirname, '../../..'), DEFAULT_CONFIG_PATH);
const shipped = loadConfig(configPath);
const withWarm = (warm: string | undefined): ManifestConfig => {
  const { BURST_WARM: _, ...watcher } = shipped.watcher;
  return { ...shipped, watcher: warm === undefined ? watcher : { ...watcher, BURST_WARM: warm } };
};
const windowOf = (config: ManifestConfig) =>
  workerAutoscaler(config).spec?.behavior?.scaleDown?.stabilizationWindowSeconds;

describe('the burst worker autoscaler', () => {
  it.each([
    [undefined, shipped.burstAutoscaling.scaleDownStabilizationSeconds],
    ['off', shipped.burstAutoscaling.scaleDownStabilizationSeconds],
    ['metric', shipped.burstAutoscaling.scaleDownStabilizationSeconds],
    ['min-replicas', shipped.burstAutoscaling.warmScaleDownStabilizationSeconds],
  ])('BURST_WARM=%s: scales down after the window of config.yaml for it (%ss)', (warm, seconds) => {
    expect(windowOf(withWarm(warm))).toBe(seconds);
  });

  it('the two windows differ as shipped: the watcher holding the floor shortens the HPA own', () => {
    const { scaleDownStabilizationSeconds, warmScaleDownStabilizationSeconds } = shipped.burstAutoscaling;
    expect(warmScaleDownStabilizationSeconds).toBeLessThan(scaleDownStabilizationSeconds);
  });

  it.each(['scaleDownStabilizationSeconds: 120', 'warmScaleDownStabilizationSeconds: 30'])(
    'refuses a window that is not whole seconds (%s), naming it',
    (line) => {
      const key = line.split(':')[0] ?? '';
      const dir = mkdtempSync(path.join(tmpdir(), 'config-'));
      try {
        const file = path.join(dir, 'config.yaml');
        writeFileSync(file, readFileSync(configPath, 'utf8').replace(line, `${key}: 1.5`));
        expect(() => loadConfig(file)).toThrow(`burstAutoscaling.${key} must be whole seconds from 0 to 3600`);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
