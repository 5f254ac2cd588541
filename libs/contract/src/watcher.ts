/** The istiowatcher's names that others rely on: its Lease and its metrics. */

/** The coordination.k8s.io Lease the watcher replicas elect a leader on. */
export const LEADER_LEASE_NAME = 'istiowatcher-leader';

/** The watcher's own metrics (its /metrics), as dashboards and tests query them. */
export const WATCHER_METRICS = {
  observedRps: 'istiowatcher_observed_rps',
  burstWeight: 'istiowatcher_burst_weight',
  primaryWeight: 'istiowatcher_primary_weight',
  transitions: 'istiowatcher_transitions_total',
  errors: 'istiowatcher_errors_total',
  consecutiveFailures: 'istiowatcher_consecutive_failed_reads',
  isLeader: 'istiowatcher_is_leader',
  lastSuccess: 'istiowatcher_last_success_timestamp_seconds',
  mode: 'istiowatcher_mode',
  /** `{threshold="high"|"low"}`, and `"capacity"` in spill mode (req/s). */
  thresholdRps: 'istiowatcher_threshold_rps',
  phase: 'istiowatcher_phase',
  decisions: 'istiowatcher_decisions_total',
  rollbacks: 'istiowatcher_rollbacks_total',
  noDataSeconds: 'istiowatcher_no_data_seconds',
  burstSuccessRatio: 'istiowatcher_burst_success_ratio',
  burstP99: 'istiowatcher_burst_p99_milliseconds',
  burstRequests: 'istiowatcher_burst_requests',
} as const;
