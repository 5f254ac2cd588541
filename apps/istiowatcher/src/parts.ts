// The watcher's parts, built from its configuration, and `--once`: one read and the decision it
// leads to, printed, with nothing changed.
import { KubeConfig } from '@kubernetes/client-node';
import { burstPolicy, initialPolicyState, targetWeights } from '@string-hashr/burst';
import type { Logger } from '@string-hashr/core';
import type { WatcherConfig } from './config.js';
import { fileRouter } from './routers/file.js';
import { kubernetesRouter } from './routers/kubernetes.js';
import { dryRunRouter, type Router } from './routers/router.js';
import { prometheusSource } from './sources/prometheus.js';
import { scrapeSource } from './sources/scrape.js';
import type { MetricSource } from './sources/source.js';
import { observationOf } from './watcher.js';

export function buildSource(config: WatcherConfig): MetricSource {
  return config.source.kind === 'prometheus' ? prometheusSource(config.source) : scrapeSource(config.source);
}

export function buildRouter(config: WatcherConfig, kc: KubeConfig | undefined, logger: Logger): Router {
  const router =
    config.router.kind === 'file'
      ? fileRouter({ path: config.router.path, name: config.virtualService.name, subsets: config.virtualService.subsets })
      : kubernetesRouter(kc!, config.virtualService, logger, { identity: config.leaderElection.identity });
  return config.dryRun ? dryRunRouter(router, logger) : router;
}

/** In-cluster service account, or KUBECONFIG / ~/.kube/config (exec auth such as gke-gcloud-auth-plugin works). */
export function kubeConfig(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromDefault();
  return kc;
}

/** `--once`: one read and the decision it leads to, printed; nothing is changed. Exit 1 if the read failed. */
export async function once(config: WatcherConfig, log: Logger): Promise<number> {
  const source = buildSource(config);
  const router = buildRouter(config, config.router.kind === 'kubernetes' ? kubeConfig() : undefined, log);
  let reading = await source.read();
  if (reading.kind === 'warming-up') {
    // The scrape source needs two samples to make a rate.
    await new Promise((resolve) => setTimeout(resolve, config.intervalMs));
    reading = await source.read();
  }
  console.log(`source: ${source.description}`);
  const rate = reading.kind === 'value' ? reading.rps : reading.kind === 'no-data' ? 0 : undefined;
  console.log(`observed: ${rate === undefined ? (reading.kind === 'error' ? `error (${reading.errorKind}): ${reading.message}` : reading.kind) : `${rate.toFixed(3)} req/s${reading.kind === 'no-data' ? ' (no data: no traffic)' : ''}`}`);
  let weights;
  try {
    weights = await router.getRoutes();
    console.log(`weights in force: primary ${weights.primary} / burst ${weights.burst} (${router.description})`);
  } catch (err) {
    console.log(`weights in force: unknown: ${(err as Error).message}`);
  }
  const observation = observationOf(reading);
  if (weights && observation) {
    const decision = burstPolicy(config.policy)(initialPolicyState(weights), observation, Date.now());
    const target = observation.kind === 'rate' ? targetWeights(config.policy, weights, observation.rps).weights : weights;
    console.log(`target: primary ${target.primary} / burst ${target.burst}`);
    console.log(`decision: ${decision.changed ? 'change now' : 'no change on this tick'}: ${decision.reason}`);
  }
  console.log('no change made (--once)');
  return reading.kind === 'error' ? 1 : 0;
}

