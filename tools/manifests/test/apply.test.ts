// Every generated manifest against the real thing: kube-apiserver (its schemas, the CRDs' schemas,
// PodSecurity `restricted`) by `kubectl apply --server-side`, and Istio's own validation by
// istioctl, both built from the pinned releases (tools/control-plane). The trees are globbed, so a
// new file is covered without an entry here.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments, stringify } from 'yaml';
import { describeResult, runTool, startControlPlane, type TestControlPlane } from '@string-hashr/testing';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const TREES = ['k8s', 'istio-manifests'];

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Doc = Record<string, any>;

function yamlFiles(dir: string): string[] {
  return readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const rel = path.join(dir, entry.name);
    if (entry.isDirectory()) return yamlFiles(rel);
    return entry.name.endsWith('.yaml') ? [rel] : [];
  });
}

const files = TREES.flatMap(yamlFiles).map((file) => ({
  file,
  docs: parseAllDocuments(readFileSync(path.join(root, file), 'utf8')).map((doc) => doc.toJS() as Doc),
}));
const isObject = (doc: Doc) => typeof doc?.apiVersion === 'string' && typeof doc?.kind === 'string';
/** istioctl's input (`istioctl install -f`), never applied to a cluster. */
const isInstallInput = (doc: Doc) => doc.kind === 'IstioOperator';
const isIstio = (doc: Doc) => /\.istio\.io\//.test(doc.apiVersion);

// A file of objects is applied; the addon patches (fragments for `kubectl patch`, applied to the
// addons' objects on a real server in grafana.test.ts and alerts.test.ts) and istioctl's install
// input are not objects of a cluster.
const applied = files
  .filter(({ docs }) => docs.every(isObject) && !docs.some(isInstallInput))
  // Namespaces before what goes in them.
  .sort(
    (a, b) => Number(b.docs.some((d) => d.kind === 'Namespace')) - Number(a.docs.some((d) => d.kind === 'Namespace')),
  );
const istioFiles = files.filter(({ docs }) => docs.some((doc) => isObject(doc) && isIstio(doc)));
const namespacesUsed = [
  ...new Set(files.flatMap(({ docs }) => docs.map((doc) => doc?.metadata?.namespace)).filter(Boolean)),
] as string[];

const RESTRICTED = 'pod-security.kubernetes.io/enforce=restricted';

describe('the generated manifests on a real API server', () => {
  let cp: TestControlPlane;
  beforeAll(async () => {
    cp = await startControlPlane();
    // The namespaces the manifests use but do not make (istio-system comes with Istio), as strict.
    for (const namespace of namespacesUsed) {
      if ((await cp.kubectl(['get', 'namespace', namespace])).code !== 0)
        await cp.kubectl(['create', 'namespace', namespace]);
      await cp.kubectl(['label', '--overwrite', 'namespace', namespace, RESTRICTED]);
    }
  });
  afterAll(async () => {
    await cp?.stop();
  });

  it('covers both clusters and the Istio objects', () => {
    const folders = new Set(applied.map(({ file }) => path.dirname(file)));
    expect([...folders]).toEqual(
      expect.arrayContaining(['k8s/primary', 'k8s/burst', 'istio-manifests', 'istio-manifests/states']),
    );
    expect(applied.flatMap(({ docs }) => docs).length).toBeGreaterThan(40);
  });

  it.each(applied.map(({ file }) => [file]))(
    '%s: kubectl apply --server-side accepts it, with no warning',
    async (file) => {
      const result = await cp.kubectl([
        'apply',
        '--server-side',
        '--field-manager=string-hashr-manifests',
        '-f',
        path.join(root, file),
      ]);
      expect(result.code, describeResult(result)).toBe(0);
      expect(result.stderr).toBe('');
      expect(result.stdout).toMatch(/serverside-applied/);
    },
  );

  it('the namespaces of the workloads enforce PodSecurity restricted', async () => {
    const workloadNamespaces = new Set(
      applied.flatMap(({ docs }) =>
        docs.filter((d) => d.kind === 'Deployment').map((d) => d.metadata.namespace as string),
      ),
    );
    for (const namespace of workloadNamespaces) {
      const labels = await cp.kubectl(['get', 'namespace', namespace, '-o', 'jsonpath={.metadata.labels}']);
      expect(JSON.parse(labels.stdout)).toMatchObject({ 'pod-security.kubernetes.io/enforce': 'restricted' });
    }
  });

  it('a privileged pod is refused there: the check can fail', async () => {
    const namespace = 'default';
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'privileged', namespace },
      spec: {
        automountServiceAccountToken: false,
        containers: [{ name: 'main', image: 'busybox', securityContext: { privileged: true } }],
      },
    };
    // The pod's ServiceAccount must exist for admission to reach PodSecurity (no controller makes it here).
    if ((await cp.kubectl(['get', 'serviceaccount', 'default', '-n', namespace])).code !== 0)
      await cp.kubectl(['create', 'serviceaccount', 'default', '-n', namespace]);
    const result = await cp.kubectl(['apply', '--server-side', '-f', '-'], { input: stringify(pod) });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('violates PodSecurity "restricted:latest"');
    expect(result.stderr).toContain('privileged');
  });

  it.each([
    [
      'a weight that is not a number',
      { weight: 'fifty' },
      /\.spec\.http\[0\]\.route\[0\]\.weight: expected numeric \(int or float\), got string/,
    ],
    ['an unknown field', { weigth: 50 }, /\.spec\.http\[0\]\.route\[0\]\.weigth: field not declared in schema/],
  ])('a VirtualService with %s is refused', async (_, fields, message) => {
    const virtualService = {
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name: 'malformed', namespace: 'default' },
      spec: { hosts: ['worker'], http: [{ route: [{ destination: { host: 'worker' }, ...fields }] }] },
    };
    const result = await cp.kubectl(['apply', '--server-side', '-f', '-'], { input: stringify(virtualService) });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(message);
    expect((await cp.kubectl(['get', 'virtualservice', 'malformed', '-n', 'default'])).code).not.toBe(0);
  });

  it.each(istioFiles.map(({ file }) => [file]))('%s: istioctl validate finds nothing', async (file) => {
    const result = await runTool(cp.istioctlPath, ['validate', '-f', path.join(root, file)]);
    expect(result.code, describeResult(result)).toBe(0);
    expect(`${result.stdout}${result.stderr}`).not.toMatch(/warn|error/i);
  });

  it('istioctl analyze --use-kube=false on every object finds nothing', async () => {
    const objects = applied.map(({ file }) => path.join(root, file));
    const result = await runTool(cp.istioctlPath, ['analyze', '--use-kube=false', '--all-namespaces', ...objects]);
    expect(result.code, describeResult(result)).toBe(0);
    expect(`${result.stdout}${result.stderr}`).toMatch(/No validation issues found/);
  });
});
