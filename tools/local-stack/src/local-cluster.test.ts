import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { findRepoRoot } from '@string-hashr/runtime';
import type { RouteKind } from '@string-hashr/contract';
import { serviceAccountKubeconfig, watcherManifests, watcherObjects } from './local-cluster.js';

const root = findRepoRoot(path.dirname(fileURLToPath(import.meta.url)));
const read = (file: string) => readFileSync(path.join(root, file), 'utf8');

describe('watcherObjects, from the generated manifests', () => {
  it.each<[RouteKind, string]>([
    ['VirtualService', 'worker-virtual-service'],
    ['HTTPRoute', 'worker-route'],
  ])('%s: the ServiceAccount, Role and RoleBinding (no Deployment or Service), and the route %s', (kind, name) => {
    const files = watcherManifests(kind);
    const objects = watcherObjects(read(files.rbac), read(files.route), kind);
    expect(objects.map((o) => `${o.kind}/${o.metadata?.name}`)).toEqual([
      'ServiceAccount/istiowatcher',
      'Role/istiowatcher',
      'RoleBinding/istiowatcher',
      `${kind}/${name}`,
    ]);
  });

  it.each([
    ['a manifest without the Role', 'kind: ServiceAccount\nmetadata: {name: istiowatcher}\n', /no Role, RoleBinding/],
  ])('refuses %s', (_, rbac, message) => {
    expect(() => watcherObjects(rbac, read('istio-manifests/states/natural.yaml'), 'VirtualService')).toThrow(message);
  });

  it('refuses a route file without the route of that kind', () => {
    const files = watcherManifests('VirtualService');
    expect(() => watcherObjects(read(files.rbac), read(files.route), 'HTTPRoute')).toThrow(/no HTTPRoute worker-route/);
  });
});

describe('serviceAccountKubeconfig', () => {
  const admin = [
    'apiVersion: v1',
    'kind: Config',
    'clusters: [{name: cp, cluster: {server: "https://127.0.0.1:6443", insecure-skip-tls-verify: true}}]',
    'users: [{name: admin, user: {token: admin-secret}}]',
    'contexts: [{name: admin, context: {cluster: cp, user: admin, namespace: kube-system}}]',
    'current-context: admin',
  ].join('\n');

  it('keeps the server, replaces the credentials by the token and sets the namespace', () => {
    const config = parse(serviceAccountKubeconfig(admin, 'sa-token', 'default'));
    expect(config.clusters).toEqual(parse(admin).clusters);
    expect(config.users).toEqual([{ name: 'admin', user: { token: 'sa-token' } }]);
    expect(config.contexts[0].context).toEqual({ cluster: 'cp', user: 'admin', namespace: 'default' });
    expect(JSON.stringify(config)).not.toContain('admin-secret');
  });

  it('refuses a kubeconfig without a user', () => {
    expect(() => serviceAccountKubeconfig('apiVersion: v1\nkind: Config\n', 't', 'default')).toThrow(/no user/);
  });
});
