/**
 * The Grafana dashboard of the burst: what reaches each cluster, the weights in force, the burst
 * pods ready, the watcher's view (observed rate against its thresholds, its changes, its failures) and the health
 * of each side. Every query is built from the names in @string-hashr/contract, so a renamed
 * metric or label changes the dashboard with it. Pure: `burstDashboard` returns Grafana's JSON model.
 */
import {
  CLUSTER_NAMES,
  DEPLOYMENTS,
  ISTIO_METRIC_LABELS,
  ROUTE_KIND_NAMES,
  SERVICES,
  WATCHER_METRICS,
  WORKER_LATENCY_METRIC,
  WORKER_TRAFFIC_METRIC,
  WORKER_TRAFFIC_SELECTOR,
  FAILED_RESPONSE_CODES,
  fqdn,
  workerDestinationService,
  type SeriesSelector,
} from '@string-hashr/contract';
import { selectorText } from '@string-hashr/metric-reading';

/** A data source by reference; `${datasource}` is the dashboard's data source variable. */
export interface DatasourceRef {
  type: 'prometheus';
  uid: string;
}

/** The parts of Grafana's dashboard JSON model we write (schemaVersion 39, Grafana 10 and 11). */
export interface DashboardTarget {
  refId: string;
  datasource: DatasourceRef;
  expr: string;
  legendFormat: string;
  range: true;
}

export interface DashboardPanel {
  id: number;
  type: 'timeseries';
  title: string;
  description: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource: DatasourceRef;
  targets: DashboardTarget[];
  fieldConfig: {
    defaults: { unit: string; min?: number; max?: number; decimals?: number; custom?: Record<string, unknown> };
    overrides: Array<{ matcher: { id: string; options: string }; properties: Array<{ id: string; value: unknown }> }>;
  };
  options: { legend: Record<string, unknown>; tooltip: Record<string, unknown> };
}

export interface Dashboard {
  /** Provisioned dashboards are matched by uid; Grafana assigns the numeric id. */
  id: null;
  uid: string;
  title: string;
  description: string;
  tags: string[];
  schemaVersion: number;
  version: number;
  editable: boolean;
  graphTooltip: number;
  timezone: string;
  time: { from: string; to: string };
  refresh: string;
  templating: { list: Array<Record<string, unknown>> };
  annotations: { list: unknown[] };
  panels: DashboardPanel[];
}

export const DASHBOARD_UID = 'string-hashr-burst';
/** The data source variable every panel and query goes through. */
export const DATASOURCE_VARIABLE = 'datasource';
const DATASOURCE: DatasourceRef = { type: 'prometheus', uid: `\${${DATASOURCE_VARIABLE}}` };
/** Grafana's rate window: at least four scrapes, whatever the scrape interval and zoom. */
const WINDOW = '$__rate_interval';

/** `metric{k="v",l=~"a|b",...,extra}`; values quoted as PromQL strings (a list as an alternation). */
export function seriesSelector(metric: string, matchers: SeriesSelector, extra: readonly string[] = []): string {
  const parts = [selectorText(matchers).slice(1, -1), ...extra].filter((p) => p !== '');
  return `${metric}{${parts.join(',')}}`;
}

/**
 * The PromQL of each panel for the app in `namespace`. Worker traffic is what the frontend's
 * sidecar reports (the watcher's own selector), so primary's Prometheus sees both clusters, under
 * either route kind: the worker Service (VirtualService) or the two backend Services (HTTPRoute).
 */
export function dashboardQueries(namespace: string, burstPodCapacityRps: number) {
  const destinations = ROUTE_KIND_NAMES.flatMap((kind) =>
    (Object.keys(CLUSTER_NAMES) as Array<keyof typeof CLUSTER_NAMES>).map((cluster) =>
      fqdn(workerDestinationService(kind, cluster), namespace),
    ),
  );
  const selector: SeriesSelector = {
    ...WORKER_TRAFFIC_SELECTOR,
    destination_service: [...new Set(destinations)],
  };
  const cluster = ISTIO_METRIC_LABELS.destinationCluster;
  // A failed call: a 5xx, or 0 (no response at all, as Envoy reports a reset).
  const failed = `${ISTIO_METRIC_LABELS.responseCode}=~"${FAILED_RESPONSE_CODES}"`;
  const rate = (metric: string, extra: readonly string[] = []) =>
    `rate(${seriesSelector(metric, selector, extra)}[${WINDOW}])`;
  const perCluster = (metric: string, extra: readonly string[] = []) => `sum by (${cluster}) (${rate(metric, extra)})`;
  // The replica holding the lease: a standby reads too, but its weights are not the ones in force.
  const leader = (metric: string) => `max(${metric} and on (instance) (${WATCHER_METRICS.isLeader} == 1))`;
  const w = WATCHER_METRICS;
  return {
    requestsByCluster: perCluster(WORKER_TRAFFIC_METRIC),
    // `or 0 * total`: a cluster with no failures reads 0 failed, not "no data"; one with only failures reads 0 %.
    successByCluster: `1 - ((${perCluster(WORKER_TRAFFIC_METRIC, [failed])} or 0 * ${perCluster(WORKER_TRAFFIC_METRIC)}) / ${perCluster(WORKER_TRAFFIC_METRIC)})`,
    p99ByCluster: `histogram_quantile(0.99, sum by (${cluster}, le) (${rate(`${WORKER_LATENCY_METRIC}_bucket`)}))`,
    primaryWeight: leader(w.primaryWeight),
    burstWeight: leader(w.burstWeight),
    observedRps: leader(w.observedRps),
    thresholds: `max by (threshold) (${w.thresholdRps})`,
    transitions: `sum by (direction) (increase(${w.transitions}[${WINDOW}]))`,
    errorsByKind: `sum by (kind) (increase(${w.errors}[${WINDOW}]))`,
    failedReadsInARow: `max(${w.consecutiveFailures})`,
    burstReadyPods: leader(w.burstReadyPods),
    burstDesiredPods: leader(w.burstDesiredPods),
    // What the ready gate compares: the ready pods' capacity, the rate the weights send to burst.
    burstReadyCapacityRps: `${leader(w.burstReadyPods)} * ${burstPodCapacityRps}`,
    burstShareRps: `${leader(w.observedRps)} * ${leader(w.burstWeight)} / 100`,
  };
}

/** The y axis of a panel: its unit and range. */
interface Axis {
  unit: string;
  min?: number;
  max?: number;
}
const AXES = {
  rate: { unit: 'reqps', min: 0 },
  percent: { unit: 'percent', min: 0, max: 100 },
  count: { unit: 'short', min: 0 },
  share: { unit: 'percentunit', min: 0, max: 1 },
  ms: { unit: 'ms', min: 0 },
} satisfies Record<string, Axis>;

interface PanelSpec {
  title: string;
  description: string;
  axis: Axis;
  bars?: boolean;
  /** Series whose legend matches this regular expression are drawn dashed (thresholds). */
  dashed?: string;
  targets: Array<{ expr: string; legend: string }>;
}

const series = (expr: string, legend: string) => ({ expr, legend });

const PANEL_WIDTH = 12;
const PANEL_HEIGHT = 8;

/** Two panels a row, in the order given: the weights and the ready burst capacity share one. */
function panel(spec: PanelSpec, index: number): DashboardPanel {
  const custom: Record<string, unknown> = { drawStyle: spec.bars ? 'bars' : 'line', fillOpacity: spec.bars ? 60 : 10 };
  return {
    id: index + 1,
    type: 'timeseries',
    title: spec.title,
    description: spec.description,
    gridPos: {
      x: (index % 2) * PANEL_WIDTH,
      y: Math.floor(index / 2) * PANEL_HEIGHT,
      w: PANEL_WIDTH,
      h: PANEL_HEIGHT,
    },
    datasource: DATASOURCE,
    targets: spec.targets.map((t, i) => ({
      refId: String.fromCharCode(65 + i),
      datasource: DATASOURCE,
      expr: t.expr,
      legendFormat: t.legend,
      range: true,
    })),
    fieldConfig: {
      defaults: {
        unit: spec.axis.unit,
        ...(spec.axis.min !== undefined ? { min: spec.axis.min } : {}),
        ...(spec.axis.max !== undefined ? { max: spec.axis.max } : {}),
        custom,
      },
      overrides: spec.dashed
        ? [
            {
              matcher: { id: 'byRegexp', options: spec.dashed },
              properties: [{ id: 'custom.lineStyle', value: { fill: 'dash', dash: [10, 10] } }],
            },
          ]
        : [],
    },
    options: {
      legend: { displayMode: 'list', placement: 'bottom', showLegend: true },
      tooltip: { mode: 'multi', sort: 'none' },
    },
  };
}

/**
 * The dashboard for the app in `namespace`; `note` (who generated it) goes in its description;
 * `burstPodCapacityRps`: the shipped watcher's BURST_POD_CAPACITY_RPS, what one burst pod serves.
 */
export function burstDashboard(options: { namespace: string; note: string; burstPodCapacityRps: number }): Dashboard {
  const q = dashboardQueries(options.namespace, options.burstPodCapacityRps);
  const byCluster = `{{${ISTIO_METRIC_LABELS.destinationCluster}}}`;
  const specs: PanelSpec[] = [
    {
      title: 'Worker requests by destination cluster',
      description: `Requests per second from ${DEPLOYMENTS.frontend} to ${SERVICES.worker.name}, by the cluster that served them (the frontend sidecar's view). During a burst the burst line takes over.`,
      axis: AXES.rate,
      targets: [series(q.requestsByCluster, byCluster)],
    },
    {
      title: 'Observed rate against the thresholds',
      description:
        'The rate the watcher last read, with its thresholds: above high it moves traffic to burst, below low it brings it back (spill mode adds the capacity primary keeps).',
      axis: AXES.rate,
      dashed: '.*threshold',
      targets: [series(q.observedRps, 'observed'), series(q.thresholds, '{{threshold}} threshold')],
    },
    {
      title: 'Weights in force',
      description: 'The worker VirtualService weights the watcher (its leader) has in force, in percent.',
      axis: AXES.percent,
      targets: [series(q.primaryWeight, 'primary'), series(q.burstWeight, 'burst')],
    },
    {
      title: 'Ready burst capacity beside its share',
      description: `What the burst side's ready pods serve (ready pods x BURST_POD_CAPACITY_RPS, ${options.burstPodCapacityRps} req/s each), and what the weights in force send it (the observed rate x the burst weight). A step toward burst waits until the ready capacity covers the share it would send. No capacity line: the burst side is not read (BURST_KUBECONFIG), and only the health gate guards a step.`,
      axis: AXES.rate,
      dashed: 'burst share',
      targets: [series(q.burstReadyCapacityRps, 'ready burst capacity'), series(q.burstShareRps, 'burst share')],
    },
    {
      title: 'Burst pods ready',
      description:
        "The burst worker's pods as the watcher reads them in the burst cluster (BURST_KUBECONFIG): ready, and asked for (the Deployment's replicas, the autoscaler's choice, raised by the warm-up). A step toward burst waits until the ready ones cover its share. No data: the burst side is not read.",
      axis: AXES.count,
      targets: [series(q.burstReadyPods, 'ready'), series(q.burstDesiredPods, 'asked')],
    },
    {
      title: 'Weight changes',
      description: 'Changes the watcher made: up moves traffic toward burst, down back to primary.',
      axis: AXES.count,
      bars: true,
      targets: [series(q.transitions, '{{direction}}')],
    },
    {
      title: 'Watcher failures by kind',
      description:
        'Failed metric reads (http, network, timeout, prometheus, not-finite, multiple-series, parse) and router calls (router_*), and the failed reads in a row the failsafe counts.',
      axis: AXES.count,
      targets: [series(q.errorsByKind, '{{kind}}'), series(q.failedReadsInARow, 'failed reads in a row')],
    },
    {
      title: 'Success rate by destination cluster',
      description: 'Share of worker calls answered without a 5xx (or a reset), by the cluster that served them.',
      axis: AXES.share,
      targets: [series(q.successByCluster, byCluster)],
    },
    {
      title: 'p99 latency by destination cluster',
      description:
        "99th percentile of the worker call's duration as the frontend sidecar measures it, by the cluster that served it.",
      axis: AXES.ms,
      targets: [series(q.p99ByCluster, byCluster)],
    },
  ];
  return {
    id: null,
    uid: DASHBOARD_UID,
    title: 'String Hashr: burst',
    description: options.note,
    tags: ['string-hashr', 'istio'],
    schemaVersion: 39,
    version: 1,
    editable: true,
    graphTooltip: 1,
    timezone: 'browser',
    time: { from: 'now-30m', to: 'now' },
    refresh: '10s',
    templating: {
      list: [
        {
          name: DATASOURCE_VARIABLE,
          label: 'Prometheus',
          type: 'datasource',
          query: 'prometheus',
          current: {},
          hide: 0,
          includeAll: false,
          multi: false,
          options: [],
          refresh: 1,
          regex: '',
          skipUrlSync: false,
        },
      ],
    },
    annotations: { list: [] },
    panels: specs.map(panel),
  };
}
