import { describe, expect, it } from 'vitest';
import { istioLabels, pickSubset } from './routing.js';
import { routeFromYaml, weightsFromYaml } from './weights-file.js';

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

  it('through an HTTPRoute, names the backend Service of the cluster, as Istio does', () => {
    expect(istioLabels('burst', 200, 'HTTPRoute')).toMatchObject({
      reporter: 'source',
      source_workload: 'frontend-deployment',
      destination_service: 'worker-burst.default.svc.cluster.local',
      destination_service_name: 'worker-burst',
      destination_cluster: 'burst',
    });
    expect(istioLabels('primary', 200, 'HTTPRoute').destination_service).toBe(
      'worker-primary.default.svc.cluster.local',
    );
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
  it('reads an HTTPRoute and says which kind it found', () => {
    const route = (p: number, b: number) => `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: worker-route
spec:
  parentRefs: [{ group: "", kind: Service, name: worker-service, port: 80 }]
  rules:
    - backendRefs:
        - { name: worker-primary, port: 80, weight: ${p} }
        - { name: worker-burst, port: 80, weight: ${b} }
`;
    expect(routeFromYaml(route(40, 60))).toEqual({ kind: 'HTTPRoute', weights: { primary: 40, burst: 60 } });
    expect(routeFromYaml(vs(100, 0))).toEqual({ kind: 'VirtualService', weights: { primary: 100, burst: 0 } });
    expect(() => routeFromYaml(route(1, 1))).toThrow(/worker-route: invalid weights primary=1 burst=1/);
  });

  it('says what is wrong', () => {
    expect(() => weightsFromYaml('kind: Service\n')).toThrow(/no VirtualService or HTTPRoute/);
    expect(() => weightsFromYaml('kind: VirtualService\nmetadata: { name: v }\nspec: { http: [] }\n')).toThrow(
      /no HTTP route/,
    );
  });
});
