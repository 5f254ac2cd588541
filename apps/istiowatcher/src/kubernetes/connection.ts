// The connection to the API server and what the watcher builds on it: the worker route's router
// and, when it is on, leader election on a Lease. factory.ts loads this module (and with it the
// Kubernetes client) only for WATCHER_ROUTER=kubernetes.
import { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from '@string-hashr/runtime';
import type { WatcherConfig } from '../config.js';
import { alwaysLeader, type Leadership } from '../leadership.js';
import type { Router } from '../routers/router.js';
import { leaseLeadership } from './lease.js';
import { kubernetesRouter } from './route-router.js';

/** In-cluster service account, or KUBECONFIG / ~/.kube/config (exec auth such as gke-gcloud-auth-plugin works). */
function kubeConfig(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromDefault();
  return kc;
}

/** Leader election runs only when it is on and the router writes (not a dry run). */
export function connectKubernetes(
  config: WatcherConfig,
  log: Logger,
  options: { dryRun: boolean; watch: boolean },
): { router: Router; leadership: Leadership } {
  const kc = kubeConfig();
  const { leaderElection: election, route } = config;
  const router = kubernetesRouter(kc, route, log, { identity: election.identity, watch: options.watch });
  const leadership =
    election.enabled && !options.dryRun
      ? leaseLeadership(kc, {
          namespace: route.namespace,
          name: election.leaseName,
          identity: election.identity,
          leaseDurationSeconds: election.leaseDurationSeconds,
          log,
        })
      : alwaysLeader(election.identity);
  return { router, leadership };
}
