import { describe, expect, it } from 'vitest';
import { istioLabels, pickSubset } from './routing.js';
import { weightsFromYaml } from './weights-file.js';

describe('pickSubset', () => {
  it.each([
    [{ primary: 100, burst: 0 }, 0, 'primary'],
    [{ primary: 100, burst: 0 }, 0.9999, 'primary'],
    [{ primary: 0, burst: 100 }, 0, 'burst'],
    [{ primary: 70, burst: 30 }, 0.6999, 'primary'],
    [{ primary: 70, burst: 30 }, 0.7, 'burst'],
    [{ primary: 50, burst: 50 }, 0.5, 'burst'],
  ] as const)('%j with random %f -> %s', (weights, random, subset) => {
    expect(pickSubset(weights, random)).toBe(subset);
  });

  it('splits by the weights over many picks', () => {
    let burst = 0;
    for (let i = 0; i < 10_000; i++) if (pickSubset({ primary: 60, burst: 40 }, i / 10_000) === 'burst') burst++;
    expect(burst).toBe(4000);
  });
});

describe('istioLabels', () => {
  it('uses the label names and values the watcher query selects on', () => {
    expect(istioLabels('burst', 503)).toMatchObject({
      reporter: 'source',
      source_workload: 'frontend-deployment',
      destination_service: 'worker-service.default.svc.cluster.local',
      destination_cluster: 'burst',
      response_code: '503',
    });
  });
});

describe('weightsFromYaml', () => {
  const vs = (p: number, b: number) => `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: worker-virtual-service
spec:
  hosts: [worker-service]
  http:
    - route:
        - destination: { host: worker-service.default.svc.cluster.local, subset: primary }
          weight: ${p}
        - destination: { host: worker-service.default.svc.cluster.local, subset: burst }
          weight: ${b}
`;
  it('reads the weights, also after other documents', () => {
    expect(weightsFromYaml(vs(100, 0))).toEqual({ primary: 100, burst: 0 });
    expect(
      weightsFromYaml(
        `apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: { name: x }\n---\n${vs(30, 70)}`,
      ),
    ).toEqual({ primary: 30, burst: 70 });
  });
  it('says what is wrong', () => {
    expect(() => weightsFromYaml('kind: Service\n')).toThrow(/no VirtualService/);
    expect(() => weightsFromYaml('kind: VirtualService\nmetadata: { name: v }\nspec: { http: [] }\n')).toThrow(
      /no HTTP route/,
    );
  });
});
