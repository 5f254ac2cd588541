// The two routing flavours as generated: each one complete, the worker route readable by
// libs/kube-objects, the watcher allowed exactly its route, the safety net in the objects, and
// the watcher's queries selecting what the manifests create.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { ALL_BURST, NATURAL } from '@string-hashr/policy';
import { readRouteState, routeFlavour, watcherRbacRules } from '@string-hashr/kube-objects';
import {
  burstHealthQueries,
  defaultFreshnessQuery,
  defaultWatcherQuery,
  selectorOfQuery,
} from '@string-hashr/metric-reading';
import { DEFAULT_CONFIG_PATH, loadConfig, ROUTINGS, type ManifestConfig, type Routing } from './config.js';
import { deployedDirs, generate, layout, STATES_DIRS } from './layout.js';
import { ROUTE_KIND_OF } from './workloads.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Doc = Record<string, any>;

const root = path.resolve(import.meta.dirname, '../../..');
const configPath = path.join(root, DEFAULT_CONFIG_PATH);
const configFor = (routing: Routing): ManifestConfig => ({ ...loadConfig(configPath), routing });

function deployed(routing: Routing) {
  const config = configFor(routing);
  const files = generate(config, 'test');
  const docsOf = (dirs: string[]) =>
    files
      .filter((f) => dirs.includes(path.dirname(f.path)) && f.path.endsWith('.yaml'))
      .flatMap((f) => parseAllDocuments(f.content).map((d) => d.toJS() as Doc));
  return {
    files,
    primary: docsOf(deployedDirs(config, 'k8s/primary')),
    burst: docsOf(deployedDirs(config, 'k8s/burst')),
    istio: docsOf(deployedDirs(config, 'istio-manifests')),
    states: docsOf([STATES_DIRS[routing]]),
  };
}

const find = (docs: Doc[], kind: string, name: string): Doc => {
  const doc = docs.find((d) => d.kind === kind && d.metadata?.name === name);
  if (!doc) throw new Error(`no ${kind} ${name}`);
  return doc;
};
const matches = (selector: Record<string, string>, labels: Record<string, string>) =>
  Object.entries(selector).every(([k, v]) => labels[k] === v);
const workerPodLabels = (docs: Doc[]) => find(docs, 'Deployment', 'worker-deployment').spec.template.metadata.labels;
const envOf = (docs: Doc[]) =>
  Object.fromEntries(
    find(docs, 'Deployment', 'istiowatcher').spec.template.spec.containers[0].env.map((e: Doc) => [e.name, e.value]),
  );
const fqdnOf = (svc: Doc) => `${svc.metadata.name}.${svc.metadata.namespace}.svc.cluster.local`;

describe('both flavours are generated, whichever routing deploys', () => {
  it('the same files, and only the Kustomizations naming the Components differ', () => {
    const a = deployed('virtualservice').files;
    const b = deployed('gateway-api').files;
    expect(a.map((f) => f.path)).toEqual(b.map((f) => f.path));
    const differ = a.filter((f, i) => f.content !== b[i]?.content).map((f) => f.path);
    expect(differ).toEqual(['k8s/primary/Kustomization', 'k8s/burst/Kustomization', 'istio-manifests/Kustomization']);
  });

  it('the committed config routing is a known flavour', () => {
    expect(ROUTINGS).toContain(loadConfig(configPath).routing);
  });
});

describe.each(ROUTINGS)('the %s flavour', (routing) => {
  const { primary, burst, istio, states } = deployed(routing);
  const kind = ROUTE_KIND_OF[routing];
  const flavour = routeFlavour(kind);
  const route = (docs: Doc[]) => docs.find((d) => d.kind === kind) ?? {};

  it('natural.yaml and burst.yaml are the worker route at 100/0 and 0/100, read as the watcher reads it', () => {
    const [natural, allBurst] = [states[0] ?? {}, states[1] ?? {}];
    expect(readRouteState(natural, flavour).weights).toEqual(NATURAL);
    expect(readRouteState(allBurst, flavour).weights).toEqual(ALL_BURST);
  });

  it('no applied folder holds the worker route: the watcher owns its weights', () => {
    expect([...primary, ...burst, ...istio].filter((d) => d.kind === kind && /^worker/.test(d.metadata.name))).toEqual(
      [],
    );
  });

  it("the watcher's Role is exactly watcherRbacRules for its route, named in its environment", () => {
    const name = route(states).metadata.name;
    expect(find(primary, 'Role', 'istiowatcher').rules).toEqual(watcherRbacRules(name, 'istiowatcher-leader', kind));
    expect(envOf(primary)).toMatchObject({ WATCHER_ROUTE_KIND: kind, ROUTE_NAME: name, ROUTE_NAMESPACE: 'default' });
  });

  it('the safety net: outlier ejection on every worker DestinationRule, a timeout, safe retries', () => {
    const rules = istio.filter((d) => d.kind === 'DestinationRule' && /^worker/.test(d.metadata.name));
    expect(rules.length).toBeGreaterThan(0);
    for (const rule of rules)
      expect(rule.spec.trafficPolicy.outlierDetection).toEqual({
        consecutive5xxErrors: 5,
        consecutiveGatewayErrors: 5,
        interval: '5s',
        baseEjectionTime: '30s',
        maxEjectionPercent: 50,
        minHealthPercent: 50,
      });
    const http = route(states).spec;
    if (kind === 'VirtualService') {
      expect(http.http[0].timeout).toBe('5s');
      expect(http.http[0].retries.retryOn).toBe('connect-failure,refused-stream,retriable-status-codes,503');
    } else {
      expect(http.rules[0].timeouts).toEqual({ request: '5s' });
      // The standard channel has no HTTPRoute retry: the mesh's default policy carries them.
      expect(http.rules[0]).not.toHaveProperty('retry');
    }
    const install = parseAllDocuments(readFileSync(path.join(root, 'istio-manifests/install/primary.yaml'), 'utf8'))[0];
    expect((install?.toJS() as Doc).spec.meshConfig.defaultHttpRetryPolicy).toEqual({
      attempts: 2,
      perTryTimeout: '2s',
      retryOn: 'connect-failure,refused-stream,retriable-status-codes,503',
    });
  });

  it("the watcher's queries select the frontend Deployment and the worker Services these manifests route to", () => {
    const services = [...primary, ...burst].filter((d) => d.kind === 'Service' && d.spec.selector.app === 'worker');
    // The Services the route sends the frontend's calls to, as Istio names them in destination_service.
    const destinations =
      kind === 'VirtualService'
        ? [route(states).spec.http[0].route[0].destination.host]
        : route(states).spec.rules[0].backendRefs.map((ref: Doc) => fqdnOf(find(services, 'Service', ref.name)));
    const frontend = primary.filter((d) => d.kind === 'Deployment' && d.metadata.name.startsWith('frontend'));
    for (const query of [
      defaultWatcherQuery('1m', kind),
      defaultFreshnessQuery(kind),
      ...Object.values(burstHealthQueries('1m', 'burst', kind)),
    ]) {
      const selector = selectorOfQuery(query);
      expect(selector.reporter).toBe('source');
      expect([selector.source_workload]).toEqual(frontend.map((d) => d.metadata.name));
      expect([selector.destination_service].flat().sort()).toEqual([...new Set(destinations)].sort());
    }
  });

  if (routing === 'gateway-api')
    it('the backend Services select the worker pods of their cluster; each has its DestinationRule', () => {
      const httpRoute = route(states);
      expect(httpRoute.spec.parentRefs).toEqual([{ group: '', kind: 'Service', name: 'worker-service', port: 80 }]);
      const [toPrimary, toBurst] = httpRoute.spec.rules[0].backendRefs.map((r: Doc) => r.name);
      expect([toPrimary, toBurst]).toEqual(['worker-primary', 'worker-burst']);
      // Primary's frontend routes to both, so primary has both; burst has its own, where its endpoints are.
      expect(matches(find(primary, 'Service', 'worker-primary').spec.selector, workerPodLabels(primary))).toBe(true);
      expect(matches(find(primary, 'Service', 'worker-burst').spec.selector, workerPodLabels(primary))).toBe(false);
      expect(matches(find(burst, 'Service', 'worker-burst').spec.selector, workerPodLabels(burst))).toBe(true);
      expect(burst.some((d) => d.kind === 'Service' && d.metadata.name === 'worker-primary')).toBe(false);
      for (const name of ['worker-primary', 'worker-burst'])
        expect(find(istio, 'DestinationRule', `${name}-destination-rule`).spec.host).toBe(
          `${name}.default.svc.cluster.local`,
        );
      // No subsets, no VirtualService: nothing of the other flavour is deployed.
      expect(istio.filter((d) => d.kind === 'VirtualService' && /^(worker|frontend)/.test(d.metadata.name))).toEqual(
        [],
      );
      expect(istio.filter((d) => d.kind === 'Gateway' && d.apiVersion === 'networking.istio.io/v1')).toEqual([]);
    });
});

describe('the safety net settings', () => {
  const withNet = (edit: (text: string) => string) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'config-'));
    try {
      const file = path.join(dir, 'config.yaml');
      writeFileSync(file, edit(readFileSync(configPath, 'utf8')));
      return loadConfig(file);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };

  it.each([
    ['5xx', /retryOn may hold only .*: "5xx" could retry a request the worker already published/],
    ['gateway-error', /"gateway-error" could retry/],
    ['reset', /"reset" could retry/],
    ['connect-failure,reset,502', /"reset,502" could retry/],
  ])('refuses retryOn with %s', (retryOn, message) => {
    expect(() => withNet((t) => t.replace(/retryOn: .*/, `retryOn: ${retryOn}`))).toThrow(message);
  });

  it.each([
    [
      (t: string) => t.replace(/routing: .*/, 'routing: ingress'),
      /routing "ingress" is not one of virtualservice, gateway-api/,
    ],
    [(t: string) => t.replace(/maxEjectionPercent: .*/, 'maxEjectionPercent: 100'), /could eject every worker/],
    [(t: string) => t.replace(/requestTimeout: .*/, 'requestTimeout: soon'), /requestTimeout "soon" is not a duration/],
    [(t: string) => t.replace(/attempts: .*/, 'attempts: 9'), /retries.attempts must be an integer 0..5/],
  ])('%#: refuses a bad setting, naming it', (edit, message) => {
    expect(() => withNet(edit)).toThrow(message);
  });

  it('every routing folder of both flavours is a Component of the folder it adds to', () => {
    const folders = layout(configFor('gateway-api'));
    const components = folders.filter((f) => f.component).map((f) => f.dir);
    expect(components.sort()).toEqual(
      [
        'istio-manifests/routing/gateway-api',
        'istio-manifests/routing/virtualservice',
        'k8s/routing/gateway-api/burst',
        'k8s/routing/gateway-api/primary',
        'k8s/routing/virtualservice/primary',
      ].sort(),
    );
  });
});
