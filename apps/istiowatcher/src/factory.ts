// Builds the watcher's parts from its configuration: the metric source, the router and the
// leadership. The one place that knows which implementation each setting picks.
import type { Logger } from '@string-hashr/runtime';
import type { WatcherConfig } from './config.js';
import { alwaysLeader, type Leadership } from './leadership.js';
import { fileRouter } from './routers/file.js';
import { dryRunRouter, type Router } from './routers/router.js';
import { prometheusSource } from './sources/prometheus.js';
import { scrapeSource } from './sources/scrape.js';
import type { MetricSource } from './sources/source.js';

export function buildSource(config: WatcherConfig): MetricSource {
  return config.source.kind === 'prometheus' ? prometheusSource(config.source) : scrapeSource(config.source);
}

export interface WatcherParts {
  source: MetricSource;
  router: Router;
  leadership: Leadership;
}

/**
 * The parts for `config`. `dryRun` wraps the router so nothing is written (WATCHER_DRY_RUN, and
 * `--once`); leader election runs only when it is on and the router is the Kubernetes API;
 * `watch: false` (for `--once`) reads the route with a GET instead of watching it.
 */
export async function buildParts(
  config: WatcherConfig,
  log: Logger,
  options: { dryRun?: boolean; watch?: boolean } = {},
): Promise<WatcherParts> {
  const dryRun = options.dryRun ?? config.dryRun;
  let router: Router;
  let leadership: Leadership;
  if (config.router.kind === 'file') {
    router = fileRouter({ path: config.router.path, route: config.route });
    leadership = alwaysLeader(config.leaderElection.identity);
  } else {
    // Loaded only here: the Kubernetes client takes a second of CPU to load, which a watcher on
    // the file router (the local stack, a dry run against a file) has no use for.
    const { connectKubernetes } = await import('./kubernetes/connection.js');
    ({ router, leadership } = connectKubernetes(config, log, { dryRun, watch: options.watch ?? true }));
  }
  return { source: buildSource(config), router: dryRun ? dryRunRouter(router, log) : router, leadership };
}
