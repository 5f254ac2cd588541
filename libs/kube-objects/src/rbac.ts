import { LEADER_LEASE_NAME } from '@string-hashr/contract';

/**
 * Every Kubernetes API call the istiowatcher makes, as RBAC rules. The manifest generator turns
 * these into the watcher's Role, and the watcher's tests check each call it makes against them:
 * one list, so the Role can be neither short of a verb nor carry one more.
 */
export interface ApiRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  /** Limits the rule to these objects; create cannot be limited by name in RBAC. */
  resourceNames?: string[];
}

export function watcherRbacRules(virtualServiceName: string, leaseName = LEADER_LEASE_NAME): ApiRule[] {
  return [
    // list and watch are asked with fieldSelector=metadata.name=<name>, which RBAC checks against
    // resourceNames as it does for get: the watcher can see no other VirtualService.
    {
      apiGroups: ['networking.istio.io'],
      resources: ['virtualservices'],
      verbs: ['get', 'list', 'watch', 'patch'],
      resourceNames: [virtualServiceName],
    },
    { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create'] },
    { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'update'], resourceNames: [leaseName] },
    { apiGroups: [''], resources: ['events'], verbs: ['create'] },
  ];
}

/** Whether `rules` allow one call; used by tests that record the calls a watcher really makes. */
export function isAllowed(
  rules: ApiRule[],
  call: { apiGroup: string; resource: string; verb: string; name?: string },
): boolean {
  return rules.some(
    (rule) =>
      rule.apiGroups.includes(call.apiGroup) &&
      rule.resources.includes(call.resource) &&
      rule.verbs.includes(call.verb) &&
      (!rule.resourceNames || (call.name !== undefined && rule.resourceNames.includes(call.name))),
  );
}
