import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '@string-hashr/runtime';
import { ROUTE_KIND_NAMES, WORKER_ROUTE_NAMES, workerTrafficSelector } from '@string-hashr/contract';
import { selectorOfQuery } from '@string-hashr/metric-reading';
import { DURATION_BOUNDS, loadConfig } from './config.js';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
type Container = { env?: Array<{ name: string; value?: string }> };

describe('loadConfig', () => {
  it('has the codelab defaults and the source-reported default query', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 9102,
      intervalMs: 1000,
      source: {
        kind: 'prometheus',
        url: 'http://prometheus.istio-system.svc.cluster.local:9090',
        query:
          'sum(rate(istio_requests_total{reporter="source",source_workload="frontend-deployment",destination_service="worker-service.default.svc.cluster.local"}[1m]))',
        timeoutMs: 3000,
      },
      policy: {
        mode: 'switch',
        highRps: 15,
        lowRps: 10,
        primaryCapacityRps: 15,
        weightStep: 10,
        samplesUp: 3,
        samplesDown: 3,
        minDwellUpMs: 30_000,
        minDwellDownMs: 30_000,
        failsafe: 'hold',
        failsafeAfter: 10,
        minSuccessRate: 0.95,
        healthSamples: 2,
        minHealthRequests: 10,
        healthCooldownMs: 120_000,
        maxLatencyMs: undefined,
        stepPercent: 100,
        stepMs: 10_000,
        noDataHoldMs: 300_000,
      },
      router: { kind: 'kubernetes' },
      route: {
        kind: 'VirtualService',
        name: 'worker-virtual-service',
        namespace: 'default',
        apiVersion: 'networking.istio.io/v1',
        subsets: { primary: 'primary', burst: 'burst' },
      },
      dryRun: false,
      leaderElection: { enabled: true, leaseName: 'istiowatcher-leader', leaseDurationSeconds: 15 },
    });
  });

  it('dates the default query by the newest sample of its series, and reads the burst cluster by code', () => {
    const source = loadConfig({}).source;
    expect(source).toMatchObject({
      freshnessQuery: expect.stringMatching(/^max\(timestamp\(istio_requests_total\{reporter="source",/),
      health: {
        kind: 'default',
        latency: false,
        queries: { byCode: expect.stringContaining('destination_cluster="burst"}[1m]') },
      },
    });
  });

  it('a custom query is dated by its evaluation unless WATCHER_FRESHNESS_QUERY says how', () => {
    expect(loadConfig({ WATCHER_QUERY: 'sum(up)' }).source).toMatchObject({ freshnessQuery: undefined });
    expect(
      loadConfig({ WATCHER_QUERY: 'sum(up)', WATCHER_FRESHNESS_QUERY: 'max(timestamp(up))' }).source,
    ).toMatchObject({ freshnessQuery: 'max(timestamp(up))' });
  });

  it('the burst side: its cluster, a custom health query, the latency gate', () => {
    expect(loadConfig({ BURST_CLUSTER: 'burst-eu' }).source).toMatchObject({
      health: { queries: { byCode: expect.stringContaining('destination_cluster="burst-eu"') } },
    });
    expect(loadConfig({ WATCHER_BURST_HEALTH_QUERY: 'my_ratio' }).source).toMatchObject({
      health: { kind: 'custom', query: 'my_ratio' },
    });
    const latency = loadConfig({ WATCHER_MAX_LATENCY_MS: '500' });
    expect(latency.policy.maxLatencyMs).toBe(500);
    expect(latency.source).toMatchObject({ health: { latency: true } });
    expect(
      loadConfig({ WATCHER_SOURCE: 'scrape', WATCHER_SCRAPE_URL: 'http://x/m', BURST_CLUSTER: 'cloud' }).source,
    ).toMatchObject({ burstCluster: 'cloud' });
  });

  it('reads the health gate, the steps and the no-data hold', () => {
    expect(
      loadConfig({
        WATCHER_MIN_SUCCESS_RATE: '0.99',
        WATCHER_HEALTH_SAMPLES: '3',
        WATCHER_HEALTH_MIN_REQUESTS: '20',
        WATCHER_HEALTH_COOLDOWN_SECONDS: '30',
        WATCHER_STEP_PERCENT: '25',
        WATCHER_STEP_SECONDS: '5',
        WATCHER_NO_DATA_HOLD_SECONDS: '0',
      }).policy,
    ).toMatchObject({
      minSuccessRate: 0.99,
      healthSamples: 3,
      minHealthRequests: 20,
      healthCooldownMs: 30_000,
      stepPercent: 25,
      stepMs: 5000,
      noDataHoldMs: 0,
    });
  });

  it('takes the whole query, the window, and separate settings for coming back', () => {
    expect(loadConfig({ WATCHER_QUERY: 'sum(up)' }).source).toMatchObject({ query: 'sum(up)' });
    expect(loadConfig({ WATCHER_RATE_WINDOW: '2m' }).source).toMatchObject({ query: expect.stringContaining('[2m]') });
    expect(loadConfig({ WATCHER_SAMPLES: '2', WATCHER_MIN_DWELL_SECONDS: '5' }).policy).toMatchObject({
      samplesUp: 2,
      samplesDown: 2,
      minDwellUpMs: 5000,
      minDwellDownMs: 5000,
    });
    expect(loadConfig({ WATCHER_SAMPLES_DOWN: '6', WATCHER_MIN_DWELL_DOWN_SECONDS: '60' }).policy).toMatchObject({
      samplesUp: 3,
      samplesDown: 6,
      minDwellUpMs: 30_000,
      minDwellDownMs: 60_000,
    });
  });

  it.each([
    [
      {},
      {
        kind: 'VirtualService',
        name: 'worker-virtual-service',
        namespace: 'default',
        apiVersion: 'networking.istio.io/v1',
      },
    ],
    [{ WATCHER_ROUTE_KIND: 'VirtualService' }, { kind: 'VirtualService', name: 'worker-virtual-service' }],
    [
      { VS_NAME: 'vs', VS_NAMESPACE: 'prod' },
      { kind: 'VirtualService', name: 'vs', namespace: 'prod' },
    ],
    [
      { ROUTE_NAME: 'vs', ROUTE_NAMESPACE: 'prod' },
      { kind: 'VirtualService', name: 'vs', namespace: 'prod' },
    ],
    [
      { ROUTE_NAME: 'vs', VS_NAME: 'vs' },
      { kind: 'VirtualService', name: 'vs' },
    ],
    [{ VS_API_VERSION: 'networking.istio.io/v1beta1' }, { apiVersion: 'networking.istio.io/v1beta1' }],
    [
      { WATCHER_ROUTE_KIND: 'HTTPRoute' },
      { kind: 'HTTPRoute', name: 'worker-route', namespace: 'default', apiVersion: 'gateway.networking.k8s.io/v1' },
    ],
    [
      { WATCHER_ROUTE_KIND: 'HTTPRoute', ROUTE_NAME: 'r', ROUTE_NAMESPACE: 'prod' },
      { kind: 'HTTPRoute', name: 'r', namespace: 'prod' },
    ],
  ])('%j is the route %j', (env, route) => {
    expect(loadConfig(env).route).toMatchObject(route);
  });

  it.each([
    [{ WATCHER_ROUTE_FILE: '/r.yaml' }, '/r.yaml'],
    [{ WATCHER_VS_FILE: '/vs.yaml' }, '/vs.yaml'],
    [{ WATCHER_ROUTE_FILE: '/same.yaml', WATCHER_VS_FILE: '/same.yaml' }, '/same.yaml'],
    [{ WATCHER_ROUTE_KIND: 'HTTPRoute', WATCHER_ROUTE_FILE: '/r.yaml' }, '/r.yaml'],
  ])('the file router reads %j', (env, path) => {
    expect(loadConfig({ WATCHER_ROUTER: 'file', ...env }).router).toEqual({ kind: 'file', path });
  });

  it.each(ROUTE_KIND_NAMES)('the default queries of a %s select the traffic of that kind', (kind) => {
    const source = loadConfig({ WATCHER_ROUTE_KIND: kind }).source;
    if (source.kind !== 'prometheus' || source.health.kind !== 'default') throw new Error('not the default queries');
    const selector = workerTrafficSelector(kind);
    expect(selectorOfQuery(source.query)).toEqual(selector);
    expect(selectorOfQuery(source.freshnessQuery ?? '')).toEqual(selector);
    expect(selectorOfQuery(source.health.queries.byCode)).toEqual({ ...selector, destination_cluster: 'burst' });
    expect(selectorOfQuery(source.health.queries.freshness)).toEqual({ ...selector, destination_cluster: 'burst' });
  });

  it('the file router and dry run need no lease; the scrape source needs its URL', () => {
    expect(loadConfig({ WATCHER_ROUTER: 'file', WATCHER_VS_FILE: '/tmp/vs.yaml' })).toMatchObject({
      router: { kind: 'file', path: '/tmp/vs.yaml' },
      leaderElection: { enabled: false },
    });
    expect(loadConfig({ WATCHER_DRY_RUN: 'true' }).leaderElection.enabled).toBe(false);
    expect(loadConfig({ WATCHER_LEADER_ELECTION: 'false' }).leaderElection.enabled).toBe(false);
    expect(loadConfig({ POD_NAME: 'istiowatcher-7f9' }).leaderElection.identity).toBe('istiowatcher-7f9');
    expect(
      loadConfig({
        WATCHER_SOURCE: 'scrape',
        WATCHER_SCRAPE_URL: 'http://127.0.0.1:15090/stats/prometheus',
        WATCHER_RATE_WINDOW: '5s',
      }).source,
    ).toEqual({
      kind: 'scrape',
      url: 'http://127.0.0.1:15090/stats/prometheus',
      rateWindowSeconds: 5,
      timeoutMs: 3000,
      burstCluster: 'burst',
      routeKind: 'VirtualService',
    });
  });

  it.each([
    [{ BURST_LOW_RPS: '15' }, /^BURST_LOW_RPS .*below BURST_HIGH_RPS \(15\)/],
    [{ BURST_LOW_RPS: '20', BURST_HIGH_RPS: '10' }, /^BURST_LOW_RPS .*below BURST_HIGH_RPS \(10\)/],
    [{ BURST_HIGH_RPS: '-1' }, /^BURST_HIGH_RPS=-1 is out of range/],
    [{ BURST_HIGH_RPS: 'lots' }, /^BURST_HIGH_RPS="lots" is not valid/],
    [{ PRIMARY_CAPACITY_RPS: '-3' }, /^PRIMARY_CAPACITY_RPS/],
    [{ WATCHER_MODE: 'all' }, /^WATCHER_MODE="all" is not valid: expected one of switch, spill/],
    [{ WEIGHT_STEP: '30' }, /^WEIGHT_STEP is not valid: must be a whole percentage that divides 100/],
    [{ WATCHER_SAMPLES: '0' }, /^WATCHER_SAMPLES=0/],
    [{ WATCHER_SAMPLES_DOWN: '1.5' }, /^WATCHER_SAMPLES_DOWN/],
    [{ WATCHER_MIN_DWELL_SECONDS: '-5' }, /^WATCHER_MIN_DWELL_SECONDS/],
    [{ WATCHER_MIN_DWELL_DOWN_SECONDS: 'x' }, /^WATCHER_MIN_DWELL_DOWN_SECONDS/],
    [{ WATCHER_FAILSAFE: 'panic' }, /^WATCHER_FAILSAFE="panic"/],
    [{ WATCHER_FAILSAFE_AFTER: '0' }, /^WATCHER_FAILSAFE_AFTER/],
    [{ WATCHER_RATE_WINDOW: '1 minute' }, /^WATCHER_RATE_WINDOW="1 minute" is not valid/],
    [{ WATCHER_SOURCE: 'statsd' }, /^WATCHER_SOURCE/],
    [{ WATCHER_SOURCE: 'scrape' }, /^WATCHER_SCRAPE_URL is not set/],
    [{ PROMETHEUS_URL: 'prometheus:9090' }, /^PROMETHEUS_URL/],
    [{ WATCHER_ROUTER: 'istioctl' }, /^WATCHER_ROUTER/],
    [{ WATCHER_ROUTER: 'file' }, /^WATCHER_ROUTE_FILE is not set: .* the VirtualService YAML/],
    [{ WATCHER_ROUTER: 'file', WATCHER_ROUTE_KIND: 'HTTPRoute' }, /^WATCHER_ROUTE_FILE is not set: .* HTTPRoute YAML/],
    [
      { WATCHER_ROUTE_KIND: 'Ingress' },
      /^WATCHER_ROUTE_KIND="Ingress" is not valid: expected one of VirtualService, HTTPRoute/,
    ],
    [{ WATCHER_ROUTE_KIND: 'httproute' }, /^WATCHER_ROUTE_KIND="httproute" is not valid/],
    [{ ROUTE_NAME: 'a', VS_NAME: 'b' }, /^ROUTE_NAME="a" and VS_NAME="b" disagree/],
    [
      { ROUTE_NAMESPACE: 'prod', VS_NAMESPACE: 'default' },
      /^ROUTE_NAMESPACE="prod" and VS_NAMESPACE="default" disagree/,
    ],
    [
      { WATCHER_ROUTER: 'file', WATCHER_ROUTE_FILE: '/a.yaml', WATCHER_VS_FILE: '/b.yaml' },
      /^WATCHER_ROUTE_FILE="\/a.yaml" and WATCHER_VS_FILE="\/b.yaml" disagree/,
    ],
    [
      { WATCHER_ROUTE_KIND: 'HTTPRoute', VS_NAME: 'worker-route' },
      /^VS_NAME is set, but it names a VirtualService and WATCHER_ROUTE_KIND is HTTPRoute: set ROUTE_NAME/,
    ],
    [{ WATCHER_ROUTE_KIND: 'HTTPRoute', VS_NAMESPACE: 'default' }, /^VS_NAMESPACE is set, .* set ROUTE_NAMESPACE/],
    [
      { WATCHER_ROUTE_KIND: 'HTTPRoute', WATCHER_ROUTER: 'file', WATCHER_VS_FILE: '/r.yaml' },
      /^WATCHER_VS_FILE is set, .* set WATCHER_ROUTE_FILE/,
    ],
    [
      { WATCHER_ROUTE_KIND: 'HTTPRoute', VS_API_VERSION: 'networking.istio.io/v1' },
      /^VS_API_VERSION is set, but it applies to a VirtualService/,
    ],
    [{ WATCHER_ROUTE_KIND: 'HTTPRoute', VS_BURST_SUBSET: 'cloud' }, /^VS_BURST_SUBSET is set/],
    [{ VS_API_VERSION: 'v1' }, /^VS_API_VERSION/],
    [{ VS_BURST_SUBSET: 'primary' }, /^VS_BURST_SUBSET/],
    [{ WATCHER_DRY_RUN: 'maybe' }, /^WATCHER_DRY_RUN/],
    [{ WATCHER_INTERVAL_SECONDS: '0' }, /^WATCHER_INTERVAL_SECONDS/],
    [{ PORT: '70000' }, /^PORT/],
    [
      { WATCHER_MODE: 'spill', BURST_HIGH_RPS: '20', PRIMARY_CAPACITY_RPS: '15' },
      /^BURST_HIGH_RPS is not valid: must not be above PRIMARY_CAPACITY_RPS \(15\) in spill mode, got 20/,
    ],
    [{ BURST_CLUSTER: 'a"b' }, /^BURST_CLUSTER="a"b" is not valid/],
    [{ WATCHER_MIN_SUCCESS_RATE: '1.5' }, /^WATCHER_MIN_SUCCESS_RATE=1\.5 is out of range/],
    [{ WATCHER_MIN_SUCCESS_RATE: '95%' }, /^WATCHER_MIN_SUCCESS_RATE="95%" is not valid/],
    [{ WATCHER_HEALTH_SAMPLES: '0' }, /^WATCHER_HEALTH_SAMPLES/],
    [{ WATCHER_HEALTH_MIN_REQUESTS: '2.5' }, /^WATCHER_HEALTH_MIN_REQUESTS/],
    [{ WATCHER_HEALTH_COOLDOWN_SECONDS: '-1' }, /^WATCHER_HEALTH_COOLDOWN_SECONDS/],
    [{ WATCHER_HEALTH_COOLDOWN_SECONDS: '3000000' }, /^WATCHER_HEALTH_COOLDOWN_SECONDS=3000000 is out of range/],
    [{ WATCHER_MAX_LATENCY_MS: '0' }, /^WATCHER_MAX_LATENCY_MS/],
    [{ WATCHER_MAX_LATENCY_MS: 'fast' }, /^WATCHER_MAX_LATENCY_MS/],
    [{ WATCHER_STEP_PERCENT: '0' }, /^WATCHER_STEP_PERCENT/],
    [{ WATCHER_STEP_PERCENT: '150' }, /^WATCHER_STEP_PERCENT/],
    [{ WATCHER_STEP_SECONDS: '86400' }, /^WATCHER_STEP_SECONDS=86400 is out of range/],
    [{ WATCHER_NO_DATA_HOLD_SECONDS: '-5' }, /^WATCHER_NO_DATA_HOLD_SECONDS/],
  ])('%j stops the start naming the variable', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it.each(Object.entries(DURATION_BOUNDS).filter(([name]) => name !== 'WATCHER_RATE_WINDOW'))(
    '%s has bounds %j: below or above stops the start naming the variable',
    (name, { min, max }) => {
      expect(() => loadConfig({ [name]: String(max) })).not.toThrow();
      expect(() => loadConfig({ [name]: String(min) })).not.toThrow();
      expect(() => loadConfig({ [name]: String(max * 10 + 1) })).toThrow(
        new RegExp(`^${name}=\\d+ is out of range: expected a number >= ${min} <= ${max}`),
      );
      if (min > 0) expect(() => loadConfig({ [name]: String(min / 2) })).toThrow(new RegExp(`^${name}=`));
    },
  );

  it.each([
    ['WATCHER_INTERVAL_SECONDS', '3000000'],
    ['WATCHER_QUERY_TIMEOUT_SECONDS', '3000000'],
  ])('%s=%s (past the timer limit) is refused at start', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(`^${name}=3000000 is out of range`));
  });

  it.each([
    ['500ms', /^WATCHER_RATE_WINDOW=500ms is out of range: expected 1s to 60m/],
    ['2h', /^WATCHER_RATE_WINDOW=2h is out of range/],
  ])('WATCHER_RATE_WINDOW=%s is refused', (value, message) => {
    expect(() => loadConfig({ WATCHER_RATE_WINDOW: value })).toThrow(message);
  });
});

describe.each([
  ['virtualservice', 'VirtualService'],
  ['gateway-api', 'HTTPRoute'],
] as const)('the generated watcher Deployment of the %s flavour', (routing, kind) => {
  const manifest = path.join(REPO_ROOT, 'k8s/routing', routing, 'primary/istiowatcher.yaml');
  const deployment = parseAllDocuments(readFileSync(manifest, 'utf8'))
    .map((d) => d.toJS() as { kind?: string; spec?: { template: { spec: { containers: Container[] } } } })
    .find((d) => d.kind === 'Deployment');
  const variables = deployment?.spec?.template.spec.containers[0]?.env ?? [];

  it('sets only variables loadConfig reads, and they name the route of the flavour', () => {
    expect(variables.length).toBeGreaterThan(5);
    const read = new Set<string>();
    const env = new Proxy(Object.fromEntries(variables.map((v) => [v.name, v.value ?? 'from-the-downward-api'])), {
      get(target, name) {
        if (typeof name === 'string') read.add(name);
        return target[name as string];
      },
    });
    const config = loadConfig(env);
    expect(variables.map((v) => v.name).filter((name) => !read.has(name))).toEqual([]);
    expect(config.route).toMatchObject({ kind, name: WORKER_ROUTE_NAMES[kind], namespace: 'default' });
  });
});
