import { describe, expect, it } from 'vitest';
import { chartSvg } from './chart.js';
import type { PolicyFigures } from './figures.js';

const figures: PolicyFigures = {
  name: 'ours',
  servedShare: 0.99,
  overloadRequests: 10,
  burstPodSeconds: 120,
  burstNodeMinutes: 0,
  weightChanges: 2,
  rollbacks: 0,
  timeToBurstSeconds: 31,
  timeToBurstMaxSeconds: 31,
  overloadEpisodes: 1,
  missedEpisodes: 0,
  requests: 12_000,
};

function record(seconds: number) {
  const burstWeight = new Float32Array(seconds);
  burstWeight.fill(100, seconds / 2);
  const overload = new Float32Array(seconds);
  overload[seconds / 2 + 1] = 7;
  return {
    observed: new Float32Array(seconds).fill(NaN).fill(12, 10),
    burstWeight,
    burstCapacity: new Float32Array(seconds).fill(15),
    overload,
  };
}

describe('chartSvg', () => {
  it('draws load, reading, both capacities, overload and the weight with a legend and the figures', () => {
    const svg = chartSvg({
      title: 'steps: ours <local>',
      load: new Float64Array(600).fill(20),
      record: record(600),
      primaryCapacity: 15,
      figures,
    });
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg" width="1200" height="640"')).toBe(true);
    expect(svg.trim().endsWith('</svg>')).toBe(true);
    expect(svg).toContain('steps: ours &lt;local&gt;');
    for (const label of ['offered load', "watcher's reading", 'primary capacity', 'burst capacity', 'overload'])
      expect(svg).toContain(label);
    expect(svg).toContain('served 99.00%, overload 10 req, 2 weight changes, burst 120 pod-s, to burst 31 s (median)');
    expect(svg.match(/<path /g)).toHaveLength(6);
    expect(svg).not.toMatch(/NaN|Infinity/);
  });

  it('a month is drawn in at most one column per pixel, and a one-second overload still shows', () => {
    const seconds = 30 * 86_400;
    const svg = chartSvg({
      title: 'daily',
      load: new Float64Array(seconds).fill(5),
      record: record(seconds),
      primaryCapacity: 15,
      figures,
    });
    const overloadPath = /<path d="([^"]+)" fill="#d62728"/.exec(svg)?.[1] ?? '';
    const points = overloadPath.split('L');
    expect(points.length).toBeLessThanOrEqual(1200);
    expect(points.some((p) => Number(p.split(',')[1]) < 418)).toBe(true);
    expect(svg).toContain('day 7');
  });
});
