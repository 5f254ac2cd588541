// The connection to the API server and what the watcher builds on it: the worker route's router
// and, when it is on, leader election on a Lease; and the burst cluster's, for the burst side's
// pods. factory.ts loads this module (and with it the Kubernetes client) only when one is used.
import { statSync } from 'node:fs';
import { KubeConfig } from '@kubernetes/client-node';
import { ConfigError, type Logger } from '@string-hashr/runtime';
import type { BurstScaler } from '../burst-side.js';
import type { BurstSideConfig, WatcherConfig } from '../config.js';
import { alwaysLeader, type Leadership } from '../leadership.js';
import type { Router } from '../routers/router.js';
import { burstScaler, kubernetesBurstApi } from './burst-scaler.js';
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

/**
 * The burst scaler on the burst cluster's API, as BURST_KUBECONFIG's account. The Secret behind the
 * file is optional: a missing file leaves the burst side unread (a warning, and the ready gate off);
 * a file that is not a usable kubeconfig stops the start.
 */
export function connectBurstSide(burst: BurstSideConfig, identity: string, log: Logger): BurstScaler | undefined {
  const setting = `BURST_KUBECONFIG=${burst.kubeconfig}`;
  let isFile: boolean;
  try {
    isFile = statSync(burst.kubeconfig).isFile();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
      throw new ConfigError(`${setting}: ${(err as Error).message}`);
    log.warn(`${setting} does not exist: the burst side's pods are not read (no warm-up, no ready gate)`);
    return undefined;
  }
  if (!isFile) throw new ConfigError(`${setting} is not valid: expected a kubeconfig file, found something else`);
  const kc = new KubeConfig();
  try {
    kc.loadFromFile(burst.kubeconfig);
  } catch (err) {
    throw new ConfigError(`${setting} is not valid: not a kubeconfig (${(err as Error).message})`);
  }
  if (!kc.getCurrentCluster())
    throw new ConfigError(
      `${setting} is not valid: its current context names no cluster (current-context "${kc.getCurrentContext()}")`,
    );
  const target = { namespace: burst.namespace, autoscaler: burst.autoscaler, deployment: burst.deployment };
  return burstScaler(kubernetesBurstApi(kc, target), { target, identity, log });
}
