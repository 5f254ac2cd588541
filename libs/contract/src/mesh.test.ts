import { describe, expect, it } from 'vitest';
import {
  FAILED_RESPONSE_CODES,
  ROUTE_KIND_NAMES,
  isFailedResponseCode,
  routeApiVersion,
  routeCrdName,
  workerTrafficLabels,
  workerTrafficSelector,
} from './mesh.js';

describe('failed response codes', () => {
  it.each([
    ['0', true],
    ['500', true],
    ['503', true],
    ['599', true],
    ['200', false],
    ['404', false],
    ['429', false],
    ['5000', false],
    ['', false],
  ])('%s: %s, and the PromQL regex agrees', (code, failed) => {
    expect(isFailedResponseCode(code)).toBe(failed);
    // PromQL regexes are anchored at both ends.
    expect(new RegExp(`^(?:${FAILED_RESPONSE_CODES})$`).test(code)).toBe(failed);
  });
});

describe('the worker traffic of each route kind', () => {
  const matches = (selector: ReturnType<typeof workerTrafficSelector>, labels: Record<string, string>) =>
    Object.entries(selector).every(([k, v]) => (typeof v === 'string' ? labels[k] === v : v.includes(labels[k] ?? '')));

  it.each(ROUTE_KIND_NAMES)('%s: the selector takes the calls to both clusters and nothing else', (kind) => {
    for (const cluster of ['primary', 'burst'] as const)
      expect(matches(workerTrafficSelector(kind), workerTrafficLabels(cluster, 200, kind))).toBe(true);
    const other = ROUTE_KIND_NAMES.find((k) => k !== kind) ?? kind;
    // The other kind's series name other Services: a query of the wrong flavour reads nothing.
    expect(matches(workerTrafficSelector(kind), workerTrafficLabels('burst', 200, other))).toBe(false);
  });

  it('through an HTTPRoute the destination is the backend Service of the cluster', () => {
    expect(workerTrafficLabels('burst', 200, 'HTTPRoute')).toMatchObject({
      destination_service: 'worker-burst.default.svc.cluster.local',
      destination_service_name: 'worker-burst',
      destination_cluster: 'burst',
    });
    expect(workerTrafficLabels('primary', 503)).toMatchObject({
      destination_service: 'worker-service.default.svc.cluster.local',
      destination_service_name: 'worker-service',
    });
    expect(routeApiVersion('HTTPRoute')).toBe('gateway.networking.k8s.io/v1');
    expect(routeApiVersion('VirtualService')).toBe('networking.istio.io/v1');
    expect(routeCrdName('HTTPRoute')).toBe('httproutes.gateway.networking.k8s.io');
    expect(routeCrdName('VirtualService')).toBe('virtualservices.networking.istio.io');
  });
});
