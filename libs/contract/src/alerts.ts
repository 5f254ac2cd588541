/** The alerting rules' names and how they find the watcher's series (tools/manifests ships them). */

/** The alerts, by what they watch; each name is an anchor of its runbook section in docs/operate.md. */
export const BURST_ALERTS = {
  watcherDown: 'BurstWatcherDown',
  noLeader: 'BurstWatcherNoLeader',
  metricMissing: 'BurstMetricMissing',
  rolledBack: 'BurstRolledBack',
  lasting: 'BurstLasting',
  editedOutside: 'BurstRouteEditedOutside',
  flapping: 'BurstFlapping',
} as const;
export type BurstAlertName = (typeof BURST_ALERTS)[keyof typeof BURST_ALERTS];

/**
 * The scrape job of Istio's Prometheus addon that finds pods by their prometheus.io annotations;
 * it labels each series with the pod's own labels (`app`), `namespace` and `pod`.
 */
export const POD_SCRAPE_JOB = 'kubernetes-pods';
/** The labels that job adds besides the pod's own. */
export const POD_SCRAPE_LABELS = { namespace: 'namespace', pod: 'pod' } as const;
