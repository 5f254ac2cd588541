/**
 * The deployments the simulator models, with their defaults read from the files that define them:
 * `gke` (what we ship: tools/manifests/config.yaml, the generated k8s/burst/, the cluster script)
 * and `local` (tools/local-stack: `npm start` on one machine). What no file states is a named
 * constant here with the reason for its value (README.md has the table).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, parseAllDocuments } from 'yaml';
import { findRepoRoot, type Env } from '@string-hashr/runtime';
import { LOCAL_STACK_WATCHER_ENV, policySettingsFromEnv } from '@string-hashr/watcher-settings';
import { SettingError, checkModel, type ModelSettings } from './model.js';

/** Facts of GKE, Kubernetes and Istio that no file of ours states. */
export const PLATFORM_FACTS = {
  /** Istio's Prometheus addon scrapes every 15 s. */
  scrapeIntervalSeconds: 15,
  /** kube-controller-manager's --horizontal-pod-autoscaler-sync-period default. */
  hpaSyncSeconds: 15,
  /** GKE's metrics-server resolution: the HPA sees CPU averaged over about 30 s. */
  hpaMetricsWindowSeconds: 30,
  /** The HPA's default tolerance (--horizontal-pod-autoscaler-tolerance). */
  hpaTolerance: 0.1,
  /** Scheduling, (cached) image and container start before the readiness probe's first try. */
  containerStartSeconds: 5,
  /** Cluster autoscaler noticing pending pods (~10 s) plus a GKE VM booting and joining (~80 s). */
  nodeProvisionSeconds: 90,
  /** The cluster autoscaler's --scale-down-unneeded-time default (10 min). */
  nodeScaleDownSeconds: 600,
  /**
   * Burst worker pods per e2-standard-4 node: ~3.9 CPU allocatable, ~0.7 CPU for GKE's system
   * pods, each worker pod requests 100m plus 100m for its Istio sidecar: (3.9 - 0.7) / 0.2 = 16.
   */
  podsPerNode: 16,
};

export interface Deployment {
  name: 'gke' | 'local';
  description: string;
  /** The watcher's environment as deployed (the policies start from it). */
  watcherEnv: Env;
  model: ModelSettings;
}

interface K8sObject {
  kind?: string;
  spec?: {
    behavior?: { scaleDown?: { stabilizationWindowSeconds?: number } };
    template?: { spec?: { containers?: Array<{ readinessProbe?: { initialDelaySeconds?: number } }> } };
  };
}

function objectOf(text: string, kind: string, file: string): K8sObject {
  const found = parseAllDocuments(text)
    .map((d) => d.toJS() as K8sObject)
    .find((o) => o?.kind === kind);
  if (!found) throw new Error(`${file}: no ${kind} in it`);
  return found;
}

/** The part of tools/manifests/config.yaml the model reads. */
interface ShippedConfig {
  replicas: { workerPrimary: number };
  burstAutoscaling: {
    minReplicas: number;
    maxReplicas: number;
    targetCpuUtilization: number;
    scaleDownStabilizationSeconds: number;
    warmScaleDownStabilizationSeconds: number;
  };
  watcher: Record<string, string>;
}

function shippedConfig(text: string): ShippedConfig {
  const config = parse(text) as Partial<ShippedConfig> | null;
  const replicas = config?.replicas?.workerPrimary;
  const hpa = config?.burstAutoscaling;
  const watcher = config?.watcher;
  const count = (n: unknown) => typeof n === 'number' && Number.isInteger(n) && n >= 0;
  if (!count(replicas) || !replicas) throw new Error(`${CONFIG_FILE}: replicas.workerPrimary must be an integer >= 1`);
  const keys = [
    'minReplicas',
    'maxReplicas',
    'targetCpuUtilization',
    'scaleDownStabilizationSeconds',
    'warmScaleDownStabilizationSeconds',
  ] as const;
  if (!hpa || keys.some((key) => !count(hpa[key])))
    throw new Error(`${CONFIG_FILE}: burstAutoscaling needs ${keys.join(', ')}`);
  if (!watcher || typeof watcher !== 'object') throw new Error(`${CONFIG_FILE}: no watcher environment`);
  return { replicas: { workerPrimary: replicas }, burstAutoscaling: hpa, watcher: { ...watcher } };
}

const CONFIG_FILE = 'tools/manifests/config.yaml';

/** The shipped deployment's model, from the texts of the files that define it. */
export function gkeDeployment(files: {
  configYaml: string;
  burstAutoscalerYaml: string;
  burstWorkerYaml: string;
  createClustersScript: string;
}): Deployment {
  const config = shippedConfig(files.configYaml);
  const policy = policySettingsFromEnv(config.watcher);
  const hpa = objectOf(files.burstAutoscalerYaml, 'HorizontalPodAutoscaler', 'k8s/burst/worker-autoscaler.yaml');
  const { scaleDownStabilizationSeconds: plainWindow, warmScaleDownStabilizationSeconds: warmWindow } =
    config.burstAutoscaling;
  // The generated HPA carries the window of the shipped watcher's design; the lab needs both.
  const shippedWindow = policy.warm === 'min-replicas' ? warmWindow : plainWindow;
  const generatedWindow = hpa.spec?.behavior?.scaleDown?.stabilizationWindowSeconds;
  if (generatedWindow !== shippedWindow)
    throw new Error(
      `k8s/burst/worker-autoscaler.yaml: scale-down window ${generatedWindow}, ${CONFIG_FILE} gives ${shippedWindow} with BURST_WARM=${policy.warm}: run npm run manifests`,
    );
  const worker = objectOf(files.burstWorkerYaml, 'Deployment', 'k8s/burst/worker-burst.yaml');
  const readinessDelay = worker.spec?.template?.spec?.containers?.[0]?.readinessProbe?.initialDelaySeconds ?? 0;
  const nodes = /--min-nodes (\d+) --max-nodes (\d+)/.exec(files.createClustersScript);
  if (!nodes) throw new Error('tools/cluster/create-clusters.sh: no --min-nodes N --max-nodes M for the burst cluster');
  return {
    name: 'gke',
    description: 'the deployment we ship (tools/manifests/config.yaml, k8s/, tools/cluster)',
    watcherEnv: { ...config.watcher },
    model: checkModel({
      primaryCapacityRps: policy.primaryCapacityRps,
      // The burst worker is the same image with the same resources as primary's pods.
      burstPodCapacityRps: policy.primaryCapacityRps / config.replicas.workerPrimary,
      burstMinPods: config.burstAutoscaling.minReplicas,
      burstMaxPods: config.burstAutoscaling.maxReplicas,
      hpaTargetUtilization: config.burstAutoscaling.targetCpuUtilization / 100,
      hpaSyncSeconds: PLATFORM_FACTS.hpaSyncSeconds,
      hpaMetricsWindowSeconds: PLATFORM_FACTS.hpaMetricsWindowSeconds,
      hpaTolerance: PLATFORM_FACTS.hpaTolerance,
      hpaScaleDownStabilizationSeconds: plainWindow,
      hpaWarmScaleDownStabilizationSeconds: warmWindow,
      podStartSeconds: PLATFORM_FACTS.containerStartSeconds + readinessDelay,
      podsPerNode: PLATFORM_FACTS.podsPerNode,
      burstMinNodes: Number(nodes[1]),
      burstMaxNodes: Number(nodes[2]),
      nodeProvisionSeconds: PLATFORM_FACTS.nodeProvisionSeconds,
      nodeScaleDownSeconds: PLATFORM_FACTS.nodeScaleDownSeconds,
      scrapeIntervalSeconds: PLATFORM_FACTS.scrapeIntervalSeconds,
      scrapeOffsetSeconds: 0,
      // The watcher's ticks fall anywhere between two scrapes; the middle of a second is as good as any.
      tickOffsetSeconds: 0.5,
      // A trace is the traffic itself here, not a page setting the rate every second.
      frontendWholeRequests: 0,
    }),
  };
}

/**
 * `npm start` on one machine: Prometheus scrapes the mesh stand-in every second (tools/local-stack
 * plan.ts), the watcher has the stack's snappy settings, and both workers are real processes
 * that serve thousands of requests per second, so nothing a page can ask (the frontend's MAX_RATE
 * default is 1000) overloads them and there is no cold start.
 */
export function localDeployment(): Deployment {
  const ample = 1000;
  return {
    name: 'local',
    description: 'the local stack (npm start: 1 s scrape, its watcher settings, workers that never overload)',
    watcherEnv: { ...LOCAL_STACK_WATCHER_ENV },
    model: checkModel({
      primaryCapacityRps: ample,
      burstPodCapacityRps: ample,
      burstMinPods: 1,
      burstMaxPods: 1,
      hpaTargetUtilization: 1,
      hpaSyncSeconds: 15,
      hpaMetricsWindowSeconds: 30,
      hpaTolerance: 0.1,
      hpaScaleDownStabilizationSeconds: 0,
      hpaWarmScaleDownStabilizationSeconds: 0,
      podStartSeconds: 0,
      podsPerNode: 1,
      burstMinNodes: 1,
      burstMaxNodes: 1,
      nodeProvisionSeconds: 0,
      nodeScaleDownSeconds: 0,
      scrapeIntervalSeconds: 1,
      scrapeOffsetSeconds: 0,
      tickOffsetSeconds: 0.5,
      // npm run replay sets the frontend's rate each second, as a page would.
      frontendWholeRequests: 1,
    }),
  };
}

/** The texts of the files that define the shipped deployment, from the repository. */
export function shippedFiles(
  root = findRepoRoot(path.dirname(fileURLToPath(import.meta.url))),
): Parameters<typeof gkeDeployment>[0] {
  const read = (file: string) => readFileSync(path.join(root, file), 'utf8');
  return {
    configYaml: read(CONFIG_FILE),
    burstAutoscalerYaml: read('k8s/burst/worker-autoscaler.yaml'),
    burstWorkerYaml: read('k8s/burst/worker-burst.yaml'),
    createClustersScript: read('tools/cluster/create-clusters.sh'),
  };
}

export function loadDeployment(name: string): Deployment {
  if (name === 'local') return localDeployment();
  if (name !== 'gke') throw new SettingError(`--deployment must be gke or local, got "${name}"`);
  return gkeDeployment(shippedFiles());
}
