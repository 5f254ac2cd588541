import { DEFAULT_ROUTE_KIND, LEADER_LEASE_NAME, ROUTE_KINDS, type RouteKind } from '@string-hashr/contract';

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

/** The calls on the worker route, of either kind (ROUTE_KINDS), named `routeName`. */
export function routeRbacRule(routeName: string, kind: RouteKind = DEFAULT_ROUTE_KIND): ApiRule {
  // list and watch are asked with fieldSelector=metadata.name=<name>, which RBAC checks against
  // resourceNames as it does for get: the watcher can see no other route.
  return {
    apiGroups: [ROUTE_KINDS[kind].group],
    resources: [ROUTE_KINDS[kind].plural],
    verbs: ['get', 'list', 'watch', 'patch'],
    resourceNames: [routeName],
  };
}

export function watcherRbacRules(
  routeName: string,
  leaseName = LEADER_LEASE_NAME,
  kind: RouteKind = DEFAULT_ROUTE_KIND,
): ApiRule[] {
  return [
    routeRbacRule(routeName, kind),
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
