import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { ALL_BURST, NATURAL } from '@string-hashr/policy';
import { readWeights, watcherRbacRules } from '@string-hashr/kube-objects';
import { defaultWatcherQuery } from '@string-hashr/metric-reading';
import { describeResult, startControlPlane, type TestControlPlane } from '@string-hashr/testing';
import * as apps from 'kubernetes-models/apps/v1';
import * as autoscaling from 'kubernetes-models/autoscaling/v2';
import * as networkingK8s from 'kubernetes-models/networking.k8s.io/v1';
import * as rbac from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import * as core from 'kubernetes-models/v1';
import * as install from '@kubernetes-models/istio/install.istio.io/v1alpha1';
import * as networking from '@kubernetes-models/istio/networking.istio.io/v1beta1';
import * as security from '@kubernetes-models/istio/security.istio.io/v1';
import * as securityBeta from '@kubernetes-models/istio/security.istio.io/v1beta1';
import * as telemetry from '@kubernetes-models/istio/telemetry.istio.io/v1alpha1';
import { loadConfig, DEFAULT_CONFIG_PATH } from './src/config.js';
import { deployedDirs, generate, KUSTOMIZATION_FILE, layout } from './src/layout.js';
import { GatewayApiObject } from './src/gateway-api.js';
import { generateFromArgs } from './src/cli.js';
import { ADDONS_DIR, GRAFANA_FILES } from './src/grafana.js';
import * as prometheusOperator from './src/alerts.js';
import { PROMOTED_API_VERSIONS } from './src/render.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
process.chdir(root);

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Doc = Record<string, any>;

const config = loadConfig(DEFAULT_CONFIG_PATH);
const committed = generate(config, 'npm run manifests');
const docsOf = (content: string): Doc[] =>
  parseAllDocuments(content).map((d) => {
    if (d.errors.length) throw d.errors[0];
    return d.toJS() as Doc;
  });
const filesIn = (dir: string) => committed.filter((f) => path.dirname(f.path) === dir && f.path.endsWith('.yaml'));
/** The documents of the folder's own files: what `kubectl apply -f <dir>` reads. */
const ownDocsIn = (dir: string) => filesIn(dir).flatMap((f) => docsOf(f.content));
/** With its kustomize Components (the routing flavour config.routing names): what `kubectl apply -k <dir>` deploys. */
const docsIn = (dir: string) => deployedDirs(config, dir).flatMap(ownDocsIn);
const find = (docs: Doc[], kind: string, name: string) => {
  const doc = docs.find((d) => d.kind === kind && d.metadata?.name === name);
  if (!doc) throw new Error(`no ${kind} ${name}`);
  return doc;
};

/** Every model class by "apiVersion/kind", with the promoted Istio versions mapped back to the model that checks them. */
const models = new Map<string, new (data: Doc) => { validate(): void }>();
for (const module of [
  apps,
  autoscaling,
  networkingK8s,
  rbac,
  core,
  install,
  networking,
  security,
  securityBeta,
  telemetry,
  prometheusOperator,
]) {
  for (const value of Object.values(module) as unknown[]) {
    const model = value as { apiVersion?: string; kind?: string };
    if (typeof value === 'function' && model.apiVersion && model.kind)
      models.set(`${model.apiVersion}/${model.kind}`, value as never);
  }
}
// No models package for the Gateway API: the generator's own check of its objects (src/gateway-api.ts).
for (const kind of ['HTTPRoute', 'Gateway', 'ReferenceGrant'] as const)
  models.set(
    `gateway.networking.k8s.io/v1/${kind}`,
    class {
      constructor(private readonly doc: Doc) {}
      validate() {
        const { apiVersion: _apiVersion, kind: _kind, ...body } = this.doc;
        new GatewayApiObject(kind, body as never).validate();
      }
    } as never,
  );
const demoted = Object.fromEntries(Object.entries(PROMOTED_API_VERSIONS).map(([from, to]) => [to, from]));
function validateDoc(doc: Doc) {
  const apiVersion = demoted[doc.apiVersion] ?? doc.apiVersion;
  const Model = models.get(`${apiVersion}/${doc.kind}`);
  if (!Model) throw new Error(`no schema for ${doc.apiVersion} ${doc.kind}`);
  new Model({ ...doc, apiVersion }).validate();
}

const primary = docsIn('k8s/primary');
const burst = docsIn('k8s/burst');
const istio = docsIn('istio-manifests');
const states = docsIn('istio-manifests/states');
const deployments = [...primary, ...burst].filter((d) => d.kind === 'Deployment');
const podSpecs = deployments.map((d) => d.spec.template.spec);
const containers = podSpecs.flatMap((s) => s.containers);

describe('generation', () => {
  it('is deterministic', () => {
    expect(generate(loadConfig(DEFAULT_CONFIG_PATH), 'npm run manifests')).toEqual(committed);
  });

  it('matches the committed files exactly (run `npm run manifests` after a change)', () => {
    const drift = committed
      .filter((f) => !existsSync(f.path) || readFileSync(f.path, 'utf8') !== f.content)
      .map((f) => f.path);
    expect(drift).toEqual([]);
    const generatedPaths = new Set(committed.map((f) => f.path));
    const stale = [...new Set(committed.map((f) => path.dirname(f.path)))].flatMap((dir) =>
      readdirSync(dir)
        .filter((n) => n.endsWith('.yaml') || n === KUSTOMIZATION_FILE)
        .map((n) => `${dir}/${n}`)
        .filter((p) => !generatedPaths.has(p)),
    );
    expect(stale).toEqual([]);
  });

  it('says in its first line that it is generated and by which command (JSON, which has no comments: in its description)', () => {
    const note =
      'Generated by `npm run manifests` from tools/manifests/config.yaml (tools/manifests). Do not edit by hand.';
    for (const file of committed)
      if (file.path.endsWith('.json')) expect((JSON.parse(file.content) as Doc).description, file.path).toBe(note);
      else expect(file.content.split('\n')[0], file.path).toBe(`# ${note}`);
  });

  it('takes the registry and tag from flags and names them in the header', () => {
    const { files } = generateFromArgs(['--registry', 'europe-docker.pkg.dev/p/r', '--tag', 'abc1234', '--out', 'x']);
    const worker = files.find((f) => f.path === 'k8s/burst/worker-burst.yaml')!;
    expect(worker.content.split('\n')[0]).toContain(
      'npm run manifests -- --registry europe-docker.pkg.dev/p/r --tag abc1234',
    );
    expect(worker.content).toContain('image: europe-docker.pkg.dev/p/r/worker:abc1234');
  });

  it('takes the clusters pod ranges from flags (deploy.sh reads them from GKE) into the NetworkPolicies', () => {
    const { files } = generateFromArgs(['--primary-pod-range', '10.8.0.0/14', '--burst-pod-range', '10.12.0.0/14']);
    const burstPolicies = files.find((f) => f.path === 'k8s/burst/network-policies.yaml')!.content;
    expect(burstPolicies.split('\n')[0]).toContain('--primary-pod-range 10.8.0.0/14 --burst-pod-range 10.12.0.0/14');
    expect(burstPolicies).toContain('cidr: 10.8.0.0/14');
    expect(files.find((f) => f.path === 'k8s/primary/network-policies.yaml')!.content).toContain('cidr: 10.12.0.0/14');
    expect(() => generateFromArgs(['--burst-pod-range', '10.4.0.1/14'])).toThrow(
      /network.podRanges.burst "10.4.0.1\/14" is not a CIDR/,
    );
    expect(() => generateFromArgs(['--primary-pod-range', 'everything'])).toThrow(/not a CIDR/);
  });

  it('refuses a third-party image without a digest', () => {
    const tmp = mkdtempSync(path.join(tmpdir(), 'config-'));
    try {
      const file = path.join(tmp, 'config.yaml');
      writeFileSync(
        file,
        readFileSync(DEFAULT_CONFIG_PATH, 'utf8').replace(/^redisImage: .*$/m, 'redisImage: redis:7.4-alpine'),
      );
      expect(() => loadConfig(file)).toThrow(/redisImage "redis:7.4-alpine" must be pinned by digest/);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('refuses the latest tag and unknown flags', () => {
    expect(() => generateFromArgs(['--tag', 'latest'])).toThrow(/latest/);
    expect(() => generateFromArgs(['--regsitry', 'x'])).toThrow(/unknown/);
  });
});

describe('every document', () => {
  // The addon patches are fragments for `kubectl patch` (test/grafana.test.ts, test/alerts.test.ts apply them), not objects.
  const patches = [`${ADDONS_DIR}/${GRAFANA_FILES.patch}`, prometheusOperator.ALERT_FILES.patch];
  const all = committed
    .filter((f) => f.path.endsWith('.yaml') && !patches.includes(f.path))
    .flatMap((f) => docsOf(f.content).map((doc) => ({ path: f.path, doc })));

  it('parses and passes its Kubernetes or Istio schema', () => {
    expect(all.length).toBeGreaterThan(25);
    for (const { path: p, doc } of all)
      expect(() => validateDoc(doc), `${p} ${doc.kind} ${doc.metadata?.name}`).not.toThrow();
  });

  it('uses current APIs only', () => {
    const allowed = [
      'v1',
      'apps/v1',
      'autoscaling/v2',
      'networking.k8s.io/v1',
      'rbac.authorization.k8s.io/v1',
      'networking.istio.io/v1',
      'security.istio.io/v1',
      'telemetry.istio.io/v1',
      'install.istio.io/v1alpha1',
      'gateway.networking.k8s.io/v1',
      'monitoring.coreos.com/v1',
    ];
    for (const { path: p, doc } of all) expect(allowed, `${p} ${doc.kind}`).toContain(doc.apiVersion);
    // IstioOperator is istioctl's input only, never applied to a cluster.
    expect(
      all
        .filter((d) => d.doc.apiVersion === 'install.istio.io/v1alpha1')
        .every((d) => d.path.startsWith('istio-manifests/install/')),
    ).toBe(true);
  });
});

describe('the built kubectl, against a real API server (tools/control-plane)', () => {
  const folders = layout(config)
    .filter((f) => f.kustomize)
    .map((f) => f.dir);
  let cp: TestControlPlane;
  beforeAll(async () => {
    cp = await startControlPlane();
  });
  afterAll(async () => {
    await cp?.stop();
  });

  it.each(folders)('kubectl kustomize %s renders every document of the folder', async (dir) => {
    const rendered = await cp.kubectl(['kustomize', dir]);
    expect(rendered.code, describeResult(rendered)).toBe(0);
    const key = (d: Doc) => `${d.kind}/${d.metadata.namespace}/${d.metadata.name}`;
    expect(docsOf(rendered.stdout).map(key).sort()).toEqual(docsIn(dir).map(key).sort());
  });

  // A client dry run with the server's schemas (kubectl's validation reads the real OpenAPI):
  // the point is what `apply -f` and `apply -k` read from a folder; apply.test.ts applies for real.
  const kubectlApply = (args: string[]) => cp.kubectl(['apply', ...args, '--dry-run=client']);

  it.each(
    folders.flatMap((dir) => [
      ['-f', dir],
      ['-k', dir],
    ]),
  )('kubectl apply %s %s --dry-run=client plans every document', async (flag, dir) => {
    const result = await kubectlApply([flag, dir]);
    expect(result.code, describeResult(result)).toBe(0);
    expect(result.stderr).toBe('');
    const planned = result.stdout.split('\n').filter(Boolean);
    const docs = flag === '-k' ? docsIn(dir) : ownDocsIn(dir);
    expect(planned).toHaveLength(docs.length);
    for (const doc of docs) {
      const kind = doc.kind.toLowerCase();
      expect(
        planned.some(
          (line) =>
            (line.startsWith(`${kind}/`) || line.startsWith(`${kind}.`)) &&
            // A real server has the namespace default already: it is configured, the rest created.
            new RegExp(`/${doc.metadata.name} (created|configured) \\(dry run\\)$`).test(line),
        ),
        `${doc.kind} ${doc.metadata.name}`,
      ).toBe(true);
    }
  });

  it('why the kustomize file is not kustomization.yaml: kubectl apply -f would read it and fail', async () => {
    const tmp = mkdtempSync(path.join(tmpdir(), 'kustomization-'));
    try {
      for (const file of filesIn('k8s/burst')) writeFileSync(path.join(tmp, path.basename(file.path)), file.content);
      writeFileSync(
        path.join(tmp, 'kustomization.yaml'),
        committed.find((f) => f.path === `k8s/burst/${KUSTOMIZATION_FILE}`)!.content,
      );
      const { code, stderr } = await kubectlApply(['-f', tmp]);
      expect(code).not.toBe(0);
      expect(stderr).toContain('kustomization.yaml');
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});

/** The non-test TypeScript sources under `dir`. */
function sourcesOf(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
    .map((f) => readFileSync(path.join(dir, f), 'utf8'));
}

/**
 * Every variable name an app reads: `envXxx(env, 'NAME'` and `env.NAME` / `env['NAME']` in its
 * sources and in the workspace libs they import (the watcher reads its policy settings through
 * libs/watcher-settings).
 */
function envNamesRead(app: string): Set<string> {
  const own = sourcesOf(path.join('apps', app, 'src'));
  const libs = new Set(own.flatMap((text) => [...text.matchAll(/from '@string-hashr\/([a-z-]+)'/g)].map((m) => m[1]!)));
  const names = new Set<string>();
  for (const text of [...own, ...[...libs].flatMap((lib) => sourcesOf(path.join('libs', lib, 'src')))]) {
    for (const m of text.matchAll(/\benv[A-Z]\w*\(\s*\w+\s*,\s*['"]([A-Z][A-Z0-9_]*)['"]/g)) names.add(m[1]!);
    // A setting read under its name or its older one: renamed(env, kind, 'NAME', 'OLDER_NAME').
    for (const m of text.matchAll(/\brenamed\(\s*\w+\s*,\s*\w+\s*,\s*'([A-Z][A-Z0-9_]*)'\s*,\s*'([A-Z][A-Z0-9_]*)'/g))
      names.add(m[1]!).add(m[2]!);
    for (const m of text.matchAll(/\benv(?:\.([A-Z][A-Z0-9_]*)|\[\s*['"]([A-Z][A-Z0-9_]*)['"]\s*\])/g))
      names.add((m[1] ?? m[2])!);
  }
  return names;
}

describe('invariants', () => {
  const envOf = (container: Doc) => Object.fromEntries((container.env ?? []).map((e: Doc) => [e.name, e.value]));
  const containerOf = (docs: Doc[], deployment: string) =>
    find(docs, 'Deployment', deployment).spec.template.spec.containers[0];

  it('selectors match their pod labels and every Service selects a Deployment (except burst Redis)', () => {
    for (const d of deployments) expect(d.spec.template.metadata.labels).toMatchObject(d.spec.selector.matchLabels);
    for (const [cluster, docs] of [
      ['primary', primary],
      ['burst', burst],
    ] as const) {
      for (const svc of docs.filter((d) => d.kind === 'Service')) {
        const target = docs.find(
          (d) =>
            d.kind === 'Deployment' &&
            Object.entries(svc.spec.selector).every(([k, v]) => d.spec.template.metadata.labels[k] === v),
        );
        if (cluster === 'burst' && svc.metadata.name === 'redis-cache-service') {
          expect(target).toBeUndefined();
          continue;
        }
        expect(target, `${cluster} ${svc.metadata.name}`).toBeDefined();
        const ports = target!.spec.template.spec.containers[0].ports.map((p: Doc) => p.containerPort);
        for (const port of svc.spec.ports) expect(ports, `${cluster} ${svc.metadata.name}`).toContain(port.targetPort);
      }
    }
  });

  it('ports follow the apps contracts: worker 8081, frontend 8080, watcher 9102, redis 6379', () => {
    const expected: Array<[Doc[], string, number]> = [
      [primary, 'worker-deployment', 8081],
      [burst, 'worker-deployment', 8081],
      [primary, 'frontend-deployment', 8080],
      [primary, 'istiowatcher', 9102],
    ];
    for (const [docs, name, port] of expected) {
      const c = containerOf(docs, name);
      expect(c.ports[0].containerPort).toBe(port);
      expect(envOf(c).PORT).toBe(String(port));
      expect(c.readinessProbe.httpGet.port).toBe(port);
      expect(c.livenessProbe.httpGet.port).toBe(port);
    }
    expect(containerOf(primary, 'redis-cache').ports[0].containerPort).toBe(6379);
    expect(find(primary, 'Service', 'worker-service').spec.ports[0].port).toBe(80);
    expect(find(primary, 'Service', 'frontend-service').spec.ports[0].port).toBe(80);
  });

  it('clients point at the Services that exist', () => {
    const frontend = envOf(containerOf(primary, 'frontend-deployment'));
    expect(frontend.PROCESSOR_URL).toBe('http://worker-service');
    for (const docs of [primary, burst]) expect(find(docs, 'Service', 'worker-service')).toBeDefined();
    for (const env of [
      frontend,
      envOf(containerOf(primary, 'worker-deployment')),
      envOf(containerOf(burst, 'worker-deployment')),
    ]) {
      // The password from its Secret, expanded by Kubernetes from REDIS_PASSWORD (set before it).
      expect(env.REDIS_URL).toBe('redis://:$(REDIS_PASSWORD)@redis-cache-service:6379');
    }
    expect(find(burst, 'Service', 'redis-cache-service').spec.ports[0].port).toBe(6379);
    // The page's watcher panel: the frontend reads GET /status of the watcher's Service, on the
    // port the watcher listens on, not-ready watchers included (a watcher that cannot read says why).
    const statusUrl = new URL(frontend.WATCHER_STATUS_URL);
    const watcherService = find(primary, 'Service', 'istiowatcher');
    expect(statusUrl.hostname).toBe('istiowatcher.default.svc.cluster.local');
    expect(statusUrl.pathname).toBe('/status');
    expect(Number(statusUrl.port)).toBe(watcherService.spec.ports[0].port);
    expect(watcherService.spec.ports[0]).toMatchObject({ name: 'http-admin', targetPort: 9102 });
    expect(watcherService.spec.publishNotReadyAddresses).toBe(true);
  });

  it('the primary worker has no prefix and the burst worker the configured one', () => {
    expect(envOf(containerOf(primary, 'worker-deployment')).PREFIX).toBe('');
    expect(envOf(containerOf(burst, 'worker-deployment')).PREFIX).toBe('bursty-');
    expect(envOf(containerOf(primary, 'frontend-deployment')).BURST_PREFIX).toBe('bursty-');
  });

  it.each([
    ['worker', [primary, burst], 'worker-deployment'],
    ['frontend', [primary], 'frontend-deployment'],
    ['istiowatcher', [primary], 'istiowatcher'],
  ] as const)('every variable set for %s is one the app reads (apps/%s/src)', (app, clusters, deployment) => {
    const read = envNamesRead(app);
    for (const docs of clusters) {
      const vars = envOf(containerOf(docs, deployment));
      // A variable only there to be expanded into another, `$(NAME)`, is read through that one.
      const expanded = new Set(
        Object.values(vars).flatMap((value) =>
          [...String(value ?? '').matchAll(/\$\(([A-Z0-9_]+)\)/g)].map((m) => m[1]),
        ),
      );
      const unknown = Object.keys(vars).filter((name) => !read.has(name) && !expanded.has(name));
      expect(unknown, `set in the manifests but not read by apps/${app}/src`).toEqual([]);
    }
  });

  it('the DestinationRule subsets select the worker pods of each cluster, and the VirtualService uses those subsets', () => {
    const rule = find(istio, 'DestinationRule', 'worker-destination-rule');
    const subset = (name: string) => rule.spec.subsets.find((s: Doc) => s.name === name).labels;
    expect(find(primary, 'Deployment', 'worker-deployment').spec.template.metadata.labels).toMatchObject(
      subset('primary'),
    );
    expect(find(burst, 'Deployment', 'worker-deployment').spec.template.metadata.labels).toMatchObject(subset('burst'));
    expect(subset('primary')).toEqual({ 'cluster-type': 'primary-cluster' });
    expect(subset('burst')).toEqual({ 'cluster-type': 'burst-cluster' });
    expect(rule.spec.trafficPolicy.loadBalancer.simple).toBe('RANDOM');
    const vs = find(states, 'VirtualService', 'worker-virtual-service');
    const used = vs.spec.http.flatMap((h: Doc) => h.route.map((r: Doc) => r.destination.subset));
    expect(new Set(used)).toEqual(new Set(rule.spec.subsets.map((s: Doc) => s.name)));
    for (const r of vs.spec.http[0].route) expect(r.destination.host).toBe(rule.spec.host);
  });

  it('natural.yaml is natural, burst.yaml is all burst', () => {
    const state = (name: string) =>
      find(
        docsOf(committed.find((f) => f.path === `istio-manifests/states/${name}`)!.content),
        'VirtualService',
        'worker-virtual-service',
      );
    expect(readWeights(state('natural.yaml'))).toEqual(NATURAL);
    expect(readWeights(state('burst.yaml'))).toEqual(ALL_BURST);
  });

  it('nothing applied again on a deploy fights the watcher or the autoscaler', () => {
    // The watcher owns the worker VirtualService's weights and annotations: no applied folder holds it.
    const applied = layout(config)
      .filter((f) => f.kustomize)
      .flatMap((f) => docsIn(f.dir));
    expect(applied.filter((d) => d.kind === 'VirtualService').map((d) => d.metadata.name)).not.toContain(
      'worker-virtual-service',
    );
    // The HPA owns the burst worker's replica count.
    const hpa = find(burst, 'HorizontalPodAutoscaler', 'worker-deployment');
    expect(hpa.spec.scaleTargetRef).toMatchObject({ kind: 'Deployment', name: 'worker-deployment' });
    expect(find(burst, 'Deployment', 'worker-deployment').spec).not.toHaveProperty('replicas');
    expect(find(primary, 'Deployment', 'worker-deployment').spec.replicas).toBeGreaterThan(0);
  });

  it("the watcher's Role is exactly watcherRbacRules and is bound to the watcher's own ServiceAccount", () => {
    const role = find(primary, 'Role', 'istiowatcher');
    expect(role.rules).toEqual(watcherRbacRules('worker-virtual-service'));
    const binding = find(primary, 'RoleBinding', 'istiowatcher');
    expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'istiowatcher' });
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'istiowatcher', namespace: 'default' }]);
    const pod = find(primary, 'Deployment', 'istiowatcher').spec.template.spec;
    expect(pod.serviceAccountName).toBe('istiowatcher');
    expect(envOf(pod.containers[0]).ROUTE_NAME).toBe('worker-virtual-service');
    expect([...primary, ...burst].filter((d) => d.kind === 'ClusterRole' || d.kind === 'ClusterRoleBinding')).toEqual(
      [],
    );
  });

  it('AuthorizationPolicies name the service accounts the pods really run as', () => {
    const saOf = (docs: Doc[], name: string) => find(docs, 'Deployment', name).spec.template.spec.serviceAccountName;
    const principal = (sa: string) => `cluster.local/ns/default/sa/${sa}`;
    const principals = (name: string) =>
      find(istio, 'AuthorizationPolicy', name).spec.rules.flatMap((r: Doc) =>
        r.from.flatMap((f: Doc) => f.source.principals),
      );
    expect(principals('worker-allow-frontend')).toEqual([principal(saOf(primary, 'frontend-deployment'))]);
    expect(principals('redis-allow-frontend')).toEqual([principal(saOf(primary, 'frontend-deployment'))]);
    expect(principals('redis-allow-worker')).toEqual([principal(saOf(primary, 'worker-deployment'))]);
    expect(saOf(burst, 'worker-deployment')).toBe(saOf(primary, 'worker-deployment'));
    expect(find(istio, 'PeerAuthentication', 'default').spec.mtls.mode).toBe('STRICT');
  });

  it('every pod is restricted, probed, sized, and runs a pinned image', () => {
    for (const spec of podSpecs) {
      expect(spec.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
      for (const c of spec.containers) {
        expect(c.securityContext).toEqual({
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          runAsNonRoot: true,
          capabilities: { drop: ['ALL'] },
          seccompProfile: { type: 'RuntimeDefault' },
        });
        expect(c.resources.requests).toHaveProperty('cpu');
        expect(c.resources.requests).toHaveProperty('memory');
        expect(c.resources.limits).toHaveProperty('cpu');
        expect(c.resources.limits).toHaveProperty('memory');
        expect(c.readinessProbe).toBeDefined();
        expect(c.livenessProbe).toBeDefined();
        expect(c.image).toMatch(/:[\w.-]+$/);
        expect(c.image).not.toMatch(/:latest$/);
      }
    }
    for (const c of containers.filter((c) => c.name !== 'redis')) {
      expect(c.image.startsWith(`${config.registry}/`)).toBe(true);
    }
    const redis = find(primary, 'Deployment', 'redis-cache').spec.template.spec;
    expect(redis.containers[0].volumeMounts).toEqual([{ name: 'redis-data', mountPath: '/data' }]);
    expect(redis.volumes[0].emptyDir).toBeDefined();
  });

  it('worker and frontend probes carry the codelab cookies; the watcher uses /readyz and /healthz', () => {
    for (const c of containers.filter((c) => c.name === 'worker' || c.name === 'frontend')) {
      expect(c.readinessProbe.httpGet).toMatchObject({
        path: '/_healthz',
        httpHeaders: [{ name: 'Cookie', value: 'istio_session-id=x-readiness-probe' }],
      });
      expect(c.livenessProbe.httpGet).toMatchObject({
        path: '/',
        httpHeaders: [{ name: 'Cookie', value: 'istio_session-id=x-liveness-probe' }],
      });
    }
    const watcher = containerOf(primary, 'istiowatcher');
    expect(watcher.readinessProbe.httpGet.path).toBe('/readyz');
    expect(watcher.livenessProbe.httpGet.path).toBe('/healthz');
  });

  it('the burst cluster runs only the worker, with an autoscaler on it', () => {
    expect(burst.filter((d) => d.kind === 'Deployment').map((d) => d.metadata.name)).toEqual(['worker-deployment']);
    const hpa = find(burst, 'HorizontalPodAutoscaler', 'worker-deployment');
    expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'worker-deployment' });
    expect(hpa.spec.maxReplicas).toBeGreaterThan(hpa.spec.minReplicas);
  });

  it("the watcher's default query selects the frontend Deployment and the worker Service these manifests create", () => {
    // The labels as the query text has them, not as the contract lib declares them.
    const selector = Object.fromEntries(
      [...defaultWatcherQuery('1m').matchAll(/(\w+)="([^"]*)"/g)].map(([, k, v]) => [k, v]),
    );
    expect(selector.reporter).toBe('source');
    const frontend = primary.filter(
      (d) => d.kind === 'Deployment' && d.spec.template.spec.containers[0].name === 'frontend',
    );
    expect(frontend.map((d) => d.metadata.name)).toEqual([selector.source_workload]);
    const workerService = primary.filter((d) => d.kind === 'Service' && d.spec.selector.app === 'worker');
    expect(workerService.map((d) => `${d.metadata.name}.${d.metadata.namespace}.svc.cluster.local`)).toEqual([
      selector.destination_service,
    ]);
  });
});
