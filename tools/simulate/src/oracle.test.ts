import { describe, expect, it } from 'vitest';
import type { ModelSettings } from './model.js';
import { lookaheadMax, runOracle } from './oracle.js';

const model = {
  primaryCapacityRps: 10,
  burstPodCapacityRps: 10,
  burstMinPods: 1,
  burstMaxPods: 3,
  hpaTargetUtilization: 1,
  podStartSeconds: 2,
  podsPerNode: 2,
  burstMinNodes: 1,
  nodeProvisionSeconds: 5,
} as ModelSettings;

const trace = (rps: number[]) => ({ name: 't', rps: Float64Array.from(rps) });

describe('lookaheadMax', () => {
  it.each<[number[], number, number[]]>([
    [[0, 0, 3, 0, 0, 1], 2, [3, 3, 3, 1, 1, 1]],
    [[5, 1, 1, 1], 0, [5, 1, 1, 1]],
    [[1, 2, 3, 2, 1], 10, [3, 3, 3, 2, 1]],
  ])('%j over %i seconds ahead', (values, span, expected) => {
    expect(Array.from(lookaheadMax(Int32Array.from(values), span))).toEqual(expected);
  });
});

describe('the oracle', () => {
  it('below capacity: all on primary, nothing on burst, no change', () => {
    const f = runOracle(trace([5, 8, 10, 3]), model);
    expect(f).toMatchObject({ servedShare: 1, overloadRequests: 0, burstPodSeconds: 0, weightChanges: 0 });
  });

  it('above: primary gets at most its capacity, pods start podStartSeconds ahead and stop when not needed', () => {
    // Second 4: primary gets floor(100 x 10 / 30) = 33% (9.9 req/s), burst 20.1: 3 pods, two beyond the minimum.
    const f = runOracle(trace([5, 5, 5, 5, 30, 5, 5, 5]), model);
    expect(f.servedShare).toBe(1);
    expect(f.overloadRequests).toBe(0);
    // The extra pods exist in seconds 2, 3 and 4.
    expect(f.burstPodSeconds).toBe(2 * 3);
    // Weights 100 -> 33 -> 100.
    expect(f.weightChanges).toBe(2);
    expect(f.timeToBurstSeconds).toBe(0);
  });

  it('runs the pods the autoscaler settles on for the load (its target utilization)', () => {
    // 20.1 req/s on burst at a 50% target of 10 req/s pods: 5 pods wanted, 3 at most.
    const f = runOracle(trace([5, 5, 5, 5, 30, 5, 5, 5]), { ...model, hpaTargetUtilization: 0.5 });
    expect(f.burstPodSeconds).toBe(2 * 3);
    const g = runOracle(trace([5, 5, 5, 5, 14, 5, 5, 5]), { ...model, hpaTargetUtilization: 0.5 });
    // 14 req/s: primary 71% (9.94), burst 4.06 at 5 req/s per pod: 1 pod, the minimum.
    expect(g.burstPodSeconds).toBe(0);
  });

  it('overload only beyond both sides at full size; nodes start ahead too', () => {
    // 60 req/s: primary 16% (9.6), burst 50.4 > 3 pods x 10.
    const f = runOracle(trace([0, 0, 0, 0, 0, 0, 0, 60, 0]), model);
    expect(f.overloadRequests).toBeCloseTo(20.4, 6);
    expect(f.servedShare).toBeCloseTo(1 - 20.4 / 60, 6);
    // 3 pods need a second node, there from 5 s before the pods start (second 5) to second 7.
    expect(f.burstNodeMinutes * 60).toBe(8);
    expect(f.burstPodSeconds).toBe(2 * 3);
  });
});
