import { describe, expect, it } from 'vitest';
import {
  burstHealthQueries,
  defaultFreshnessQuery,
  defaultWatcherQuery,
  parseDuration,
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
