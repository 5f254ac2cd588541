/**
 * How the burst dashboard reaches Istio's Grafana addon (samples/addons/grafana.yaml), which
 * provisions only its own dashboards: a ConfigMap of ours holding the dashboard and a provider
 * file, and a strategic-merge patch that mounts both into the addon's Deployment. The addon's
 * objects stay Istio's; re-applying them keeps the patch (it is not in their last-applied state).
 */
import { ConfigMap } from 'kubernetes-models/v1';
import { stringify } from 'yaml';
import { policySettingsFromEnv } from '@string-hashr/watcher-settings';
import type { ManifestConfig } from './config.js';
import { burstDashboard, type Dashboard } from './dashboard.js';
import { generatedHeader, generatedNote, renderPlain, renderResources } from './render.js';

/** Istio's Grafana addon, as samples/addons/grafana.yaml names it. */
export const GRAFANA_ADDON = { namespace: 'istio-system', deployment: 'grafana', container: 'grafana' } as const;

/** Where the generated files go, and their names; tools/cluster/install-istio.sh uses them. */
export const ADDONS_DIR = 'istio-manifests/addons';
export const GRAFANA_FILES = {
  dashboard: 'string-hashr-burst.json',
  configMap: 'grafana-dashboards.yaml',
  patch: 'grafana-patch.yaml',
} as const;

const CONFIG_MAP_NAME = 'string-hashr-grafana-dashboards';
const PROVIDER_KEY = 'provider.yaml';
const DASHBOARDS_DIR = '/var/lib/grafana/dashboards/string-hashr';
/** Grafana reads every YAML file in provisioning/dashboards; the addon's own is dashboardproviders.yaml. */
const PROVIDER_PATH = '/etc/grafana/provisioning/dashboards/string-hashr.yaml';
const VOLUMES = { dashboards: 'string-hashr-dashboards', provider: 'string-hashr-dashboard-provider' } as const;

/** Grafana's dashboard provider: the folder "String Hashr", read from the mounted ConfigMap every 10 s. */
export function dashboardProvider(): unknown {
  return {
    apiVersion: 1,
    providers: [
      {
        name: 'string-hashr',
        folder: 'String Hashr',
        type: 'file',
        orgId: 1,
        disableDeletion: true,
        allowUiUpdates: false,
        updateIntervalSeconds: 10,
        options: { path: DASHBOARDS_DIR },
      },
    ],
  };
}

export function dashboardJson(dashboard: Dashboard): string {
  return `${JSON.stringify(dashboard, null, 2)}\n`;
}

export function grafanaConfigMap(dashboard: Dashboard): ConfigMap {
  return new ConfigMap({
    metadata: {
      name: CONFIG_MAP_NAME,
      namespace: GRAFANA_ADDON.namespace,
      labels: { 'app.kubernetes.io/part-of': 'string-hashr' },
    },
    data: {
      [GRAFANA_FILES.dashboard]: dashboardJson(dashboard),
      [PROVIDER_KEY]: stringify(dashboardProvider()),
    },
  });
}

/**
 * The patch for the addon's Deployment. The dashboards folder is a whole-volume mount, so a new
 * dashboard reaches Grafana without a restart; the provider file is a subPath mount beside the addon's.
 */
export function grafanaDeploymentPatch(): unknown {
  return {
    spec: {
      template: {
        spec: {
          containers: [
            {
              name: GRAFANA_ADDON.container,
              volumeMounts: [
                { name: VOLUMES.dashboards, mountPath: DASHBOARDS_DIR, readOnly: true },
                { name: VOLUMES.provider, mountPath: PROVIDER_PATH, subPath: PROVIDER_KEY, readOnly: true },
              ],
            },
          ],
          volumes: [
            {
              name: VOLUMES.dashboards,
              configMap: {
                name: CONFIG_MAP_NAME,
                items: [{ key: GRAFANA_FILES.dashboard, path: GRAFANA_FILES.dashboard }],
              },
            },
            {
              name: VOLUMES.provider,
              configMap: { name: CONFIG_MAP_NAME, items: [{ key: PROVIDER_KEY, path: PROVIDER_KEY }] },
            },
          ],
        },
      },
    },
  };
}

/** The dashboard (for Grafana's import too), its ConfigMap, and the patch, under istio-manifests/addons/. */
export function grafanaFiles(config: ManifestConfig, command: string): Array<{ path: string; content: string }> {
  const dashboard = burstDashboard({
    namespace: config.namespace,
    note: generatedNote(command),
    burstPodCapacityRps: policySettingsFromEnv(config.watcher).burstPodCapacityRps,
  });
  const header = generatedHeader(command);
  const patchUsage = `# A patch, not an object: kubectl -n ${GRAFANA_ADDON.namespace} patch deployment ${GRAFANA_ADDON.deployment} --type strategic --patch-file ${ADDONS_DIR}/${GRAFANA_FILES.patch}\n`;
  return [
    { path: `${ADDONS_DIR}/${GRAFANA_FILES.dashboard}`, content: dashboardJson(dashboard) },
    {
      path: `${ADDONS_DIR}/${GRAFANA_FILES.configMap}`,
      content: renderResources([grafanaConfigMap(dashboard)], header),
    },
    {
      path: `${ADDONS_DIR}/${GRAFANA_FILES.patch}`,
      content: renderPlain(grafanaDeploymentPatch(), header + patchUsage),
    },
  ];
}
