// The Grafana provisioning files fit together and fit Istio's addon: the built kubectl patches, on a
// real API server (tools/control-plane), a Deployment mounted as the addon's is
// (samples/addons/grafana.yaml of Istio 1.28: its config, storage and dashboards, each by path).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { describeResult, startControlPlane, type TestControlPlane } from '@string-hashr/testing';
import { ADDONS_DIR, GRAFANA_ADDON, GRAFANA_FILES } from '../src/grafana.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const file = (name: string) => path.join(root, ADDONS_DIR, name);

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Doc = Record<string, any>;
interface Mount {
  name: string;
  mountPath: string;
  subPath?: string;
}

/** The addon's mounts as Istio ships them: the dashboards of its own, and its provisioning files by subPath. */
const ADDON_MOUNTS: Mount[] = [
  { name: 'config', mountPath: '/etc/grafana/grafana.ini', subPath: 'grafana.ini' },
  { name: 'storage', mountPath: '/var/lib/grafana' },
  { name: 'dashboards-istio', mountPath: '/var/lib/grafana/dashboards/istio' },
  { name: 'dashboards-istio-services', mountPath: '/var/lib/grafana/dashboards/istio-services' },
  {
    name: 'config',
    mountPath: '/etc/grafana/provisioning/datasources/datasources.yaml',
    subPath: 'datasources.yaml',
  },
  {
    name: 'config',
    mountPath: '/etc/grafana/provisioning/dashboards/dashboardproviders.yaml',
    subPath: 'dashboardproviders.yaml',
  },
];
const ADDON_VOLUMES = [
  { name: 'config', configMap: { name: 'grafana' } },
  { name: 'dashboards-istio', configMap: { name: 'istio-grafana-dashboards' } },
  { name: 'dashboards-istio-services', configMap: { name: 'istio-services-grafana-dashboards' } },
  { name: 'storage', emptyDir: {} },
];
const addonDeployment = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: GRAFANA_ADDON.deployment, namespace: GRAFANA_ADDON.namespace },
  spec: {
    selector: { matchLabels: { 'app.kubernetes.io/name': 'grafana', 'app.kubernetes.io/instance': 'grafana' } },
    template: {
      metadata: { labels: { 'app.kubernetes.io/name': 'grafana', 'app.kubernetes.io/instance': 'grafana' } },
      spec: {
        containers: [
          {
            name: GRAFANA_ADDON.container,
            image: 'docker.io/grafana/grafana:11.3.1',
            env: [{ name: 'GF_PATHS_PROVISIONING', value: '/etc/grafana/provisioning' }],
            volumeMounts: ADDON_MOUNTS,
          },
        ],
        volumes: ADDON_VOLUMES,
      },
    },
  },
};

const configMap = parse(readFileSync(file(GRAFANA_FILES.configMap), 'utf8')) as Doc;

describe("the Grafana patch on Istio's addon (the built kubectl, a real API server)", () => {
  let cp: TestControlPlane;
  const target = ['-n', GRAFANA_ADDON.namespace, 'deployment', GRAFANA_ADDON.deployment];
  /** `kubectl patch` of the addon's Deployment with the generated patch file, as install-istio.sh runs it. */
  const patch = () =>
    cp.kubectl(['patch', ...target, '--type', 'strategic', '--patch-file', file(GRAFANA_FILES.patch)]);
  const live = async () => {
    const got = await cp.kubectl(['get', ...target, '-o', 'yaml']);
    expect(got.code, describeResult(got)).toBe(0);
    return parse(got.stdout) as Doc;
  };

  let once: Doc;
  let spec: Doc;
  let mounts: Mount[];
  let ours: Mount[];
  beforeAll(async () => {
    cp = await startControlPlane();
    for (const args of [
      ['create', 'namespace', GRAFANA_ADDON.namespace],
      ['create', '-f', '-'],
    ]) {
      const made = await cp.kubectl(args, { input: stringify(addonDeployment) });
      if (made.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${describeResult(made)}`);
    }
    const patched = await patch();
    if (patched.code !== 0) throw new Error(`kubectl patch: ${describeResult(patched)}`);
    once = await live();
    spec = once.spec.template.spec;
    mounts = spec.containers.find((c: Doc) => c.name === GRAFANA_ADDON.container).volumeMounts;
    ours = mounts.filter((m) => !ADDON_MOUNTS.some((a) => a.mountPath === m.mountPath));
  });
  afterAll(async () => {
    await cp?.stop();
  });

  it('keeps every mount and volume of the addon and adds a dashboards folder and a provider file', () => {
    for (const mount of ADDON_MOUNTS) expect(mounts).toContainEqual(expect.objectContaining(mount));
    // The server fills in defaults (a ConfigMap volume's defaultMode): what the addon set must be there.
    for (const volume of ADDON_VOLUMES)
      expect(spec.volumes.find((v: Doc) => v.name === volume.name)).toMatchObject(volume);
    expect(ours.map((m) => m.mountPath).sort()).toEqual([
      '/etc/grafana/provisioning/dashboards/string-hashr.yaml',
      '/var/lib/grafana/dashboards/string-hashr',
    ]);
    expect(new Set(mounts.map((m) => m.mountPath)).size).toBe(mounts.length);
    expect(once.spec.selector).toEqual(addonDeployment.spec.selector);
  });

  it('changes nothing when applied again (install-istio.sh may run twice)', async () => {
    const again = await patch();
    expect(again.code, describeResult(again)).toBe(0);
    expect(again.stdout).toContain('(no change)');
    expect((await live()).metadata.resourceVersion).toBe(once.metadata.resourceVersion);
  });

  it('mounts keys the ConfigMap has; the provider reads the folder the dashboard is mounted at', () => {
    expect(configMap).toMatchObject({ kind: 'ConfigMap', metadata: { namespace: GRAFANA_ADDON.namespace } });
    for (const mount of ours) {
      const volume = spec.volumes.find((v: Doc) => v.name === mount.name);
      expect(volume?.configMap?.name, mount.mountPath).toBe(configMap.metadata.name);
      for (const item of volume.configMap.items) expect(Object.keys(configMap.data)).toContain(item.key);
    }
    const providerMount = ours.find((m) => m.subPath);
    const providerKey = spec.volumes.find((v: Doc) => v.name === providerMount?.name).configMap.items[0].key;
    const provider = parse(configMap.data[providerKey]) as Doc;
    const dashboardsMount = ours.find((m) => !m.subPath);
    expect(provider.providers).toHaveLength(1);
    expect(provider.providers[0]).toMatchObject({ type: 'file', options: { path: dashboardsMount?.mountPath } });
    // The provider is a file beside the addon's own, in the folder Grafana provisions from.
    expect(path.dirname(providerMount?.mountPath ?? '')).toBe('/etc/grafana/provisioning/dashboards');
  });

  it('the ConfigMap carries the dashboard file as generated', () => {
    expect(configMap.data[GRAFANA_FILES.dashboard]).toBe(readFileSync(file(GRAFANA_FILES.dashboard), 'utf8'));
  });
});
