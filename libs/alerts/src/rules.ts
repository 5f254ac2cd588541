/**
 * The alerting rules of the burst, as Prometheus's rule file format has them (a PrometheusRule's
 * `spec` is the same groups). Every name comes from @string-hashr/contract; the watcher's series are
 * selected as Istio's Prometheus addon labels them (job `kubernetes-pods`, the pod's `app`, its
 * `namespace` and `pod`). Pure: settings in, rules out; promtool tests them (tools/manifests/test).
 */
import {
  APP_LABELS,
  BURST_ALERTS,
  POD_SCRAPE_JOB,
  POD_SCRAPE_LABELS,
  WATCHER_METRICS,
  type BurstAlertName,
} from '@string-hashr/contract';
import type { PolicySettings } from '@string-hashr/policy';
import type { AlertSettings } from './settings.js';

/** `critical`: bursting is not working or not safe now; `warning`: it works, someone should look. */
export type Severity = 'critical' | 'warning';

export interface AlertRule {
  alert: BurstAlertName;
  expr: string;
  for?: string;
  labels: { severity: Severity } & Record<string, string>;
  annotations: { summary: string; description: string; runbook_url: string };
}

export interface RuleGroup {
  name: string;
  rules: AlertRule[];
}

/** What a rule file holds, and a PrometheusRule's `spec`. */
export interface RuleFile {
  groups: RuleGroup[];
}

export const RULE_GROUP_NAME = 'string-hashr-burst';

/** The settings the rules read from the watcher's own. */
export type WatcherPolicy = Pick<PolicySettings, 'mode' | 'stepPercent' | 'weightStep' | 'noDataHoldMs'>;

/**
 * The weight changes one burst makes, up and back: in switch mode one a step up (WATCHER_STEP_PERCENT)
 * and one back (coming back is one move); in spill mode the share may take every WEIGHT_STEP level
 * up and down again.
 */
export function changesPerBurst(policy: Pick<WatcherPolicy, 'mode' | 'stepPercent' | 'weightStep'>): number {
  if (policy.mode === 'spill') return 2 * Math.ceil(100 / policy.weightStep);
  return Math.ceil(100 / policy.stepPercent) + 1;
}

/** The weight changes an hour past which BurstFlapping fires: never fewer than two (one outside edit is not flapping). */
export function flappingThreshold(policy: WatcherPolicy, burstCyclesPerHour: number): number {
  return Math.max(2, burstCyclesPerHour * changesPerBurst(policy));
}

/** A whole number of seconds as Prometheus writes a duration: 300 -> 5m, 90 -> 1m30s. */
export function durationText(seconds: number): string {
  const whole = Math.round(seconds);
  if (whole <= 0) return '0s';
  const parts: Array<[number, string]> = [
    [Math.floor(whole / 3600), 'h'],
    [Math.floor((whole % 3600) / 60), 'm'],
    [whole % 60, 's'],
  ];
  return parts
    .filter(([n]) => n > 0)
    .map(([n, unit]) => `${n}${unit}`)
    .join('');
}

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens. */
export function headingAnchor(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** The selectors of the watcher's series in `namespace`, and the pieces the rules are built of. */
export function watcherSeries(namespace: string) {
  const matchers = `job="${POD_SCRAPE_JOB}",${POD_SCRAPE_LABELS.namespace}="${namespace}",app="${APP_LABELS.istiowatcher}"`;
  const series = (metric: string) => `${metric}{${matchers}}`;
  const podOf = `on (${POD_SCRAPE_LABELS.namespace}, ${POD_SCRAPE_LABELS.pod})`;
  const leader = `(${series(WATCHER_METRICS.isLeader)} == 1)`;
  return {
    series,
    /** A gauge as the replica holding the lease reports it (a standby keeps what it last had). */
    ofLeader: (metric: string) => `max(${series(metric)} and ${podOf} ${leader})`,
    /** How much a counter grew over `window`, summed over the replicas (each counts from its own start). */
    grown: (metric: string, window: string) => `sum(increase(${series(metric)}[${window}]))`,
    /**
     * Replicas whose last scrape brought the watcher's own metrics. Not `up`: with Istio's metrics
     * merging the sidecar answers the scrape (up 1) even while the watcher's container is down.
     */
    reporting: `count(${series(WATCHER_METRICS.isLeader)})`,
  };
}

/** The seven rules for the app in `namespace`, with the thresholds these settings give. */
export function burstAlertRules(options: {
  namespace: string;
  alerts: AlertSettings;
  policy: WatcherPolicy;
}): RuleFile {
  const { namespace, alerts, policy } = options;
  const w = watcherSeries(namespace);
  const m = WATCHER_METRICS;
  const runbook = (alert: BurstAlertName) => `${alerts.runbookUrl}#${headingAnchor(alert)}`;
  const rule = (
    alert: BurstAlertName,
    severity: Severity,
    expr: string,
    forDuration: string | undefined,
    summary: string,
    description: string,
    labels: Record<string, string> = {},
  ): AlertRule => ({
    alert,
    expr,
    ...(forDuration ? { for: forDuration } : {}),
    labels: { severity, namespace, ...labels },
    annotations: { summary, description, runbook_url: runbook(alert) },
  });
  const hold = durationText(policy.noDataHoldMs / 1000);
  const flapping = flappingThreshold(policy, alerts.burstCyclesPerHour);
  const times = '{{ $value | printf "%.0f" }}';
  const replicas = `replicas of ${APP_LABELS.istiowatcher} in ${namespace}`;

  return {
    groups: [
      {
        name: RULE_GROUP_NAME,
        rules: [
          rule(
            BURST_ALERTS.watcherDown,
            'critical',
            `(${w.reporting} or vector(0)) == 0`,
            alerts.watcherDownFor,
            `{{ $value }} ${replicas} scraped for ${alerts.watcherDownFor}`,
            `Prometheus (job ${POD_SCRAPE_JOB}) has scraped no metrics of a pod labelled app=${APP_LABELS.istiowatcher} in ${namespace} for ${alerts.watcherDownFor}. Nobody moves the worker route's weights: they stay as they are, whatever the load.`,
          ),
          rule(
            BURST_ALERTS.noLeader,
            'critical',
            `${w.reporting} unless on () (max(${w.series(m.isLeader)}) == 1)`,
            alerts.noLeaderFor,
            `{{ $value }} ${replicas} up, none leading for ${alerts.noLeaderFor}`,
            `The replicas answer but none holds the leader Lease (${m.isLeader} is 0 everywhere) for ${alerts.noLeaderFor}: they read and never act, so the worker route's weights stay as they are.`,
          ),
          rule(
            BURST_ALERTS.metricMissing,
            'warning',
            `${w.ofLeader(m.noDataSeconds)} > ${policy.noDataHoldMs / 1000}`,
            undefined,
            `The watcher's rate query has answered empty for {{ $value | humanizeDuration }} (no-data hold ${hold})`,
            `The leader's query for the worker's request rate returns no series for longer than WATCHER_NO_DATA_HOLD_SECONDS (${hold}): the watcher now takes it as no traffic and brings a burst back to primary.`,
            { reads: 'empty' },
          ),
          rule(
            BURST_ALERTS.metricMissing,
            'warning',
            `${w.ofLeader(m.consecutiveFailures)} > 0`,
            policy.noDataHoldMs > 0 ? hold : undefined,
            `The watcher's last ${times} reads of the rate failed, for more than ${hold}`,
            `The leader's reads of the worker's request rate have failed for longer than the no-data hold (${hold}): it decides nothing on the load and holds the weights (or goes natural with WATCHER_FAILSAFE=natural).`,
            { reads: 'failing' },
          ),
          rule(
            BURST_ALERTS.rolledBack,
            'critical',
            `${w.grown(m.rollbacks, alerts.rolledBackFor)} > 0`,
            undefined,
            `The health gate rolled the burst side back ${times} time(s) in the last ${alerts.rolledBackFor}`,
            `The burst side failed the health gate (success rate or p99 latency): the watcher moved all traffic back to primary (phase unhealthy) and waits out its cool-down before bursting again. Primary now carries the load it wanted to shed.`,
          ),
          rule(
            BURST_ALERTS.lasting,
            'warning',
            `${w.ofLeader(m.burstWeight)} > 0`,
            alerts.burstLastingFor,
            `Traffic has been on burst for more than ${alerts.burstLastingFor} (burst weight now {{ $value }} %)`,
            `The worker route's burst weight has been above 0 for ${alerts.burstLastingFor} without a pause: the burst cluster costs while it serves. A burst is meant for a peak, not for a load primary should be sized for.`,
          ),
          rule(
            BURST_ALERTS.editedOutside,
            'warning',
            `${w.grown(m.outsideEdits, alerts.outsideEditFor)} > 0`,
            undefined,
            `The worker route's weights were changed outside the watcher ${times} time(s) in the last ${alerts.outsideEditFor}`,
            `Someone or something other than the watcher changed the worker route's weights. The watcher took them as the new state and will move them again on the load unless the route carries burst.string-hashr.dev/suspend or /pin.`,
          ),
          rule(
            BURST_ALERTS.flapping,
            'warning',
            `(${w.grown(m.transitions, '1h')} or vector(0)) + (${w.grown(m.outsideEdits, '1h')} or vector(0)) > ${flapping}`,
            undefined,
            `${times} weight changes in the last hour; the settings explain at most ${flapping}`,
            `The worker route's weights changed more often in an hour than ${alerts.burstCyclesPerHour} bursts would make (${changesPerBurst(policy)} changes each with WATCHER_MODE=${policy.mode}, WATCHER_STEP_PERCENT=${policy.stepPercent}, WEIGHT_STEP=${policy.weightStep}), counting the watcher's changes and outside edits.`,
          ),
        ],
      },
    ],
  };
}
