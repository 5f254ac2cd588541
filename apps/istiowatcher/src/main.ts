// istiowatcher: moves worker traffic between the primary and burst sides of the worker route (a
// VirtualService or an HTTPRoute) from the observed request rate. `--once` reads, prints the decision, and exits.
import { createServer } from 'node:http';
import { closeServer, createLogger, createMetricsRegistry, listen, loadDotenv, runMain } from '@string-hashr/runtime';
import { createAdminApp } from './admin.js';
import { loadConfig, type WatcherConfig } from './config.js';
import { thresholdMetrics, watcherMetrics } from './metrics.js';
import { buildParts } from './factory.js';
import { once } from './once.js';
import { createWatcher } from './watcher.js';

const log = createLogger('istiowatcher');

loadDotenv();
if (process.argv.includes('--once')) {
  let config: WatcherConfig;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    log.error(`configuration error: ${(err as Error).message}`);
    process.exit(1);
  }
  once(config, log).then(
    (code) => process.exit(code),
    (err) => {
      log.error(`--once failed: ${(err as Error).message}`);
      process.exit(1);
    },
  );
} else {
  void runMain(log, async () => {
    const config = loadConfig(process.env);
    const { source, router, leadership } = await buildParts(config, log);
    const registry = createMetricsRegistry('istiowatcher');
    const metrics = watcherMetrics(registry, {
      mode: config.policy.mode,
      source: config.source.kind,
      router: config.router.kind,
      dryRun: config.dryRun,
    });
    thresholdMetrics(registry, config.policy);
    const watcher = createWatcher({
      source,
      router,
      policy: config.policy,
      leadership,
      intervalMs: config.intervalMs,
      resyncMs: config.resyncMs,
      log,
      metrics,
      identity: config.leaderElection.identity,
      dryRun: config.dryRun,
      logTicks: config.logTicks,
      summaryMs: config.summaryMs,
    });
    const server = createServer(createAdminApp({ registry, isReady: watcher.isReady, status: watcher.status }));
    const port = await listen(server, config.port);
    log.info('started', {
      port,
      mode: config.policy.mode,
      source: source.description,
      router: router.description,
      dryRun: config.dryRun,
      leaderElection: config.leaderElection.enabled
        ? `${config.route.namespace}/${config.leaderElection.leaseName} as ${config.leaderElection.identity}`
        : 'off',
    });
    watcher.start();
    return async () => {
      // Finish the tick in flight, give the lease up so a standby takes over now, then close.
      await watcher.stop();
      await router.close();
      await leadership.stop();
      await closeServer(server, 2000);
    };
  });
}
