// The built watcher end to end on a real Prometheus (1 s scrape) with the file router: steps climb
// while the burst side is healthy, come back in one move, and roll back when it fails.
import { describe, expect, it } from 'vitest';
import { waitFor } from '@string-hashr/testing';
import { usePrometheusLab } from './prometheus-lab.js';
import { loggedChanges, vsFileWeights, watcherMetrics } from './support.js';

const lab = usePrometheusLab();

describe('the built watcher on a real Prometheus, file router', () => {
  it('climbs 75/25, 50/50, 25/75, 0/100 a step at a time; comes back in one move; stops climbing and rolls back when the burst side fails', async () => {
    const {
      proc: watcher,
      port,
      file,
    } = await lab.watcherAt(5, {
      WATCHER_MIN_DWELL_SECONDS: '0',
      WATCHER_STEP_PERCENT: '25',
      WATCHER_STEP_SECONDS: '4',
    });
    lab.routedBy = file;
    try {
      lab.exporter.setRate(30);
      await waitFor('burst 100', () => vsFileWeights(file).burst === 100, 60_000, 100);
      expect(await loggedChanges(watcher, 4)).toEqual(['75/25', '50/50', '25/75', '0/100']);
      expect(watcher.output()).toMatch(/weights changed .*weights=50\/50 .*step 75\/25 -> 50\/50.*kind=step/);

      lab.exporter.setRate(5);
      await waitFor('back to natural', () => vsFileWeights(file).primary === 100, 30_000, 100);
      expect((await loggedChanges(watcher, 5)).slice(4)).toEqual(['100/0']);

      // The second climb: the burst side fails as soon as it gets its first 25%.
      lab.exporter.setRate(30);
      await waitFor('the first step', () => vsFileWeights(file).burst === 25, 30_000, 50);
      lab.exporter.setBurstFailure(1);
      await waitFor('rolled back', () => vsFileWeights(file).primary === 100, 30_000, 100);
      expect((await loggedChanges(watcher, 7)).slice(5)).toEqual(['75/25', '100/0']);
      expect(watcher.output()).toMatch(
        /warn istiowatcher: rolled back: the burst side failed the health gate .*reason="burst side failing 2\/2: success rate 0\.\d+ < 0\.95/,
      );
      const metrics = await watcherMetrics(port);
      expect(metrics.get('istiowatcher_rollbacks_total')).toBe(1);
      expect(metrics.get('istiowatcher_phase{phase="unhealthy"}')).toBe(1);
      // The load stays high: in the cool-down it does not burst again.
      await waitFor('a cool-down decision', () => /kind=cooldown/.test(watcher.output()), 10_000, 200);
      expect(vsFileWeights(file)).toEqual({ primary: 100, burst: 0 });
    } finally {
      lab.routedBy = undefined;
      lab.exporter.setBurstFailure(0);
    }
    expect(await watcher.stop()).toBe(0);
  });
});
