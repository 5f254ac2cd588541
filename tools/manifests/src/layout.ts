import { ALL_BURST, NATURAL } from '@string-hashr/policy';
import { alertFiles, PROMETHEUS_OPERATOR_DIR } from './alerts.js';
import type { ManifestConfig } from './config.js';
import { ADDONS_DIR, grafanaFiles } from './grafana.js';
import { meshTracing } from './tracing.js';
import {
  authorizationPolicies,
  eastWestGatewayInstall,
  exposeIstiod,
  frontendGateway,
  peerAuthentication,
  primaryInstall,
  redisVirtualService,
  remoteInstall,
  workerDestinationRule,
  workerVirtualService,
} from './istio.js';
import { networkPolicies } from './network-policies.js';
import { generatedHeader, renderPlain, renderResources, type Resource } from './render.js';
import {
  appNamespace,
  frontendResources,
  frontendService,
  redisResources,
  redisService,
  watcherResources,
  workerAutoscaler,
  workerDeployment,
  workerService,
  watcherService,
  workerServiceAccount,
} from './workloads.js';

export interface GeneratedFile {
  /** Relative to the output root (the repo root by default). */
  path: string;
  content: string;
}

/**
 * The kustomization file is named `Kustomization` (no extension), one of the three names kustomize
 * looks for: `kubectl apply -f <dir>` reads only *.yaml/*.yml/*.json files, so it skips this one,
 * while `kubectl apply -k <dir>` finds it. A `kustomization.yaml` would be read by `-f` too and
 * fail there (a Kustomization is not an API object). See docs/deploy.md.
 */
export const KUSTOMIZATION_FILE = 'Kustomization';

/** Each folder, its files in apply order, and which files its Kustomization lists. */
export function layout(
  config: ManifestConfig,
): Array<{ dir: string; files: Array<{ name: string; resources: Resource[] }>; kustomize: boolean }> {
  const frontend = frontendResources(config);
  const redis = redisResources(config);
  const watcher = watcherResources(config);
  return [
    {
      dir: 'k8s/primary',
      kustomize: true,
      files: [
        { name: 'namespace.yaml', resources: [appNamespace(config)] },
        { name: 'network-policies.yaml', resources: networkPolicies(config, 'primary') },
        { name: 'redis.yaml', resources: [redis.serviceAccount, redis.deployment] },
        { name: 'redis-service.yaml', resources: [redisService(config)] },
        { name: 'frontend.yaml', resources: [frontend.serviceAccount, frontend.deployment] },
        { name: 'frontend-service.yaml', resources: [frontendService(config)] },
        { name: 'worker-primary.yaml', resources: [workerServiceAccount(config), workerDeployment(config, 'primary')] },
        { name: 'worker-service.yaml', resources: [workerService(config)] },
        {
          name: 'istiowatcher.yaml',
          resources: [
            watcher.serviceAccount,
            watcher.role,
            watcher.roleBinding,
            watcher.deployment,
            // The frontend reads the watcher's /status through this Service.
            ...(config.frontend.readsWatcherStatus ? [watcherService(config)] : []),
          ],
        },
      ],
    },
    {
      dir: 'k8s/burst',
      kustomize: true,
      files: [
        { name: 'namespace.yaml', resources: [appNamespace(config)] },
        { name: 'network-policies.yaml', resources: networkPolicies(config, 'burst') },
        { name: 'redis-service.yaml', resources: [redisService(config)] },
        { name: 'worker-burst.yaml', resources: [workerServiceAccount(config), workerDeployment(config, 'burst')] },
        { name: 'worker-service.yaml', resources: [workerService(config)] },
        { name: 'worker-autoscaler.yaml', resources: [workerAutoscaler(config)] },
      ],
    },
    {
      dir: 'istio-manifests',
      kustomize: true,
      files: [
        { name: 'frontend-gateway.yaml', resources: frontendGateway(config) },
        { name: 'redis-virtualservice.yaml', resources: [redisVirtualService(config)] },
        { name: 'worker-destinationrule.yaml', resources: [workerDestinationRule(config)] },
        { name: 'peer-authentication.yaml', resources: [peerAuthentication(config)] },
        { name: 'authorization-policies.yaml', resources: authorizationPolicies(config) },
      ],
    },
    {
      // Not applied with the folder above: the watcher owns the worker VirtualService's weights and
      // annotations, and a re-apply would reset them. natural.yaml is created once, when absent
      // (tools/cluster/deploy.sh); each file replaces the weights when applied by hand.
      dir: 'istio-manifests/states',
      kustomize: false,
      files: [
        { name: 'natural.yaml', resources: [workerVirtualService(config, NATURAL)] },
        { name: 'burst.yaml', resources: [workerVirtualService(config, ALL_BURST)] },
      ],
    },
    {
      // For istioctl, not kubectl: tools/cluster/install-istio.sh.
      dir: 'istio-manifests/install',
      kustomize: false,
      files: [
        { name: 'primary.yaml', resources: [primaryInstall(config)] },
        { name: 'eastwest-gateway.yaml', resources: [eastWestGatewayInstall(config)] },
        { name: 'expose-istiod.yaml', resources: exposeIstiod() },
        { name: 'remote.yaml', resources: [remoteInstall(config)] },
      ],
    },
    {
      // The mesh's addons, by tools/cluster/install-istio.sh; the Grafana files are added in generate().
      dir: ADDONS_DIR,
      kustomize: false,
      files: [{ name: 'tracing.yaml', resources: [meshTracing()] }],
    },
  ];
}

export function generate(config: ManifestConfig, command: string): GeneratedFile[] {
  const header = generatedHeader(command);
  const out: GeneratedFile[] = [];
  for (const folder of layout(config)) {
    for (const file of folder.files)
      out.push({ path: `${folder.dir}/${file.name}`, content: renderResources(file.resources, header) });
    if (folder.kustomize) {
      const kustomization = {
        apiVersion: 'kustomize.config.k8s.io/v1beta1',
        kind: 'Kustomization',
        resources: folder.files.map((f) => f.name),
      };
      out.push({ path: `${folder.dir}/${KUSTOMIZATION_FILE}`, content: renderPlain(kustomization, header) });
    }
  }
  // Istio's Grafana addon with the burst dashboard: tools/cluster/install-istio.sh.
  out.push(...grafanaFiles(config, command));
  // The alerting rules: Istio's Prometheus addon (install-istio.sh) and prometheus-operator.
  out.push(...alertFiles(config, command));
  return out;
}

/** The folders the generator owns: stale files in them are removed on write and reported on --check. */
export const OUTPUT_DIRS = [
  'k8s/primary',
  'k8s/burst',
  'istio-manifests',
  'istio-manifests/states',
  'istio-manifests/install',
  ADDONS_DIR,
  PROMETHEUS_OPERATOR_DIR,
];
