import { describe, expect, it } from 'vitest';
import { WORKER_TRAFFIC_METRIC, WORKER_TRAFFIC_SELECTOR } from '@string-hashr/contract';
import {
  counterIncrease,
  defaultWatcherQuery,
  parseDuration,
  parseExposition,
  parseQueryResponse,
  selectSeries,
} from './metric-reading.js';

describe('defaultWatcherQuery', () => {
  it('sums the source-reported rate of frontend -> worker-service to one value', () => {
    expect(defaultWatcherQuery('1m')).toBe(
      'sum(rate(istio_requests_total{reporter="source",source_workload="frontend-deployment",destination_service="worker-service.default.svc.cluster.local"}[1m]))',
    );
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

const vector = (...values: string[]) => ({
  status: 'success',
  data: {
    resultType: 'vector',
    result: values.map((v, i) => ({ metric: { i: String(i) }, value: [1700000000.1, v] })),
  },
});

describe('parseQueryResponse', () => {
  it.each<[string, unknown, object]>([
    ['a number', vector('12.5'), { kind: 'value', rps: 12.5 }],
    ['zero', vector('0'), { kind: 'value', rps: 0 }],
    ['an empty vector: no traffic', vector(), { kind: 'no-data' }],
    ['a scalar', { status: 'success', data: { resultType: 'scalar', result: [1, '3'] } }, { kind: 'value', rps: 3 }],
    ['NaN', vector('NaN'), { kind: 'error', errorKind: 'not-finite' }],
    ['+Inf', vector('+Inf'), { kind: 'error', errorKind: 'not-finite' }],
    ['two series', vector('1', '2'), { kind: 'error', errorKind: 'multiple-series' }],
    [
      'status error',
      { status: 'error', errorType: 'bad_data', error: 'parse error at char 5' },
      { kind: 'error', errorKind: 'prometheus' },
    ],
    [
      'a matrix',
      { status: 'success', data: { resultType: 'matrix', result: [] } },
      { kind: 'error', errorKind: 'parse' },
    ],
    ['not an object', 'hello', { kind: 'error', errorKind: 'parse' }],
  ])('%s', (_name, body, expected) => {
    expect(parseQueryResponse(body)).toMatchObject(expected);
  });

  it('names the error and the series in the message', () => {
    expect(parseQueryResponse({ status: 'error', errorType: 'bad_data', error: 'parse error' })).toMatchObject({
      message: 'status error: bad_data parse error',
    });
    expect(parseQueryResponse(vector('1', '2'))).toMatchObject({
      message: expect.stringMatching(/2 series .*sum\(\)/),
    });
  });
});

const exposition = `# HELP istio_requests_total Total requests.
# TYPE istio_requests_total counter
istio_requests_total{reporter="source",source_workload="frontend-deployment",destination_service="worker-service.default.svc.cluster.local",destination_cluster="primary",response_code="200"} 120
istio_requests_total{reporter="source",source_workload="frontend-deployment",destination_service="worker-service.default.svc.cluster.local",destination_cluster="burst",response_code="200"} 30 1700000000000
istio_requests_total{reporter="destination",source_workload="frontend-deployment",destination_service="worker-service.default.svc.cluster.local",destination_cluster="primary",response_code="200"} 999
istio_requests_total{reporter="source",source_workload="other",destination_service="worker-service.default.svc.cluster.local"} 5
istio_request_bytes_sum{reporter="source"} 77
weird{a="x\\"y\\\\z",b="line\\nbreak"} +Inf
`;

describe('parseExposition / selectSeries', () => {
  it('parses samples with labels, timestamps and escapes', () => {
    const samples = parseExposition(exposition);
    expect(samples).toHaveLength(6);
    expect(samples[5]).toEqual({ name: 'weird', labels: { a: 'x"y\\z', b: 'line\nbreak' }, value: Infinity });
  });

  it('selects the series of the default query selector only', () => {
    const series = selectSeries(parseExposition(exposition), WORKER_TRAFFIC_METRIC, WORKER_TRAFFIC_SELECTOR);
    expect([...series.values()].sort()).toEqual([120, 30]);
  });
});

describe('counterIncrease', () => {
  const m = (entries: Record<string, number>) => new Map(Object.entries(entries));
  it.each([
    ['growth summed', m({ a: 10, b: 5 }), m({ a: 15, b: 8 }), 8],
    ['a reset counts from 0', m({ a: 100 }), m({ a: 7 }), 7],
    ['a new series counts nothing', m({ a: 1 }), m({ a: 2, b: 50 }), 1],
    ['a vanished series counts nothing', m({ a: 1, b: 3 }), m({ a: 2 }), 1],
    ['no change', m({ a: 4 }), m({ a: 4 }), 0],
  ])('%s', (_name, before, after, expected) => {
    expect(counterIncrease(before, after)).toBe(expected);
  });
});
