import path from 'node:path';
import { ALL_BURST, NATURAL } from '@string-hashr/policy';
import { alertFiles, PROMETHEUS_OPERATOR_DIR } from './alerts.js';
import { ROUTINGS, type ManifestConfig, type Routing } from './config.js';
import { frontendGatewayApi, workerHttpRoute } from './gateway-api.js';
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
  workerBackendDestinationRules,
  workerDestinationRule,
  workerVirtualService,
} from './istio.js';
import { networkPolicies } from './network-policies.js';
import { generatedHeader, renderPlain, renderResources, type Resource } from './render.js';
import {
  appNamespace,
  burstScalerResources,
  frontendResources,
  frontendService,
  redisResources,
  redisService,
  watcherResources,
  workerAutoscaler,
  workerBackendServices,
  workerDeployment,
  workerService,
  watcherService,
  workerServiceAccount,
  warmsBurstSide,
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

export interface Folder {
  dir: string;
  /** In apply order. */
  files: Array<{ name: string; resources: Resource[] }>;
  /** Whether it has a Kustomization file listing its files (`kubectl apply -k <dir>`). */
  kustomize: boolean;
  /** A kustomize Component (kind Component): built only as part of a Kustomization that names it. */
  component?: boolean;
  /** The Components this Kustomization adds (folders of this layout). */
  components?: string[];
}

/** Where each routing flavour's own objects are: a kustomize Component per folder it adds to. */
export const routingDir = (base: 'k8s' | 'istio-manifests', routing: Routing, cluster?: 'primary' | 'burst') =>
  [base, 'routing', routing, ...(cluster ? [cluster] : [])].join('/');

/** The weights' states of each flavour, never applied with the folders (see below). */
export const STATES_DIRS: Readonly<Record<Routing, string>> = {
  virtualservice: 'istio-manifests/states',
  'gateway-api': 'istio-manifests/states/gateway-api',
};

/**
 * The objects of one routing flavour: the watcher set for its route (primary), the backend
 * Services of an HTTPRoute (both clusters), the public entrance and the worker's
 * DestinationRule(s) (istio-manifests). Everything else is the same in both flavours.
 */
function routingFolders(config: ManifestConfig, routing: Routing): Folder[] {
  const watcher = watcherResources(config, routing);
  const gatewayApi = routing === 'gateway-api';
  const folders: Folder[] = [
    {
      dir: routingDir('k8s', routing, 'primary'),
      kustomize: true,
      component: true,
      files: [
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
        ...(gatewayApi ? [{ name: 'worker-backends.yaml', resources: workerBackendServices(config, 'primary') }] : []),
      ],
    },
    {
      dir: routingDir('istio-manifests', routing),
      kustomize: true,
      component: true,
      files: gatewayApi
        ? [
            { name: 'frontend-gateway.yaml', resources: frontendGatewayApi(config) },
            { name: 'worker-destinationrules.yaml', resources: workerBackendDestinationRules(config) },
          ]
        : [
            { name: 'frontend-gateway.yaml', resources: frontendGateway(config) },
            { name: 'worker-destinationrule.yaml', resources: [workerDestinationRule(config)] },
          ],
    },
    {
      // Not applied with the folders: the watcher owns the worker route's weights and annotations,
      // and a re-apply would reset them. natural.yaml is created once, when absent
      // (tools/cluster/deploy.sh); each file replaces the weights when applied by hand.
      dir: STATES_DIRS[routing],
      kustomize: false,
      files: [
        {
          name: 'natural.yaml',
          resources: [gatewayApi ? workerHttpRoute(config, NATURAL) : workerVirtualService(config, NATURAL)],
        },
        {
          name: 'burst.yaml',
          resources: [gatewayApi ? workerHttpRoute(config, ALL_BURST) : workerVirtualService(config, ALL_BURST)],
        },
      ],
    },
  ];
  if (gatewayApi)
    folders.push({
      dir: routingDir('k8s', routing, 'burst'),
      kustomize: true,
      component: true,
      files: [{ name: 'worker-backends.yaml', resources: workerBackendServices(config, 'burst') }],
    });
  return folders;
}

/**
 * The burst cluster's side of the watcher's warm-up (BURST_WARM=min-replicas): its identity there
 * and the Role that may only read the burst worker and hold its autoscaler's floor. Always
 * generated, deployed with k8s/burst only when the watcher warms the burst side.
 */
export const WARM_BURST_DIR = 'k8s/warm/burst';

function warmFolder(config: ManifestConfig): Folder {
  const burst = burstScalerResources(config);
  return {
    dir: WARM_BURST_DIR,
    kustomize: true,
    component: true,
    files: [
      {
        name: 'istiowatcher-burst.yaml',
        resources: [burst.serviceAccount, burst.role, burst.roleBinding],
      },
    ],
  };
}

/** The folders whose objects `kubectl apply -k <dir>` deploys: the folder and its Components. */
export function deployedDirs(config: ManifestConfig, dir: string): string[] {
  const folder = layout(config).find((f) => f.dir === dir);
  return [dir, ...(folder?.components ?? [])];
}

/** Each folder, its files in apply order, and which files its Kustomization lists. */
export function layout(config: ManifestConfig): Folder[] {
  const frontend = frontendResources(config);
  const redis = redisResources(config);
  const { routing } = config;
  return [
    {
      dir: 'k8s/primary',
      kustomize: true,
      components: [routingDir('k8s', routing, 'primary')],
      files: [
        { name: 'namespace.yaml', resources: [appNamespace(config)] },
        { name: 'network-policies.yaml', resources: networkPolicies(config, 'primary') },
        { name: 'redis.yaml', resources: [redis.serviceAccount, redis.deployment] },
        { name: 'redis-service.yaml', resources: [redisService(config)] },
        { name: 'frontend.yaml', resources: [frontend.serviceAccount, frontend.deployment] },
        { name: 'frontend-service.yaml', resources: [frontendService(config)] },
        { name: 'worker-primary.yaml', resources: [workerServiceAccount(config), workerDeployment(config, 'primary')] },
        { name: 'worker-service.yaml', resources: [workerService(config)] },
      ],
    },
    {
      dir: 'k8s/burst',
      kustomize: true,
      components: [
        ...(routing === 'gateway-api' ? [routingDir('k8s', routing, 'burst')] : []),
        ...(warmsBurstSide(config) ? [WARM_BURST_DIR] : []),
      ],
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
      components: [routingDir('istio-manifests', routing)],
      files: [
        { name: 'redis-virtualservice.yaml', resources: [redisVirtualService(config)] },
        { name: 'peer-authentication.yaml', resources: [peerAuthentication(config)] },
        { name: 'authorization-policies.yaml', resources: authorizationPolicies(config) },
      ],
    },
    // Both flavours, whichever `routing` deploys.
    ...ROUTINGS.flatMap((flavour) => routingFolders(config, flavour)),
    warmFolder(config),
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
      const components = (folder.components ?? []).map((dir) => path.posix.relative(folder.dir, dir));
      const kustomization = folder.component
        ? {
            apiVersion: 'kustomize.config.k8s.io/v1alpha1',
            kind: 'Component',
            resources: folder.files.map((f) => f.name),
          }
        : {
            apiVersion: 'kustomize.config.k8s.io/v1beta1',
            kind: 'Kustomization',
            resources: folder.files.map((f) => f.name),
            ...(components.length ? { components } : {}),
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
  ...ROUTINGS.flatMap((routing) => [
    routingDir('k8s', routing, 'primary'),
    routingDir('k8s', routing, 'burst'),
    routingDir('istio-manifests', routing),
    STATES_DIRS[routing],
  ]),
  WARM_BURST_DIR,
  'istio-manifests/install',
  ADDONS_DIR,
  PROMETHEUS_OPERATOR_DIR,
];
