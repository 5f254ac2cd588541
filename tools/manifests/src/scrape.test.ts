// How Istio's Prometheus addon (samples/addons/prometheus.yaml, job `kubernetes-pods`) finds the
// apps' /metrics: pods annotated prometheus.io/scrape, port and path. With a sidecar, Istio's
// metrics merging rewrites those annotations to the agent's port 15020, which serves Envoy's
// istio_* metrics and the app's own together, in plain HTTP past STRICT mTLS. So every pod must
// carry the annotations with the port its app serves /metrics on, keep its sidecar and merging,
// and no NetworkPolicy may shut Prometheus (in istio-system) out of 15020.
import { describe, expect, it } from 'vitest';
import { PORTS } from '@string-hashr/contract';
import { DEFAULT_CONFIG_PATH, loadConfig } from './config.js';
import { layout } from './layout.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Doc = Record<string, any>;

const MERGED_METRICS_PORT = 15020;
const PROMETHEUS_NAMESPACE = 'istio-system';

const docs: Array<{ dir: string; doc: Doc }> = layout(loadConfig(DEFAULT_CONFIG_PATH)).flatMap((folder) =>
  folder.files.flatMap((f) => f.resources.map((r) => ({ dir: folder.dir, doc: r.toJSON() as Doc }))),
);
const deployments = docs.filter((d) => d.doc.kind === 'Deployment');
const deployment = (dir: string, name: string): Doc => {
  const found = deployments.find((d) => d.dir === dir && d.doc.metadata.name === name)?.doc;
  if (!found) throw new Error(`no Deployment ${name} in ${dir}`);
  return found;
};

/** Whether a NetworkPolicy lets a pod in `namespace` reach `port` of the pod with `labels`. */
function admits(
  policies: Doc[],
  pod: { namespace: string; labels: Record<string, string> },
  from: string,
  port: number,
): boolean {
  const selecting = policies.filter(
    (p) =>
      p.metadata.namespace === pod.namespace &&
      (p.spec.policyTypes ?? ['Ingress']).includes('Ingress') &&
      Object.entries(p.spec.podSelector?.matchLabels ?? {}).every(([k, v]) => pod.labels[k] === v),
  );
  if (selecting.length === 0) return true;
  const peerAdmits = (peer: Doc) =>
    peer.namespaceSelector !== undefined &&
    !peer.ipBlock &&
    Object.entries(peer.namespaceSelector.matchLabels ?? {}).every(
      ([k, v]) => k === 'kubernetes.io/metadata.name' && v === from,
    );
  const portAdmits = (p: Doc) =>
    p.port === undefined || p.port === port || (typeof p.port === 'number' && p.endPort >= port && p.port <= port);
  return selecting.some((p) =>
    (p.spec.ingress ?? []).some(
      (rule: Doc) =>
        (rule.from === undefined || rule.from.some(peerAdmits)) &&
        (rule.ports === undefined || rule.ports.some(portAdmits)),
    ),
  );
}

describe('Prometheus finds every app pod', () => {
  it.each([
    ['k8s/primary', 'frontend-deployment', PORTS.frontend],
    ['k8s/primary', 'worker-deployment', PORTS.worker],
    ['k8s/routing/virtualservice/primary', 'istiowatcher', PORTS.istiowatcher],
    ['k8s/routing/gateway-api/primary', 'istiowatcher', PORTS.istiowatcher],
    ['k8s/burst', 'worker-deployment', PORTS.worker],
  ])('%s %s: prometheus.io/scrape, port %i (the port its app listens on), path /metrics', (dir, name, port) => {
    const pod = deployment(dir, name).spec.template;
    expect(pod.metadata.annotations).toMatchObject({
      'prometheus.io/scrape': 'true',
      'prometheus.io/port': String(port),
      'prometheus.io/path': '/metrics',
    });
    const container = pod.spec.containers[0];
    expect(container.ports.map((p: Doc) => p.containerPort)).toContain(port);
    expect(container.env.find((e: Doc) => e.name === 'PORT')?.value).toBe(String(port));
  });

  it('keeps the sidecar and its metrics merging on every scraped pod (the merged port passes STRICT mTLS)', () => {
    for (const { doc } of deployments) {
      const { metadata } = doc.spec.template;
      if (metadata.annotations?.['prometheus.io/scrape'] !== 'true') continue;
      const both = { ...metadata.labels, ...metadata.annotations };
      expect(both['sidecar.istio.io/inject'], doc.metadata.name).not.toBe('false');
      expect(both['prometheus.istio.io/merge-metrics'], doc.metadata.name).not.toBe('false');
    }
  });

  it('no NetworkPolicy shuts Prometheus out of the merged metrics port', () => {
    const policies = docs.filter((d) => d.doc.kind === 'NetworkPolicy').map((d) => d.doc);
    for (const { doc } of deployments) {
      const { metadata } = doc.spec.template;
      if (metadata.annotations?.['prometheus.io/scrape'] !== 'true') continue;
      const pod = { namespace: doc.metadata.namespace, labels: metadata.labels };
      expect(admits(policies, pod, PROMETHEUS_NAMESPACE, MERGED_METRICS_PORT), doc.metadata.name).toBe(true);
    }
  });
});

describe('admits (the NetworkPolicy reading the test above relies on)', () => {
  const pod = { namespace: 'default', labels: { app: 'istiowatcher' } };
  const policy = (spec: Doc, namespace = 'default'): Doc => ({ metadata: { namespace }, spec });
  const fromIstio = { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': PROMETHEUS_NAMESPACE } } };
  it.each([
    ['no policy', [], true],
    ['a policy in another namespace', [policy({ podSelector: {}, ingress: [] }, 'other')], true],
    ['a deny-all ingress policy', [policy({ podSelector: {}, policyTypes: ['Ingress'] })], false],
    ['an egress-only policy', [policy({ podSelector: {}, policyTypes: ['Egress'] })], true],
    [
      'only the frontend may call it',
      [
        policy({
          podSelector: { matchLabels: { app: 'istiowatcher' } },
          ingress: [{ from: [{ podSelector: { matchLabels: { app: 'frontend' } } }] }],
        }),
      ],
      false,
    ],
    [
      'istio-system on 15020',
      [policy({ podSelector: {}, ingress: [{ from: [fromIstio], ports: [{ port: 15020 }] }] })],
      true,
    ],
    [
      'istio-system on 9102 only',
      [policy({ podSelector: {}, ingress: [{ from: [fromIstio], ports: [{ port: 9102 }] }] })],
      false,
    ],
    [
      'istio-system on 15000-15100',
      [policy({ podSelector: {}, ingress: [{ from: [fromIstio], ports: [{ port: 15000, endPort: 15100 }] }] })],
      true,
    ],
    ['any namespace, any port', [policy({ podSelector: {}, ingress: [{ from: [{ namespaceSelector: {} }] }] })], true],
    [
      'a policy for other pods',
      [policy({ podSelector: { matchLabels: { app: 'redis' } }, policyTypes: ['Ingress'] })],
      true,
    ],
  ])('%s', (_, policies, expected) => {
    expect(admits(policies as Doc[], pod, PROMETHEUS_NAMESPACE, MERGED_METRICS_PORT)).toBe(expected);
  });
});
