// The parts of a watcher that talks to the API server: the VirtualService router and, when it is
// on, leader election on a Lease. factory.ts loads this module only for WATCHER_ROUTER=kubernetes.
import { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from '@string-hashr/runtime';
import type { WatcherConfig } from './config.js';
import { leaseLeadership } from './leader.js';
import { alwaysLeader, type Leadership } from './leadership.js';
import { kubernetesRouter } from './routers/kubernetes.js';
import type { Router } from './routers/router.js';

/** In-cluster service account, or KUBECONFIG / ~/.kube/config (exec auth such as gke-gcloud-auth-plugin works). */
function kubeConfig(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromDefault();
  return kc;
}

/** Leader election runs only when it is on and the router writes (not a dry run). */
export function kubernetesParts(
  config: WatcherConfig,
  log: Logger,
  options: { dryRun: boolean; watch: boolean },
): { router: Router; leadership: Leadership } {
  const kc = kubeConfig();
  const { leaderElection: election, virtualService } = config;
  const router = kubernetesRouter(kc, virtualService, log, { identity: election.identity, watch: options.watch });
  const leadership =
    election.enabled && !options.dryRun
      ? leaseLeadership(kc, {
          namespace: virtualService.namespace,
          name: election.leaseName,
          identity: election.identity,
          leaseDurationSeconds: election.leaseDurationSeconds,
          log,
        })
      : alwaysLeader(election.identity);
  return { router, leadership };
}
