/** The istiowatcher's names that others rely on: its Lease, its metrics and its annotations. */

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
  suspended: 'istiowatcher_suspended',
  pinned: 'istiowatcher_pinned',
  outsideEdits: 'istiowatcher_outside_edits_total',
  conflicts: 'istiowatcher_write_conflicts_total',
  phase: 'istiowatcher_phase',
  decisions: 'istiowatcher_decisions_total',
  rollbacks: 'istiowatcher_rollbacks_total',
  noDataSeconds: 'istiowatcher_no_data_seconds',
  burstSuccessRatio: 'istiowatcher_burst_success_ratio',
  burstP99: 'istiowatcher_burst_p99_milliseconds',
  burstRequests: 'istiowatcher_burst_requests',
  /** The burst worker's ready pods (its Deployment's readyReplicas) last read; NaN: not read. */
  burstReadyPods: 'istiowatcher_burst_ready_pods',
  /** The burst worker's pods asked for (its Deployment's replicas) last read; NaN: not read. */
  burstDesiredPods: 'istiowatcher_burst_desired_pods',
} as const;

/**
 * The annotations on the worker VirtualService. The watcher writes the first four in the same
 * JSON Patch as every weight change (its state, readable with one `kubectl get`); an operator
 * writes the last two (its orders, read on every tick).
 */
export const BURST_ANNOTATIONS = {
  /** `natural` (all on primary), `burst` (any weight on burst), `unhealthy` (rolled back by the health gate). */
  phase: 'burst.string-hashr.dev/phase',
  /** RFC 3339 UTC time of the watcher's last weight change. */
  changedAt: 'burst.string-hashr.dev/changed-at',
  /** Why it made that change, at most REASON_MAX_LENGTH characters. */
  reason: 'burst.string-hashr.dev/reason',
  /** The fencing token of the leader that wrote last: Lease holder and lease transitions. */
  owner: 'burst.string-hashr.dev/owner',
  /** `"true"`: the watcher makes no change while present. */
  suspend: 'burst.string-hashr.dev/suspend',
  /** `natural` or `burst`: hold those weights whatever the load. */
  pin: 'burst.string-hashr.dev/pin',
} as const;

/**
 * The annotations on the burst worker's HorizontalPodAutoscaler, in the burst cluster, when the
 * watcher warms the burst side (BURST_WARM=min-replicas): who held its `minReplicas`, when and why,
 * by the same keys as on the route, and the floor it gives back to. The manifests write
 * `naturalMinReplicas` from their own `minReplicas`; the watcher writes the other three with every
 * change of `minReplicas`.
 */
export const BURST_AUTOSCALER_ANNOTATIONS = {
  owner: BURST_ANNOTATIONS.owner,
  changedAt: BURST_ANNOTATIONS.changedAt,
  reason: BURST_ANNOTATIONS.reason,
  /** The autoscaler's own `minReplicas` (a whole number >= 1): what a give-back restores. */
  naturalMinReplicas: 'burst.string-hashr.dev/natural-min-replicas',
} as const;

/** The Events the watcher records on the burst autoscaler, by `reason`. */
export const BURST_AUTOSCALER_EVENTS = {
  /** `minReplicas` raised above what it was: pods asked for ahead of the traffic. */
  warmed: 'BurstWarmed',
  /** `minReplicas` lowered, back toward (or to) the natural floor. */
  givenBack: 'BurstGivenBack',
} as const;

/** The longest `reason` annotation the watcher writes. */
export const REASON_MAX_LENGTH = 256;

/** The values of the `pin` annotation. */
export const PIN_VALUES = ['natural', 'burst'] as const;
export type PinValue = (typeof PIN_VALUES)[number];

/** The values of the `phase` annotation. */
export const PHASE_VALUES = ['natural', 'burst', 'unhealthy'] as const;
export type PhaseValue = (typeof PHASE_VALUES)[number];
