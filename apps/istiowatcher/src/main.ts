// istiowatcher: moves worker traffic between the primary and burst subsets of the worker
// VirtualService from the observed request rate. `--once` reads, prints the decision, and exits.
import { createServer } from 'node:http';
import { KubeConfig } from '@kubernetes/client-node';
import { burstPolicy, initialPolicyState, targetWeights } from '@string-hashr/burst';
import { closeServer, createLogger, createMetricsRegistry, listen, loadDotenv, runMain, type Logger } from '@string-hashr/core';
import { createAdminApp } from './admin.js';
import { loadConfig, type WatcherConfig } from './config.js';
import { ALWAYS_LEADER, leaseLeadership } from './leader.js';
import { watcherMetrics } from './metrics.js';
import { fileRouter } from './routers/file.js';
import { kubernetesRouter } from './routers/kubernetes.js';
import { dryRunRouter, type Router } from './routers/router.js';
import { prometheusSource } from './sources/prometheus.js';
import { scrapeSource } from './sources/scrape.js';
import type { MetricSource } from './sources/source.js';
import { createWatcher, observationOf } from './watcher.js';

const log = createLogger('istiowatcher');

function buildSource(config: WatcherConfig): MetricSource {
  return config.source.kind === 'prometheus' ? prometheusSource(config.source) : scrapeSource(config.source);
}

function buildRouter(config: WatcherConfig, kc: KubeConfig | undefined, logger: Logger): Router {
  const router =
    config.router.kind === 'file'
      ? fileRouter({ path: config.router.path, name: config.virtualService.name, subsets: config.virtualService.subsets })
      : kubernetesRouter(kc!, config.virtualService, logger, { identity: config.leaderElection.identity });
  return config.dryRun ? dryRunRouter(router, logger) : router;
}

/** In-cluster service account, or KUBECONFIG / ~/.kube/config (exec auth such as gke-gcloud-auth-plugin works). */
function kubeConfig(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromDefault();
  return kc;
}

/** `--once`: one read and the decision it leads to, printed; nothing is changed. Exit 1 if the read failed. */
async function once(config: WatcherConfig): Promise<number> {
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

loadDotenv();
if (process.argv.includes('--once')) {
  let config: WatcherConfig;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    log.error(`configuration error: ${(err as Error).message}`);
    process.exit(1);
  }
  once(config).then(
    (code) => process.exit(code),
    (err) => {
      log.error(`--once failed: ${(err as Error).message}`);
      process.exit(1);
    },
  );
} else {
  void runMain(log, async () => {
    const config = loadConfig(process.env);
    const kc = config.router.kind === 'kubernetes' ? kubeConfig() : undefined;
    const source = buildSource(config);
    const router = buildRouter(config, kc, log);
    const registry = createMetricsRegistry('istiowatcher');
    const metrics = watcherMetrics(registry, { mode: config.policy.mode, source: config.source.kind, router: config.router.kind, dryRun: config.dryRun });
    const leadership = config.leaderElection.enabled
      ? leaseLeadership(kc!, { namespace: config.virtualService.namespace, name: config.leaderElection.leaseName, identity: config.leaderElection.identity, leaseDurationSeconds: config.leaderElection.leaseDurationSeconds, log })
      : ALWAYS_LEADER;
    const watcher = createWatcher({ source, router, policy: config.policy, leadership, intervalMs: config.intervalMs, resyncMs: config.resyncMs, log, metrics });
    const server = createServer(createAdminApp({ registry, isReady: watcher.isReady }));
    const port = await listen(server, config.port);
    log.info('started', {
      port,
      mode: config.policy.mode,
      source: source.description,
      router: router.description,
      dryRun: config.dryRun,
      leaderElection: config.leaderElection.enabled ? `${config.virtualService.namespace}/${config.leaderElection.leaseName} as ${config.leaderElection.identity}` : 'off',
    });
    watcher.start();
    return async () => {
      // Finish the tick in flight, give the lease up so a standby takes over now, then close.
      await watcher.stop();
      await leadership.stop();
      await closeServer(server, 2000);
    };
  });
}
