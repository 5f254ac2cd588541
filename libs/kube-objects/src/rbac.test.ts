import { describe, expect, it } from 'vitest';
import { burstScalerRbacRules, isAllowed, watcherRbacRules } from './rbac.js';

const rules = watcherRbacRules('worker-virtual-service');

describe('watcherRbacRules', () => {
  it.each([
    [
      { apiGroup: 'networking.istio.io', resource: 'virtualservices', verb: 'get', name: 'worker-virtual-service' },
      true,
    ],
    [
      { apiGroup: 'networking.istio.io', resource: 'virtualservices', verb: 'patch', name: 'worker-virtual-service' },
      true,
    ],
    [{ apiGroup: 'networking.istio.io', resource: 'virtualservices', verb: 'patch', name: 'frontend' }, false],
    [
      { apiGroup: 'networking.istio.io', resource: 'virtualservices', verb: 'update', name: 'worker-virtual-service' },
      false,
    ],
    [{ apiGroup: 'networking.istio.io', resource: 'virtualservices', verb: 'list' }, false],
    [
      { apiGroup: 'networking.istio.io', resource: 'virtualservices', verb: 'watch', name: 'worker-virtual-service' },
      true,
    ],
    [
      { apiGroup: 'networking.istio.io', resource: 'virtualservices', verb: 'list', name: 'worker-virtual-service' },
      true,
    ],
    [{ apiGroup: 'networking.istio.io', resource: 'virtualservices', verb: 'watch', name: 'frontend' }, false],
    [
      { apiGroup: 'networking.istio.io', resource: 'virtualservices', verb: 'delete', name: 'worker-virtual-service' },
      false,
    ],
    [{ apiGroup: 'coordination.k8s.io', resource: 'leases', verb: 'create' }, true],
    [{ apiGroup: 'coordination.k8s.io', resource: 'leases', verb: 'update', name: 'istiowatcher-leader' }, true],
    [{ apiGroup: 'coordination.k8s.io', resource: 'leases', verb: 'update', name: 'other' }, false],
    [{ apiGroup: '', resource: 'events', verb: 'create' }, true],
    [{ apiGroup: '', resource: 'secrets', verb: 'get' }, false],
  ])('%j allowed: %s', (call, allowed) => {
    expect(isAllowed(rules, call)).toBe(allowed);
  });
});

describe('burstScalerRbacRules', () => {
  const burst = burstScalerRbacRules();
  it.each([
    [{ apiGroup: 'autoscaling', resource: 'horizontalpodautoscalers', verb: 'get', name: 'worker-deployment' }, true],
    [{ apiGroup: 'autoscaling', resource: 'horizontalpodautoscalers', verb: 'patch', name: 'worker-deployment' }, true],
    [
      { apiGroup: 'autoscaling', resource: 'horizontalpodautoscalers', verb: 'update', name: 'worker-deployment' },
      false,
    ],
    [{ apiGroup: 'autoscaling', resource: 'horizontalpodautoscalers', verb: 'patch', name: 'frontend' }, false],
    [{ apiGroup: 'autoscaling', resource: 'horizontalpodautoscalers', verb: 'list' }, false],
    [{ apiGroup: 'apps', resource: 'deployments', verb: 'get', name: 'worker-deployment' }, true],
    [{ apiGroup: 'apps', resource: 'deployments', verb: 'patch', name: 'worker-deployment' }, false],
    [{ apiGroup: 'apps', resource: 'deployments', verb: 'get', name: 'frontend-deployment' }, false],
    [{ apiGroup: 'apps', resource: 'deployments/scale', verb: 'update', name: 'worker-deployment' }, false],
    [{ apiGroup: '', resource: 'events', verb: 'create' }, true],
    [{ apiGroup: '', resource: 'secrets', verb: 'get', name: 'worker-deployment' }, false],
  ])('%o allowed: %s', (call, allowed) => {
    expect(isAllowed(burst, call)).toBe(allowed);
  });
});
