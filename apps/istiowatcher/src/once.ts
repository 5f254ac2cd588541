// `--once`: one tick of the real loop through a dry-run router, printed; nothing is changed.
import type { Logger } from '@string-hashr/runtime';
import type { WatcherConfig } from './config.js';
import { buildParts } from './factory.js';
import { watcherMetrics } from './metrics.js';
import { healthText } from './observe.js';
import type { TickReport } from './tick-report.js';
import { createWatcher } from './watcher.js';
import { Registry } from 'prom-client';

/** The report as the lines `--once` prints. */
export function describeTick(report: TickReport, parts: { source: string; router: string }): string[] {
  const { reading, health, weights, decision } = report;
  const observed =
    reading?.kind === 'value'
      ? `${reading.rps.toFixed(3)} req/s${reading.dataAt !== undefined ? ` (data of ${new Date(reading.dataAt).toISOString()})` : ''}`
      : reading?.kind === 'no-data'
        ? 'no data (an empty answer: weights held for WATCHER_NO_DATA_HOLD_SECONDS, not taken as zero traffic)'
        : reading?.kind === 'error'
          ? `error (${reading.errorKind}): ${reading.message}`
          : (reading?.kind ?? report.read);
  return [
    `source: ${parts.source}`,
    `observed: ${observed}`,
    ...(health ? [`burst side: ${healthText(health)}${health.kind === 'error' ? `: ${health.message}` : ''}`] : []),
    `weights in force: ${weights ? `primary ${weights.primary} / burst ${weights.burst} (${parts.router})` : `unknown (${report.outcome})`}`,
    ...(report.control?.suspend ? ['orders: suspended (burst.string-hashr.dev/suspend): no change is made'] : []),
    ...(report.control?.pin ? [`orders: pinned to ${report.control.pin} (burst.string-hashr.dev/pin)`] : []),
    ...(decision
      ? [
          `target: primary ${decision.target.primary} / burst ${decision.target.burst}`,
          `decision: ${decision.changed ? 'change now' : 'no change on this tick'} (${decision.kind}, phase ${decision.phase}): ${decision.reason}`,
        ]
      : []),
    'no change made (--once)',
  ];
}

/** Exit code 1 when the read failed or the weights could not be read. */
export async function once(config: WatcherConfig, log: Logger): Promise<number> {
  const parts = await buildParts(config, log, { dryRun: true, watch: false });
  const metrics = watcherMetrics(new Registry(), {
    mode: config.policy.mode,
    source: config.source.kind,
    router: config.router.kind,
    dryRun: true,
  });
  const watcher = createWatcher({
    ...parts,
    policy: config.policy,
    intervalMs: config.intervalMs,
    log,
    metrics,
    logTicks: true,
    summaryMs: 0,
  });
  let report = await watcher.tick();
  if (report.outcome === 'warming-up') {
    // The scrape source needs two samples to make a rate.
    await new Promise((resolve) => setTimeout(resolve, config.intervalMs));
    report = await watcher.tick();
  }
  for (const line of describeTick(report, { source: parts.source.description, router: parts.router.description }))
    console.log(line);
  return report.reading?.kind === 'error' || report.outcome === 'router-error' ? 1 : 0;
}
