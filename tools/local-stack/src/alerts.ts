// The burst alerting rules in the local stack's Prometheus, and the line `npm start` prints under
// its status block when one starts or stops firing (read from Prometheus's GET /api/v1/alerts).
// The pure parts are table-tested; followAlerts polls and prints.
import { stringify } from 'yaml';
import { burstAlertRules, type AlertSettings } from '@string-hashr/alerts';
import { APP_LABELS, DEFAULT_NAMESPACE, POD_SCRAPE_LABELS } from '@string-hashr/contract';
import { fetchJson, type Env } from '@string-hashr/runtime';
import { policySettingsFromEnv } from '@string-hashr/watcher-settings';
import { localClock } from './changes.js';

/**
 * The alerts' timings on one machine, where a story lasts minutes: the watcher counts as down or
 * leaderless after 15 s, a rollback or an outside edit shows for 2 minutes, a burst lasts too long
 * after 10 minutes, and ten bursts an hour are not flapping. The runbook is the file in this repository.
 */
export const LOCAL_ALERT_SETTINGS: AlertSettings = {
  watcherDownFor: '15s',
  noLeaderFor: '15s',
  burstLastingFor: '10m',
  rolledBackFor: '2m',
  outsideEditFor: '2m',
  burstCyclesPerHour: 10,
  runbookUrl: 'docs/operate.md',
};

/** The rule file beside prometheus.yml in the stack's state folder. */
export const LOCAL_RULE_FILE = 'alerts.rules.yml';

/** The labels Istio's addon would give the watcher's pod: the rules select the watcher by them. */
export const LOCAL_WATCHER_POD_LABELS: Record<string, string> = {
  app: APP_LABELS.istiowatcher,
  [POD_SCRAPE_LABELS.namespace]: DEFAULT_NAMESPACE,
  [POD_SCRAPE_LABELS.pod]: 'istiowatcher-local',
};

/** The rule file for the watcher as the stack runs it (its settings decide the no-data hold and flapping). */
export function localAlertRules(watcherEnv: Env): string {
  const rules = burstAlertRules({
    namespace: DEFAULT_NAMESPACE,
    alerts: LOCAL_ALERT_SETTINGS,
    policy: policySettingsFromEnv(watcherEnv),
  });
  return `# The burst alerting rules with the local stack's timings (tools/local-stack/src/alerts.ts).\n${stringify(rules, { lineWidth: 0 })}`;
}

/** One alert of Prometheus's GET /api/v1/alerts that is firing. */
export interface FiringAlert {
  name: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

/** The firing alerts of an /api/v1/alerts answer; undefined when it is not one. */
export function firingAlerts(answer: unknown): FiringAlert[] | undefined {
  const data = (answer as { status?: unknown; data?: { alerts?: unknown } } | undefined)?.data;
  if ((answer as { status?: unknown })?.status !== 'success' || !Array.isArray(data?.alerts)) return undefined;
  const strings = (value: unknown): Record<string, string> =>
    Object.fromEntries(
      Object.entries(value && typeof value === 'object' ? value : {}).filter(([, v]) => typeof v === 'string'),
    ) as Record<string, string>;
  return (data.alerts as Array<Record<string, unknown>>)
    .filter((a) => a?.state === 'firing')
    .map((a) => {
      const labels = strings(a.labels);
      return { name: labels.alertname ?? '?', labels, annotations: strings(a.annotations) };
    });
}

/** What tells one alert from another: its name and labels. */
export function alertKey(alert: FiringAlert): string {
  const labels = Object.entries(alert.labels)
    .filter(([k]) => k !== 'alertname')
    .sort(([a], [b]) => a.localeCompare(b));
  return `${alert.name}${JSON.stringify(labels)}`;
}

/** The alerts that started and stopped firing between two reads (each in the order Prometheus lists them). */
export function alertChanges(
  before: ReadonlyMap<string, FiringAlert>,
  now: FiringAlert[],
): { started: FiringAlert[]; stopped: FiringAlert[]; firing: Map<string, FiringAlert> } {
  const firing = new Map(now.map((a) => [alertKey(a), a]));
  return {
    started: [...firing].filter(([key]) => !before.has(key)).map(([, a]) => a),
    stopped: [...before].filter(([key]) => !firing.has(key)).map(([, a]) => a),
    firing,
  };
}

/** The labels that tell two rules of one alert apart (BurstMetricMissing's `reads`), as `{reads=empty}`. */
function distinguishing(alert: FiringAlert): string {
  const extra = Object.entries(alert.labels).filter(([k]) => !['alertname', 'severity', 'namespace'].includes(k));
  return extra.length ? `{${extra.map(([k, v]) => `${k}=${v}`).join(',')}}` : '';
}

/** `12:03:04  alert BurstRolledBack firing (critical): <summary>; runbook docs/operate.md#burstrolledback` */
export function alertLine(
  change: 'started' | 'stopped',
  alert: FiringAlert,
  at: number,
  clock: (ms: number) => string = localClock,
): string {
  const name = `${alert.name}${distinguishing(alert)}`;
  if (change === 'stopped') return `${clock(at)}  alert ${name} stopped firing`;
  const severity = alert.labels.severity ? ` (${alert.labels.severity})` : '';
  const summary = alert.annotations.summary ? `: ${alert.annotations.summary}` : '';
  const runbook = alert.annotations.runbook_url ? `; runbook ${alert.annotations.runbook_url}` : '';
  return `${clock(at)}  alert ${name} firing${severity}${summary}${runbook}`;
}

/**
 * Polls Prometheus's /api/v1/alerts every `intervalMs` and writes a line for each alert that
 * starts or stops firing. An unanswered read changes nothing (Prometheus's own log says why).
 * Returns a function that stops it.
 */
export function followAlerts(
  prometheusUrl: string,
  options: { intervalMs?: number; write?: (line: string) => void; now?: () => number } = {},
): () => void {
  const write = options.write ?? ((line: string) => process.stdout.write(line + '\n'));
  const now = options.now ?? Date.now;
  let firing = new Map<string, FiringAlert>();
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const poll = async () => {
    const read = await fetchJson(`${prometheusUrl}/api/v1/alerts`, {
      timeoutMs: 2000,
      maxBytes: 1_000_000,
      name: 'Prometheus',
    });
    const alerts = read.ok ? firingAlerts(read.json) : undefined;
    if (!stopped && alerts) {
      const changes = alertChanges(firing, alerts);
      for (const alert of changes.started) write(alertLine('started', alert, now()));
      for (const alert of changes.stopped) write(alertLine('stopped', alert, now()));
      firing = changes.firing;
    }
    if (!stopped) timer = setTimeout(() => void poll(), options.intervalMs ?? 1000);
  };
  void poll();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
