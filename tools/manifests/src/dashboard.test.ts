// The dashboard as shipped (istio-manifests/addons/, the drift test keeps it equal to a fresh
// generation), checked for what Grafana needs to load it, and its queries for the contract's names.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  ISTIO_METRIC_LABELS,
  WATCHER_METRICS,
  WORKER_LATENCY_METRIC,
  WORKER_TRAFFIC_METRIC,
  workerTrafficLabels,
  ROUTE_KIND_NAMES,
} from '@string-hashr/contract';
import { selectorOfQuery } from '@string-hashr/metric-reading';
import { DASHBOARD_UID, DATASOURCE_VARIABLE, burstDashboard, dashboardQueries, seriesSelector } from './dashboard.js';
import { loadConfig } from './config.js';
import { ADDONS_DIR, GRAFANA_FILES, grafanaFiles } from './grafana.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const shipped: unknown = JSON.parse(readFileSync(path.join(root, ADDONS_DIR, GRAFANA_FILES.dashboard), 'utf8'));

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;
const dashboard = shipped as Json;
const panels: Json[] = Array.isArray(dashboard.panels) ? dashboard.panels : [];
const exprs: string[] = panels.flatMap((p) => (Array.isArray(p.targets) ? p.targets : []).map((t: Json) => t.expr));

/** Grafana's own variables, which it fills in at query time. */
const GRAFANA_BUILTINS = ['__rate_interval', '__interval', '__range', '__interval_ms', '__range_s'];

describe('the shipped dashboard has what Grafana needs to load it', () => {
  it('a title, a uid Grafana accepts (at most 40 of [A-Za-z0-9_-]), a numeric schemaVersion, no fixed id', () => {
    expect(dashboard.title).toMatch(/\S/);
    expect(dashboard.uid).toBe(DASHBOARD_UID);
    expect(dashboard.uid).toMatch(/^[A-Za-z0-9_-]{1,40}$/);
    expect(Number.isInteger(dashboard.schemaVersion) && dashboard.schemaVersion >= 36).toBe(true);
    expect(dashboard.id).toBeNull();
  });

  it('panels, each with a unique id, a type, a gridPos inside the 24 columns, a data source and queries', () => {
    expect(panels.length).toBeGreaterThanOrEqual(7);
    expect(new Set(panels.map((p) => p.id)).size).toBe(panels.length);
    for (const p of panels) {
      expect(Number.isInteger(p.id), p.title).toBe(true);
      expect(p.type, p.title).toBe('timeseries');
      expect(p.title).toMatch(/\S/);
      const { x, y, w, h } = p.gridPos;
      for (const n of [x, y, w, h]) expect(Number.isInteger(n) && n >= 0, p.title).toBe(true);
      expect(w > 0 && h > 0 && x + w <= 24, p.title).toBe(true);
      expect(p.datasource, p.title).toEqual({ type: 'prometheus', uid: `\${${DATASOURCE_VARIABLE}}` });
      expect(p.targets.length, p.title).toBeGreaterThan(0);
      expect(new Set(p.targets.map((t: Json) => t.refId)).size, p.title).toBe(p.targets.length);
      for (const t of p.targets) {
        expect(t.expr, p.title).toMatch(/\S/);
        expect(t.refId, p.title).toMatch(/^[A-Z]$/);
        expect(t.datasource, p.title).toEqual(p.datasource);
      }
    }
  });

  it('no two panels overlap', () => {
    const cells = new Set<string>();
    for (const p of panels)
      for (let dx = 0; dx < p.gridPos.w; dx++)
        for (let dy = 0; dy < p.gridPos.h; dy++) {
          const cell = `${p.gridPos.x + dx},${p.gridPos.y + dy}`;
          expect(cells.has(cell), `${p.title} overlaps at ${cell}`).toBe(false);
          cells.add(cell);
        }
  });

  it('a data source variable of type prometheus in templating, the one the panels name', () => {
    const variable = dashboard.templating.list.find((v: Json) => v.name === DATASOURCE_VARIABLE);
    expect(variable).toMatchObject({ type: 'datasource', query: 'prometheus' });
  });

  it("every $variable in a query is a templating variable or one of Grafana's own", () => {
    const known = new Set([...GRAFANA_BUILTINS, ...dashboard.templating.list.map((v: Json) => v.name)]);
    for (const expr of exprs)
      for (const [, name] of expr.matchAll(/\$\{?(\w+)/g))
        expect(known.has(name ?? ''), `$${name} in ${expr}`).toBe(true);
  });
});

describe('the queries use the contract names', () => {
  it('every metric queried is one the watcher or the mesh exports (libs/contract)', () => {
    const exported = new Set<string>([
      ...Object.values(WATCHER_METRICS),
      WORKER_TRAFFIC_METRIC,
      `${WORKER_LATENCY_METRIC}_bucket`,
    ]);
    const queried = exprs.flatMap((e) => [...e.matchAll(/\b(istio(?:watcher)?_[a-z_]+)\b/g)].map((m) => m[1]));
    expect(queried.length).toBeGreaterThan(exprs.length);
    for (const name of queried) expect(exported.has(name ?? ''), name).toBe(true);
  });

  it('the panels cover the burst: requests, weights, observed rate and thresholds, changes, failures, success, p99', () => {
    const all = exprs.join('\n');
    for (const name of [
      WORKER_TRAFFIC_METRIC,
      `${WORKER_LATENCY_METRIC}_bucket`,
      WATCHER_METRICS.primaryWeight,
      WATCHER_METRICS.burstWeight,
      WATCHER_METRICS.observedRps,
      WATCHER_METRICS.thresholdRps,
      WATCHER_METRICS.transitions,
      WATCHER_METRICS.errors,
    ])
      expect(all).toContain(name);
  });

  it.each(ROUTE_KIND_NAMES)(
    'the worker traffic it selects is the series the frontend sidecar (and the mesh stand-in) reports through a %s',
    (kind) => {
      const selectors = exprs.flatMap((e) =>
        [...e.matchAll(/istio_request[a-z_]*\{([^}]*)\}/g)].map((m) => m[1] ?? ''),
      );
      expect(selectors.length).toBeGreaterThan(0);
      for (const cluster of ['primary', 'burst'] as const) {
        const series = workerTrafficLabels(cluster, 503, kind);
        for (const selector of selectors)
          for (const [, label, op, value] of selector.matchAll(/(\w+)(=~|!~|!=|=)"((?:[^"\\]|\\.)*)"/g)) {
            expect(Object.keys(series), label).toContain(label);
            const actual = series[label ?? ''] ?? '';
            // PromQL regexes are anchored; the string literal's `\\` is the regex's `\`.
            if (op === '=') expect(actual, label).toBe(value);
            if (op === '=~') expect(actual, label).toMatch(new RegExp(`^(?:${(value ?? '').replace(/\\\\/g, '\\')})$`));
          }
      }
    },
  );

  it('the worker traffic of both route kinds, and no other destination', () => {
    const selector = selectorOfQuery(dashboardQueries('default', 15).requestsByCluster);
    expect([selector.destination_service].flat().sort()).toEqual([
      'worker-burst.default.svc.cluster.local',
      'worker-primary.default.svc.cluster.local',
      'worker-service.default.svc.cluster.local',
    ]);
  });

  it('groups by the destination cluster', () => {
    for (const expr of exprs.filter((e) => e.includes('by (destination')))
      expect(expr).toContain(`by (${ISTIO_METRIC_LABELS.destinationCluster}`);
  });

  it('takes the namespace the manifests are generated for', () => {
    const queries = dashboardQueries('shop', 15);
    expect(queries.requestsByCluster).toContain('worker-service\\\\.shop\\\\.svc\\\\.cluster\\\\.local');
    expect(burstDashboard({ namespace: 'shop', note: 'n', burstPodCapacityRps: 15 }).panels[0]?.targets[0]?.expr).toBe(
      queries.requestsByCluster,
    );
  });
});

describe('the ready burst capacity beside the weights (issue 26)', () => {
  const byTitle = (ps: Json[], title: RegExp) => ps.find((p) => title.test(p.title));

  it('sits in the row of the weights in force, in req/s: the ready pods x BURST_POD_CAPACITY_RPS and the share burst is sent', () => {
    const weights = byTitle(panels, /^Weights in force$/);
    const capacity = byTitle(panels, /^Ready burst capacity/);
    expect(capacity.gridPos.y).toBe(weights.gridPos.y);
    expect(Math.abs(capacity.gridPos.x - weights.gridPos.x)).toBe(weights.gridPos.w);
    expect(capacity.fieldConfig.defaults.unit).toBe('reqps');
    const [ready, share] = capacity.targets.map((t: Json) => t.expr);
    expect(ready).toMatch(new RegExp(`^max\\(${WATCHER_METRICS.burstReadyPods} and on .*\\) \\* 15$`));
    expect(share).toContain(WATCHER_METRICS.observedRps);
    expect(share).toContain(WATCHER_METRICS.burstWeight);
    expect(share).toMatch(/ \/ 100$/);
  });

  it("takes the pod's capacity from the watcher's settings in config.yaml, its one home", () => {
    const config = loadConfig(path.join(root, 'tools/manifests/config.yaml'));
    const generated = (capacity: string) => {
      const watcher = { ...config.watcher, BURST_POD_CAPACITY_RPS: capacity };
      const file = grafanaFiles({ ...config, watcher }, 'test').find((f) => f.path.endsWith(GRAFANA_FILES.dashboard));
      const ps: Json[] = JSON.parse(file?.content ?? '{}').panels;
      return byTitle(ps, /^Ready burst capacity/);
    };
    expect(generated('20').targets[0].expr).toMatch(/ \* 20$/);
    expect(generated('20').description).toContain('20 req/s each');
    expect(() => generated('lots')).toThrow(/BURST_POD_CAPACITY_RPS/);
  });
});

describe('seriesSelector', () => {
  it.each([
    ['m', {}, [], 'm{}'],
    ['m', { a: 'x', b: 'y' }, [], 'm{a="x",b="y"}'],
    ['m', { a: 'say "hi"\\' }, ['c=~"5.."'], 'm{a="say \\"hi\\"\\\\",c=~"5.."}'],
  ])('%s %j %j -> %s', (metric, matchers, extra, expected) => {
    expect(seriesSelector(metric, matchers, extra)).toBe(expected);
  });
});
