import { describe, expect, it } from 'vitest';
import { isAllowed, watcherRbacRules } from './rbac.js';

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
