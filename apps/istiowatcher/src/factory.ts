// Builds the watcher's parts from its configuration: the metric source, the router and the
// leadership. The one place that knows which implementation each setting picks.
import { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from '@string-hashr/runtime';
import type { WatcherConfig } from './config.js';
import { alwaysLeader, leaseLeadership, type Leadership } from './leader.js';
import { fileRouter } from './routers/file.js';
import { kubernetesRouter } from './routers/kubernetes.js';
import { dryRunRouter, type Router } from './routers/router.js';
import { prometheusSource } from './sources/prometheus.js';
import { scrapeSource } from './sources/scrape.js';
import type { MetricSource } from './sources/source.js';

export function buildSource(config: WatcherConfig): MetricSource {
  return config.source.kind === 'prometheus' ? prometheusSource(config.source) : scrapeSource(config.source);
}

/** In-cluster service account, or KUBECONFIG / ~/.kube/config (exec auth such as gke-gcloud-auth-plugin works). */
export function kubeConfig(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromDefault();
  return kc;
}

export interface WatcherParts {
  source: MetricSource;
  router: Router;
  leadership: Leadership;
}

/**
 * The parts for `config`. `dryRun` wraps the router so nothing is written (WATCHER_DRY_RUN, and
 * `--once`); leader election runs only when it is on and the router is the Kubernetes API;
 * `watch: false` (for `--once`) reads the VirtualService with a GET instead of watching it.
 */
export function buildParts(
  config: WatcherConfig,
  log: Logger,
  options: { dryRun?: boolean; watch?: boolean } = {},
): WatcherParts {
  const dryRun = options.dryRun ?? config.dryRun;
  let router: Router;
  let kc: KubeConfig | undefined;
  if (config.router.kind === 'file') {
    router = fileRouter({
      path: config.router.path,
      name: config.virtualService.name,
      subsets: config.virtualService.subsets,
    });
  } else {
    kc = kubeConfig();
    router = kubernetesRouter(kc, config.virtualService, log, {
      identity: config.leaderElection.identity,
      watch: options.watch ?? true,
    });
  }
  const { leaderElection: election, virtualService } = config;
  const leadership =
    kc && election.enabled && !dryRun
      ? leaseLeadership(kc, {
          namespace: virtualService.namespace,
          name: election.leaseName,
          identity: election.identity,
          leaseDurationSeconds: election.leaseDurationSeconds,
          log,
        })
      : alwaysLeader(election.identity);
  return { source: buildSource(config), router: dryRun ? dryRunRouter(router, log) : router, leadership };
}
