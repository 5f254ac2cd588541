/**
 * The alerts' own settings: how long each condition lasts before it fires and where the runbook
 * lives. tools/manifests/config.yaml (`alerts:`) gives them for a cluster; the local stack its own.
 * The other numbers come from the watcher's settings (its no-data hold, the changes a burst makes).
 */
import { parseDuration } from '@string-hashr/metric-reading';

export interface AlertSettings {
  /** No replica scraped for this long: BurstWatcherDown. A Prometheus duration, as every `*For`. */
  watcherDownFor: string;
  /** Replicas up and none leading for this long: BurstWatcherNoLeader. */
  noLeaderFor: string;
  /** Traffic on burst for longer than this: BurstLasting. */
  burstLastingFor: string;
  /** BurstRolledBack fires for this long after a rollback. */
  rolledBackFor: string;
  /** BurstRouteEditedOutside fires for this long after an outside edit. */
  outsideEditFor: string;
  /** Burst cycles (up and back) an hour that a load can explain; more weight changes is flapping. */
  burstCyclesPerHour: number;
  /** The operator's guide (docs/operate.md) as operators open it; each alert links to its heading. */
  runbookUrl: string;
}

export const DURATION_SETTINGS = [
  'watcherDownFor',
  'noLeaderFor',
  'burstLastingFor',
  'rolledBackFor',
  'outsideEditFor',
] as const satisfies ReadonlyArray<keyof AlertSettings>;

/** What is wrong with `settings` (read from a file, so anything), one message a problem; `where` prefixes each. */
export function alertSettingsProblems(settings: unknown, where = 'alerts'): string[] {
  if (!settings || typeof settings !== 'object') return [`${where} is missing: the alerting rules need their timings`];
  const s = settings as Record<string, unknown>;
  const problems: string[] = [];
  for (const key of DURATION_SETTINGS) {
    const value = s[key];
    if (typeof value !== 'string' || parseDuration(value) === undefined)
      problems.push(`${where}.${key} "${String(value)}" is not a Prometheus duration such as 30s, 5m or 6h`);
  }
  const cycles = s.burstCyclesPerHour;
  if (typeof cycles !== 'number' || !Number.isInteger(cycles) || cycles < 1)
    problems.push(`${where}.burstCyclesPerHour must be a whole number >= 1, got ${String(cycles)}`);
  const url = s.runbookUrl;
  if (typeof url !== 'string' || url === '' || url.includes('#') || /\s/.test(url))
    problems.push(
      `${where}.runbookUrl must be the address of docs/operate.md without a #fragment, got "${String(url)}"`,
    );
  return problems;
}
