import { describe, expect, it } from 'vitest';
import { readStackConfig } from './config.js';
import { planStack, prometheusConfig, statusBlock } from './plan.js';

const facts = {
  repoRoot: '/repo',
  stateDir: '/state',
  node: '/usr/bin/node',
  redisUrl: '127.0.0.1:6379',
  routeFile: '/state/vs.yaml',
};

describe('planStack', () => {
  it('runs two workers, the stand-in, the frontend and the watcher, in that order, wired together', () => {
    const plan = planStack(readStackConfig({}), facts);
    expect(plan.map((c) => c.name)).toEqual(['worker', 'burst-worker', 'mesh', 'frontend', 'istiowatcher']);
    const byName = (name: string) => plan.find((c) => c.name === name)!;
    expect(byName('worker').env).toEqual({ PORT: '8081', REDIS_URL: '127.0.0.1:6379', PREFIX: '' });
    expect(byName('burst-worker').env).toEqual({ PORT: '8082', REDIS_URL: '127.0.0.1:6379', PREFIX: 'bursty-' });
    expect(byName('mesh').env).toEqual({
      MESH_PORT: '15001',
      MESH_ROUTE_FILE: '/state/vs.yaml',
      MESH_PRIMARY_URL: 'http://127.0.0.1:8081',
      MESH_BURST_URL: 'http://127.0.0.1:8082',
      MESH_LOG_WEIGHTS: 'false',
    });
    expect(byName('frontend').env.PROCESSOR_URL).toBe('http://127.0.0.1:15001');
    // The page shows the watcher's state: the frontend relays the watcher's status.
    expect(byName('frontend').env.WATCHER_STATUS_URL).toBe('http://127.0.0.1:9102/status');
    expect(byName('istiowatcher').env).toMatchObject({
      WATCHER_ROUTER: 'file',
      WATCHER_ROUTE_KIND: 'VirtualService',
      WATCHER_ROUTE_FILE: '/state/vs.yaml',
      WATCHER_SOURCE: 'scrape',
      WATCHER_SCRAPE_URL: 'http://127.0.0.1:15001/stats/prometheus',
      WATCHER_LEADER_ELECTION: 'false',
      PORT: '9102',
    });
  });

  it('WATCHER_ROUTE_KIND=HTTPRoute: the stand-in follows and the watcher rewrites the HTTPRoute, and the block says so', () => {
    const config = readStackConfig({ WATCHER_ROUTE_KIND: 'HTTPRoute' });
    const plan = planStack(config, { ...facts, routeFile: '/state/worker-httproute.yaml' });
    const byName = (name: string) => plan.find((c) => c.name === name)!;
    expect(byName('mesh').env.MESH_ROUTE_FILE).toBe('/state/worker-httproute.yaml');
    expect(byName('istiowatcher').env).toMatchObject({
      WATCHER_ROUTE_KIND: 'HTTPRoute',
      WATCHER_ROUTE_FILE: '/state/worker-httproute.yaml',
    });
    const block = statusBlock(config, plan, []);
    expect(block).toMatch(/\n {2}mesh +\S+ \(weights from the HTTPRoute in \/state\/worker-httproute\.yaml\)/);
    expect(block).toMatch(/\n {2}istiowatcher +\S+ .*file router on the HTTPRoute/);
  });

  it('adds its own Redis first and Prometheus before the watcher, which then reads Prometheus', () => {
    const plan = planStack(readStackConfig({}), {
      ...facts,
      ownRedis: { binary: '/usr/bin/redis-server', port: 7000 },
      redisUrl: '127.0.0.1:7000',
      prometheusBinary: '/usr/bin/prometheus',
    });
    expect(plan.map((c) => c.name)).toEqual([
      'redis',
      'worker',
      'burst-worker',
      'mesh',
      'frontend',
      'prometheus',
      'istiowatcher',
    ]);
    expect(plan[0]?.args.slice(0, 2)).toEqual(['--port', '7000']);
    expect(plan[1]?.env.REDIS_URL).toBe('127.0.0.1:7000');
    expect(plan.at(-1)!.env).toMatchObject({ WATCHER_SOURCE: 'prometheus', PROMETHEUS_URL: 'http://127.0.0.1:9090' });
    expect(plan.at(-1)!.env).not.toHaveProperty('WATCHER_SCRAPE_URL');
  });
});

describe('prometheusConfig and statusBlock', () => {
  it('scrapes the stand-in, the watcher and the frontend every second, each on its own path', () => {
    const text = prometheusConfig({ mesh: 15001, watcher: 9102, frontend: 8080 });
    expect(text).toContain('scrape_interval: 1s');
    const jobs = [...text.matchAll(/job_name: (\S+)\n\s+metrics_path: (\S+)\n.*\n\s+- targets: \['([^']+)'\]/g)].map(
      (m) => m.slice(1),
    );
    expect(jobs).toEqual([
      ['mesh', '/stats/prometheus', '127.0.0.1:15001'],
      ['kubernetes-pods', '/metrics', '127.0.0.1:9102'],
      ['frontend', '/metrics', '127.0.0.1:8080'],
    ]);
  });

  it('loads the alert rules and scrapes the watcher with the labels Istio addon gives its pod', () => {
    const text = prometheusConfig({ mesh: 15001, watcher: 9102, frontend: 8080 });
    expect(text).toContain('rule_files:\n  - alerts.rules.yml\n');
    expect(text).toContain(
      '      - targets: [\'127.0.0.1:9102\']\n        labels: {"app":"istiowatcher","namespace":"default","pod":"istiowatcher-local"}\n',
    );
  });

  it('shows the page URL, every component and what is off', () => {
    const config = readStackConfig({});
    const block = statusBlock(config, planStack(config, facts), ['Prometheus (not installed)']);
    expect(block).toContain('Open the page:  http://127.0.0.1:8080');
    for (const name of ['worker', 'burst-worker', 'mesh', 'frontend', 'istiowatcher'])
      expect(block).toMatch(new RegExp(`\\n  ${name} +\\S`));
    expect(block).toContain('off: Prometheus (not installed)');
    expect(block).toContain('Each weight change the watcher makes is printed below as one line');
  });

  it.each([
    [{}, 'Type a rate above 15 req/s to see bursty- hashes;'],
    [{ BURST_HIGH_RPS: '20', BURST_LOW_RPS: '12' }, 'Type a rate above 20 req/s to see bursty- hashes;'],
    [
      { WATCHER_MODE: 'spill', BURST_HIGH_RPS: '8', BURST_LOW_RPS: '5', PRIMARY_CAPACITY_RPS: '12' },
      'Type a rate above 8 req/s to see bursty- hashes (spill: primary keeps 12 req/s);',
    ],
  ])('tells the rate that bursts from the watcher settings it runs with: %o', (env, line) => {
    const config = readStackConfig(env);
    expect(statusBlock(config, planStack(config, facts), [])).toContain(line);
  });
});

describe('planStack with LOCAL_ROUTER=kubernetes', () => {
  const kubeFacts = {
    ...facts,
    kubernetes: { apiServerPort: 6443, watcherKubeconfig: '/state/istiowatcher.kubeconfig' },
  };

  it('starts the control plane first, and runs the watcher with its kubernetes router as its ServiceAccount', () => {
    const plan = planStack(readStackConfig({ LOCAL_ROUTER: 'kubernetes' }), kubeFacts);
    expect(plan.map((c) => c.name)).toEqual([
      'control-plane',
      'worker',
      'burst-worker',
      'mesh',
      'frontend',
      'istiowatcher',
    ]);
    const byName = (name: string) => plan.find((c) => c.name === name)!;
    expect(byName('control-plane').args.slice(1)).toEqual([
      '/repo/tools/control-plane/src/main.ts',
      '--apiserver-port',
      '6443',
      // The route kind's CRD only.
      '--crds',
      'virtualservices.networking.istio.io',
    ]);
    // Without the apps' build, no control plane build either: it must be there.
    const unbuilt = planStack(readStackConfig({ LOCAL_ROUTER: 'kubernetes', LOCAL_STACK_BUILD: 'false' }), kubeFacts);
    expect(unbuilt[0]!.args).toContain('--no-build');
    const watcher = byName('istiowatcher').env;
    expect(watcher).toMatchObject({ WATCHER_ROUTER: 'kubernetes', KUBECONFIG: '/state/istiowatcher.kubeconfig' });
    // Leader election stays on (its Lease); no route file for the watcher.
    expect(watcher).not.toHaveProperty('WATCHER_LEADER_ELECTION');
    expect(watcher).not.toHaveProperty('WATCHER_ROUTE_FILE');
    // The stand-in reads the file the follower writes from the route object.
    expect(byName('mesh').env.MESH_ROUTE_FILE).toBe('/state/vs.yaml');
  });

  it('is ready when it prints its KUBECONFIG= line, not before', () => {
    const health = planStack(readStackConfig({ LOCAL_ROUTER: 'kubernetes' }), kubeFacts)[0]!.health;
    if (health.kind !== 'output') throw new Error(`expected an output health check, got ${health.kind}`);
    const lines = ['ETCD_ENDPOINT=http://x', 'KUBE_APISERVER=https://y', 'AUDIT_LOG=/a', 'CONTROL_PLANE_BIN=/b'];
    expect(health.ready(`building...\n${lines.join('\n')}\n`)).toBe(false);
    expect(health.ready(`${lines.join('\n')}\nKUBECONFIG=/k\n`)).toBe(true);
  });

  it('the status block prints the KUBECONFIG= line on its own, and how to read the route', () => {
    const config = readStackConfig({ LOCAL_ROUTER: 'kubernetes' });
    const block = statusBlock(config, planStack(config, kubeFacts), [], {
      kubeconfig: '/cp/admin.kubeconfig',
      bin: '/cp/bin',
    });
    expect(block).toMatch(/^KUBECONFIG=\/cp\/admin\.kubeconfig$/m);
    expect(block).toContain('kubectl get virtualservices worker-virtual-service -o yaml');
    expect(statusBlock(config, planStack(readStackConfig({}), facts), [])).not.toContain('KUBECONFIG=');
  });
});
