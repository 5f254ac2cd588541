import { describe, expect, it } from 'vitest';
import {
  burstHealthQueries,
  defaultFreshnessQuery,
  defaultWatcherQuery,
  parseDuration,
  selectorOfQuery,
  selectorText,
} from './queries.js';

describe('the queries', () => {
  it('the rate: the source-reported rate of frontend -> worker-service, summed to one value', () => {
    expect(defaultWatcherQuery('1m')).toBe(
      'sum(rate(istio_requests_total{reporter="source",source_workload="frontend-deployment",destination_service="worker-service.default.svc.cluster.local"}[1m]))',
    );
  });

  it('its freshness: the newest sample time of the same series', () => {
    expect(defaultFreshnessQuery()).toBe(
      'max(timestamp(istio_requests_total{reporter="source",source_workload="frontend-deployment",destination_service="worker-service.default.svc.cluster.local"}))',
    );
  });

  it('the burst side: the same series to the burst cluster, by response code, p99 and freshness', () => {
    const sel =
      '{reporter="source",source_workload="frontend-deployment",destination_service="worker-service.default.svc.cluster.local",destination_cluster="burst"}';
    expect(burstHealthQueries('1m', 'burst')).toEqual({
      byCode: `sum by (response_code) (increase(istio_requests_total${sel}[1m]))`,
      latencyP99: `histogram_quantile(0.99, sum by (le) (rate(istio_request_duration_milliseconds_bucket${sel}[1m])))`,
      freshness: `max(timestamp(istio_requests_total${sel}))`,
    });
  });

  it('escapes label values', () => {
    expect(selectorText({ a: 'x"y\\z' })).toBe('{a="x\\"y\\\\z"}');
  });
});

describe('the queries through an HTTPRoute: the series name the two backend Services', () => {
  const backends =
    'destination_service=~"worker-primary\\\\.default\\\\.svc\\\\.cluster\\\\.local|worker-burst\\\\.default\\\\.svc\\\\.cluster\\\\.local"';
  const sel = `{reporter="source",source_workload="frontend-deployment",${backends}}`;

  it('the rate and its freshness select both backends', () => {
    expect(defaultWatcherQuery('1m', 'HTTPRoute')).toBe(`sum(rate(istio_requests_total${sel}[1m]))`);
    expect(defaultFreshnessQuery('HTTPRoute')).toBe(`max(timestamp(istio_requests_total${sel}))`);
  });

  it('the burst side: both backends, to the burst cluster', () => {
    const burst = `{reporter="source",source_workload="frontend-deployment",${backends},destination_cluster="burst"}`;
    expect(burstHealthQueries('1m', 'burst', 'HTTPRoute')).toEqual({
      byCode: `sum by (response_code) (increase(istio_requests_total${burst}[1m]))`,
      latencyP99: `histogram_quantile(0.99, sum by (le) (rate(istio_request_duration_milliseconds_bucket${burst}[1m])))`,
      freshness: `max(timestamp(istio_requests_total${burst}))`,
    });
  });
});

describe('selectorOfQuery reads back what selectorText writes', () => {
  it.each([
    [{ a: 'x' }],
    [{ a: 'x"y\\z', b: 'new\nline' }],
    [{ a: ['worker-primary.default.svc.cluster.local', 'w|x(y)'], b: 'c' }],
  ])('%j', (selector) => {
    expect(selectorOfQuery(`sum(rate(m${selectorText(selector)}[1m]))`)).toEqual(selector);
  });

  it.each([['m'], ['m{a!="x"}'], ['m{a="x",junk}']])('refuses %s', (query) => {
    expect(() => selectorOfQuery(query)).toThrow();
  });
});

describe('parseDuration', () => {
  it.each([
    ['15s', 15],
    ['1m', 60],
    ['1m30s', 90],
    ['500ms', 0.5],
    ['2h', 7200],
    ['', undefined],
    ['0s', undefined],
    ['1.5m', undefined],
    ['10', undefined],
    ['5 s', undefined],
  ])('%j -> %s', (text, seconds) => {
    expect(parseDuration(text)).toBe(seconds);
  });
});
