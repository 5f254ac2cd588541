import { Deployment } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { Role, RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import {
  Namespace,
  Service,
  ServiceAccount,
  type IContainer,
  type IEnvVar,
  type IPodSpec,
  type IProbe,
} from 'kubernetes-models/v1';
import { burstScalerRbacRules, watcherRbacRules } from '@string-hashr/kube-objects';
import { imageOf, type ManifestConfig, type Routing } from './config.js';
import {
  APP_LABELS,
  BURST_AUTOSCALER_ANNOTATIONS,
  LEADER_LEASE_NAME,
  WORKER_BACKENDS,
  WORKER_ROUTE_NAMES,
  CLUSTER_TYPE_LABEL,
  CLUSTER_TYPES,
  DEPLOYMENTS,
  PORTS,
  PROBE_COOKIES,
  SECRETS,
  SERVICE_ACCOUNTS,
  SERVICES,
  watcherStatusUrl,
  type RouteKind,
} from '@string-hashr/contract';

export type ClusterRole = 'primary' | 'burst';

const env = (vars: Record<string, string>): IEnvVar[] => Object.entries(vars).map(([name, value]) => ({ name, value }));

/** A variable read from one of SECRETS (created by tools/cluster/deploy.sh, never in these files). */
const fromSecret = (name: string, secret: { name: string; key: string }): IEnvVar => ({
  name,
  valueFrom: { secretKeyRef: { name: secret.name, key: secret.key } },
});

/**
 * REDIS_PASSWORD from its Secret, first: Kubernetes expands `$(REDIS_PASSWORD)` in the variables
 * after it, so REDIS_URL carries the password without it being written anywhere.
 */
const redisPassword = (): IEnvVar => fromSecret('REDIS_PASSWORD', SECRETS.redisPassword);
const REDIS_URL_WITH_PASSWORD = `redis://:$(REDIS_PASSWORD)@${SERVICES.redis.name}:${SERVICES.redis.port}`;

/**
 * The app's namespace, on both clusters: sidecars injected, and Pod Security "restricted"
 * enforced (not only warned about): a pod that asks for more is refused at admission.
 */
export function appNamespace(config: ManifestConfig): Namespace {
  return new Namespace({
    metadata: {
      name: config.namespace,
      labels: {
        'istio-injection': 'enabled',
        'pod-security.kubernetes.io/enforce': 'restricted',
        'pod-security.kubernetes.io/enforce-version': 'latest',
        'pod-security.kubernetes.io/audit': 'restricted',
        'pod-security.kubernetes.io/warn': 'restricted',
      },
    },
  });
}

function httpProbe(path: string, port: number, cookie?: string): IProbe {
  return {
    httpGet: { path, port, ...(cookie ? { httpHeaders: [{ name: 'Cookie', value: cookie }] } : {}) },
    initialDelaySeconds: 5,
    periodSeconds: 10,
    timeoutSeconds: 2,
    failureThreshold: 3,
  };
}

/** Readiness `/_healthz` and liveness `/`, with the codelab's session cookies. */
function appProbes(port: number): Pick<IContainer, 'readinessProbe' | 'livenessProbe'> {
  return {
    readinessProbe: httpProbe('/_healthz', port, PROBE_COOKIES.readiness),
    livenessProbe: httpProbe('/', port, PROBE_COOKIES.liveness),
  };
}

/** Pod Security "restricted" for every container, plus a read-only root filesystem. */
const CONTAINER_SECURITY: IContainer['securityContext'] = {
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  runAsNonRoot: true,
  capabilities: { drop: ['ALL'] },
  seccompProfile: { type: 'RuntimeDefault' },
};

/** The uid the app images run as (the Dockerfiles' USER; distroless "nonroot"). */
const APP_UID = 65532;
/** The redis user of the official redis:alpine image. */
const REDIS_UID = 999;

type Workload = keyof typeof DEPLOYMENTS;

interface WorkloadSpec {
  /** Absent when an autoscaler owns the count: a re-apply must not reset what the HPA chose. */
  replicas?: number;
  /** Labels on the pods only (not in the selector), e.g. cluster-type. */
  podLabels?: Record<string, string>;
  /** The port Istio's Prometheus addon scrapes `/metrics` on, when the app serves it. */
  metricsPort?: number;
  uid: number;
  container: Omit<IContainer, 'name'>;
  /** The one writable place; everything else is a read-only root filesystem. */
  scratch?: { name: string; mountPath: string; sizeLimit: string };
  /** A Secret's keys as read-only files; `optional`: the pod starts without the Secret. */
  secretFiles?: { name: string; secretName: string; mountPath: string; optional: boolean };
}

/**
 * One of the app's Deployments: its name, `app` label and ServiceAccount from the contract,
 * Pod Security "restricted" for the pod and its one container, a scratch volume.
 */
function workloadDeployment(config: ManifestConfig, workload: Workload, w: WorkloadSpec): Deployment {
  const app = APP_LABELS[workload];
  const scratch = w.scratch ?? { name: 'tmp', mountPath: '/tmp', sizeLimit: '16Mi' };
  const annotations = w.metricsPort === undefined ? undefined : scrapeAnnotations(w.metricsPort);
  const spec: IPodSpec = {
    serviceAccountName: SERVICE_ACCOUNTS[workload],
    // Only the watcher talks to the Kubernetes API; nobody else gets a token.
    automountServiceAccountToken: workload === 'istiowatcher',
    securityContext: {
      runAsNonRoot: true,
      runAsUser: w.uid,
      runAsGroup: w.uid,
      fsGroup: w.uid,
      seccompProfile: { type: 'RuntimeDefault' },
    },
    containers: [
      {
        name: workload,
        ...w.container,
        imagePullPolicy: 'IfNotPresent',
        securityContext: CONTAINER_SECURITY,
        volumeMounts: [
          { name: scratch.name, mountPath: scratch.mountPath },
          ...(w.secretFiles ? [{ name: w.secretFiles.name, mountPath: w.secretFiles.mountPath, readOnly: true }] : []),
        ],
      },
    ],
    volumes: [
      { name: scratch.name, emptyDir: { sizeLimit: scratch.sizeLimit } },
      ...(w.secretFiles
        ? [
            {
              name: w.secretFiles.name,
              // Readable by the pod's group (fsGroup) only.
              secret: { secretName: w.secretFiles.secretName, optional: w.secretFiles.optional, defaultMode: 0o440 },
            },
          ]
        : []),
    ],
  };
  return new Deployment({
    metadata: { name: DEPLOYMENTS[workload], namespace: config.namespace, labels: { app } },
    spec: {
      ...(w.replicas !== undefined ? { replicas: w.replicas } : {}),
      selector: { matchLabels: { app } },
      template: { metadata: { labels: { app, ...w.podLabels }, ...(annotations ? { annotations } : {}) }, spec },
    },
  });
}

/** The container of one of our HTTP apps: its image, its port named `http`, the codelab's probes. */
function httpApp(
  config: ManifestConfig,
  app: 'worker' | 'frontend',
  env: IEnvVar[],
  resources: IContainer['resources'],
) {
  return {
    image: imageOf(config, app),
    ports: [{ name: 'http', containerPort: PORTS[app] }],
    env,
    ...appProbes(PORTS[app]),
    resources,
  };
}

function serviceAccount(config: ManifestConfig, name: string, app: string): ServiceAccount {
  return new ServiceAccount({
    metadata: { name, namespace: config.namespace, labels: { app } },
    automountServiceAccountToken: false,
  });
}

function service(
  config: ManifestConfig,
  name: string,
  app: string,
  port: number,
  targetPort: number,
  portName: string,
): Service {
  return new Service({
    metadata: { name, namespace: config.namespace, labels: { app } },
    spec: { type: 'ClusterIP', selector: { app }, ports: [{ name: portName, port, targetPort, protocol: 'TCP' }] },
  });
}

/** Istio's Prometheus addon scrapes pods with these (merged with the sidecar's own metrics). */
const scrapeAnnotations = (port: number) => ({
  'prometheus.io/scrape': 'true',
  'prometheus.io/port': String(port),
  'prometheus.io/path': '/metrics',
});

export function workerEnv(config: ManifestConfig, cluster: ClusterRole): Record<string, string> {
  return {
    PORT: String(PORTS.worker),
    REDIS_URL: REDIS_URL_WITH_PASSWORD,
    PREFIX: cluster === 'burst' ? config.burstPrefix : '',
    LOG_REQUESTS: 'errors',
  };
}

export function frontendEnv(config: ManifestConfig): Record<string, string> {
  return {
    PORT: String(PORTS.frontend),
    PROCESSOR_URL: `http://${SERVICES.worker.name}`,
    REDIS_URL: REDIS_URL_WITH_PASSWORD,
    MAX_RATE: String(config.frontend.maxRate),
    // How the page tells burst hashes from primary ones: the burst worker's PREFIX.
    BURST_PREFIX: config.burstPrefix,
    // Pages without the key (CONTROL_KEY, from its Secret) watch read-only.
    RATE_CONTROL: 'key',
    // The page shows what the watcher decides: the frontend reads its /status through the mesh.
    ...(config.frontend.readsWatcherStatus ? { WATCHER_STATUS_URL: watcherStatusUrl(config.namespace) } : {}),
  };
}

/** The route kind each routing flavour puts the worker's weights in. */
export const ROUTE_KIND_OF: Readonly<Record<Routing, RouteKind>> = {
  virtualservice: 'VirtualService',
  'gateway-api': 'HTTPRoute',
};

/** The watcher's environment: the settings, and the route it moves, by the current names. */
export function watcherEnv(config: ManifestConfig, routing: Routing = config.routing): Record<string, string> {
  const kind = ROUTE_KIND_OF[routing];
  const route = { WATCHER_ROUTE_KIND: kind, ROUTE_NAME: WORKER_ROUTE_NAMES[kind], ROUTE_NAMESPACE: config.namespace };
  return { ...config.watcher, ...route, PORT: String(PORTS.istiowatcher) };
}

export function workerServiceAccount(config: ManifestConfig) {
  return serviceAccount(config, SERVICE_ACCOUNTS.worker, APP_LABELS.worker);
}

export function workerDeployment(config: ManifestConfig, cluster: ClusterRole): Deployment {
  return workloadDeployment(config, 'worker', {
    // On burst the HPA owns the count (it starts at its minReplicas when the Deployment is created).
    replicas: cluster === 'primary' ? config.replicas.workerPrimary : undefined,
    podLabels: { [CLUSTER_TYPE_LABEL]: CLUSTER_TYPES[cluster] },
    metricsPort: PORTS.worker,
    uid: APP_UID,
    container: httpApp(config, 'worker', [redisPassword(), ...env(workerEnv(config, cluster))], {
      requests: { cpu: '100m', memory: '96Mi' },
      limits: { cpu: '500m', memory: '256Mi' },
    }),
  });
}

export function workerService(config: ManifestConfig): Service {
  return service(config, SERVICES.worker.name, APP_LABELS.worker, SERVICES.worker.port, PORTS.worker, 'http');
}

/**
 * gateway-api: the HTTPRoute's backends, a Service per cluster type's workers. Primary's frontend
 * routes to both, so primary has both; burst has its own, where Istio finds its endpoints.
 */
export function workerBackendServices(config: ManifestConfig, cluster: ClusterRole): Service[] {
  const clusters: ClusterRole[] = cluster === 'primary' ? ['primary', 'burst'] : ['burst'];
  return clusters.map((side) => {
    const svc = service(config, WORKER_BACKENDS[side], APP_LABELS.worker, SERVICES.worker.port, PORTS.worker, 'http');
    return new Service({
      ...svc,
      spec: { ...svc.spec, selector: { app: APP_LABELS.worker, [CLUSTER_TYPE_LABEL]: CLUSTER_TYPES[side] } },
    });
  });
}

/**
 * CPU-driven, so a burst of requests adds worker pods and the autoscaling node pool follows. Its
 * `minReplicas` is also written as the natural floor: the watcher's warm-up raises `minReplicas`
 * and gives back exactly to this. While the watcher holds that floor, its give-back delay keeps the
 * warm pods, so the HPA's own scale-down window only trims the pods above it.
 */
export function workerAutoscaler(config: ManifestConfig): HorizontalPodAutoscaler {
  const { minReplicas, maxReplicas, targetCpuUtilization } = config.burstAutoscaling;
  const stabilizationWindowSeconds =
    config.watcher.BURST_WARM === 'min-replicas'
      ? config.burstAutoscaling.warmScaleDownStabilizationSeconds
      : config.burstAutoscaling.scaleDownStabilizationSeconds;
  return new HorizontalPodAutoscaler({
    metadata: {
      name: DEPLOYMENTS.worker,
      namespace: config.namespace,
      labels: { app: APP_LABELS.worker },
      annotations: { [BURST_AUTOSCALER_ANNOTATIONS.naturalMinReplicas]: String(minReplicas) },
    },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: DEPLOYMENTS.worker },
      minReplicas,
      maxReplicas,
      metrics: [
        {
          type: 'Resource',
          resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: targetCpuUtilization } },
        },
      ],
      behavior: { scaleDown: { stabilizationWindowSeconds } },
    },
  });
}

export function frontendResources(config: ManifestConfig) {
  const frontendEnvVars = [redisPassword(), ...env(frontendEnv(config)), fromSecret('CONTROL_KEY', SECRETS.controlKey)];
  const deploy = workloadDeployment(config, 'frontend', {
    replicas: config.replicas.frontend,
    metricsPort: PORTS.frontend,
    uid: APP_UID,
    container: httpApp(config, 'frontend', frontendEnvVars, {
      requests: { cpu: '200m', memory: '128Mi' },
      limits: { cpu: '1', memory: '384Mi' },
    }),
  });
  return { serviceAccount: serviceAccount(config, SERVICE_ACCOUNTS.frontend, APP_LABELS.frontend), deployment: deploy };
}

export function frontendService(config: ManifestConfig): Service {
  return service(config, SERVICES.frontend.name, APP_LABELS.frontend, SERVICES.frontend.port, PORTS.frontend, 'http');
}

export function redisResources(config: ManifestConfig) {
  const deploy = workloadDeployment(config, 'redis', {
    replicas: config.replicas.redis,
    uid: REDIS_UID,
    scratch: { name: 'redis-data', mountPath: '/data', sizeLimit: '256Mi' },
    container: {
      image: config.redisImage,
      // Pub/sub only: no snapshots, so nothing is written but the working directory. No client
      // without the password (NOAUTH), whatever the network lets through.
      env: [redisPassword()],
      args: ['redis-server', '--save', '', '--appendonly', 'no', '--requirepass', '$(REDIS_PASSWORD)'],
      ports: [{ name: 'redis', containerPort: PORTS.redis }],
      readinessProbe: { tcpSocket: { port: PORTS.redis }, periodSeconds: 5 },
      livenessProbe: { tcpSocket: { port: PORTS.redis }, periodSeconds: 5, initialDelaySeconds: 5 },
      resources: { requests: { cpu: '70m', memory: '200Mi' }, limits: { cpu: '250m', memory: '256Mi' } },
    },
  });
  return { serviceAccount: serviceAccount(config, SERVICE_ACCOUNTS.redis, APP_LABELS.redis), deployment: deploy };
}

/** The burst cluster has this Service but no Redis: its DNS name resolves and the mesh sends it to primary. */
export function redisService(config: ManifestConfig): Service {
  return service(config, SERVICES.redis.name, APP_LABELS.redis, SERVICES.redis.port, PORTS.redis, 'tcp-redis');
}

/** Whether the watcher warms the burst side through the burst cluster's API (BURST_WARM in `watcher:`). */
export function warmsBurstSide(config: ManifestConfig): boolean {
  return config.watcher.BURST_WARM === 'min-replicas';
}

/** Where the primary's watcher finds the burst cluster's kubeconfig (SECRETS.burstKubeconfig, mounted). */
export const BURST_KUBECONFIG_DIR = '/var/run/secrets/string-hashr/burst';

/**
 * In the burst cluster: the watcher's identity there, allowed exactly the calls in
 * `burstScalerRbacRules` (read the burst worker, hold its autoscaler's floor, record Events). Its
 * token comes from the TokenRequest API: deploy.sh builds the primary's kubeconfig Secret from it
 * (docs/deploy.md), so no token Secret that never expires lies in the burst cluster.
 */
export function burstScalerResources(config: ManifestConfig) {
  const name = SERVICE_ACCOUNTS.istiowatcher;
  const labels = { app: APP_LABELS.istiowatcher };
  const metadata = { name, namespace: config.namespace, labels };
  return {
    serviceAccount: serviceAccount(config, name, APP_LABELS.istiowatcher),
    role: new Role({ metadata, rules: burstScalerRbacRules().map((rule) => ({ ...rule })) }),
    roleBinding: new RoleBinding({
      metadata,
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
      subjects: [{ kind: 'ServiceAccount', name, namespace: config.namespace }],
    }),
  };
}

/**
 * The watcher with its own identity, allowed exactly the calls in `watcherRbacRules`
 * (libs/kube-objects) on the route of the routing flavour.
 */
export function watcherResources(config: ManifestConfig, routing: Routing = config.routing) {
  const name = SERVICE_ACCOUNTS.istiowatcher;
  const labels = { app: APP_LABELS.istiowatcher };
  const kind = ROUTE_KIND_OF[routing];
  const role = new Role({
    metadata: { name, namespace: config.namespace, labels },
    rules: watcherRbacRules(WORKER_ROUTE_NAMES[kind], LEADER_LEASE_NAME, kind).map((rule) => ({ ...rule })),
  });
  const roleBinding = new RoleBinding({
    metadata: { name, namespace: config.namespace, labels },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
    subjects: [{ kind: 'ServiceAccount', name, namespace: config.namespace }],
  });
  const warm = warmsBurstSide(config);
  const deploy = workloadDeployment(config, 'istiowatcher', {
    replicas: config.replicas.istiowatcher,
    metricsPort: PORTS.istiowatcher,
    uid: APP_UID,
    // Optional: without the Secret the watcher starts blind to the burst side's pods (a warning).
    ...(warm
      ? {
          secretFiles: {
            name: 'burst-kubeconfig',
            secretName: SECRETS.burstKubeconfig.name,
            mountPath: BURST_KUBECONFIG_DIR,
            optional: true,
          },
        }
      : {}),
    container: {
      image: imageOf(config, 'istiowatcher'),
      ports: [{ name: 'http-admin', containerPort: PORTS.istiowatcher }],
      // POD_NAME: the watcher's identity in the leader Lease.
      env: [
        ...env(watcherEnv(config, routing)),
        ...(warm ? env({ BURST_KUBECONFIG: `${BURST_KUBECONFIG_DIR}/${SECRETS.burstKubeconfig.key}` }) : []),
        { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      ],
      readinessProbe: httpProbe('/readyz', PORTS.istiowatcher),
      livenessProbe: httpProbe('/healthz', PORTS.istiowatcher),
      resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '250m', memory: '192Mi' } },
    },
  });
  // Its own token is mounted (podSpec), but the ServiceAccount object keeps the default off.
  return {
    serviceAccount: serviceAccount(config, name, APP_LABELS.istiowatcher),
    role,
    roleBinding,
    deployment: deploy,
  };
}

/**
 * The watcher's admin port as a Service, for the frontend's reads of GET /status (Prometheus
 * scrapes the pods themselves). Not-ready watchers are in it too: a watcher that cannot read
 * Prometheus is not ready, and that is when its status says most.
 */
export function watcherService(config: ManifestConfig): Service {
  const svc = service(
    config,
    SERVICES.istiowatcher.name,
    APP_LABELS.istiowatcher,
    SERVICES.istiowatcher.port,
    PORTS.istiowatcher,
    'http-admin',
  );
  return new Service({ ...svc, spec: { ...svc.spec, publishNotReadyAddresses: true } });
}
