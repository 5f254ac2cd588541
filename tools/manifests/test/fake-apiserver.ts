/**
 * Just enough of a Kubernetes API server for `kubectl apply --dry-run=client`: discovery for the
 * kinds the manifests use, and 404 for every object (so kubectl plans a create). Lets a test run
 * the real kubectl over the real folders without a cluster.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

const RESOURCES: Record<string, Array<[plural: string, kind: string, namespaced: boolean]>> = {
  v1: [
    ['namespaces', 'Namespace', false],
    ['services', 'Service', true],
    ['serviceaccounts', 'ServiceAccount', true],
  ],
  'apps/v1': [['deployments', 'Deployment', true]],
  'autoscaling/v2': [['horizontalpodautoscalers', 'HorizontalPodAutoscaler', true]],
  'networking.k8s.io/v1': [['networkpolicies', 'NetworkPolicy', true]],
  'rbac.authorization.k8s.io/v1': [
    ['roles', 'Role', true],
    ['rolebindings', 'RoleBinding', true],
  ],
  'networking.istio.io/v1': [
    ['gateways', 'Gateway', true],
    ['virtualservices', 'VirtualService', true],
    ['destinationrules', 'DestinationRule', true],
  ],
  'security.istio.io/v1': [
    ['peerauthentications', 'PeerAuthentication', true],
    ['authorizationpolicies', 'AuthorizationPolicy', true],
  ],
};

const groups = Object.keys(RESOURCES).filter((gv) => gv.includes('/'));

function body(path: string): unknown {
  if (path === '/api') return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [] };
  if (path === '/apis') {
    return {
      kind: 'APIGroupList',
      apiVersion: 'v1',
      groups: groups.map((gv) => {
        const [group, version] = gv.split('/');
        return {
          name: group,
          versions: [{ groupVersion: gv, version }],
          preferredVersion: { groupVersion: gv, version },
        };
      }),
    };
  }
  if (path === '/version') return { major: '1', minor: '32', gitVersion: 'v1.32.0' };
  const gv = path === '/api/v1' ? 'v1' : path.startsWith('/apis/') ? path.slice('/apis/'.length) : undefined;
  if (gv && RESOURCES[gv]) {
    return {
      kind: 'APIResourceList',
      apiVersion: 'v1',
      groupVersion: gv,
      resources: RESOURCES[gv].map(([name, kind, namespaced]) => ({
        name,
        singularName: kind.toLowerCase(),
        namespaced,
        kind,
        verbs: ['create', 'get', 'list', 'patch', 'update', 'delete'],
      })),
    };
  }
  return undefined;
}

export async function startFakeApiServer(): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const found = body(path);
    res.setHeader('Content-Type', 'application/json');
    if (found) {
      res.end(JSON.stringify(found));
      return;
    }
    res.statusCode = 404;
    res.end(
      JSON.stringify({
        kind: 'Status',
        apiVersion: 'v1',
        status: 'Failure',
        reason: 'NotFound',
        code: 404,
        message: `${path} not found`,
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
