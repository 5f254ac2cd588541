import { describe, expect, it } from 'vitest';
import { WORKER_TRAFFIC_METRIC, WORKER_TRAFFIC_SELECTOR } from '@string-hashr/contract';
import {
  counterIncrease,
  histogramQuantile,
  increaseOver,
  matchesSelector,
  parseExposition,
  selectSeries,
} from './exposition.js';

const exposition = `# HELP istio_requests_total Total requests.
# TYPE istio_requests_total counter
istio_requests_total{reporter="source",source_workload="frontend-deployment",destination_service="worker-service.default.svc.cluster.local",destination_cluster="primary",response_code="200"} 120
istio_requests_total{reporter="source",source_workload="frontend-deployment",destination_service="worker-service.default.svc.cluster.local",destination_cluster="burst",response_code="200"} 30 1700000000000
istio_requests_total{reporter="source",source_workload="frontend-deployment",destination_service="worker-service.default.svc.cluster.local",destination_cluster="burst",response_code="503"} 5
istio_requests_total{reporter="destination",source_workload="frontend-deployment",destination_service="worker-service.default.svc.cluster.local",destination_cluster="primary",response_code="200"} 999
istio_requests_total{reporter="source",source_workload="other",destination_service="worker-service.default.svc.cluster.local"} 5
istio_request_bytes_sum{reporter="source"} 77
bad_value{a="b"} 0x10
weird{a="x\\"y\\\\z",b="line\\nbreak"} +Inf
`;

describe('parseExposition / selectSeries', () => {
  it('parses samples with labels, timestamps and escapes; a value that is not a number drops the line', () => {
    const samples = parseExposition(exposition);
    expect(samples).toHaveLength(7);
    expect(samples.map((s) => s.name)).not.toContain('bad_value');
    expect(samples[6]).toEqual({ name: 'weird', labels: { a: 'x"y\\z', b: 'line\nbreak' }, value: Infinity });
  });

  it('selects the series of the default query selector only, and filters further', () => {
    const samples = parseExposition(exposition);
    const series = selectSeries(samples, WORKER_TRAFFIC_METRIC, WORKER_TRAFFIC_SELECTOR);
    expect([...series.values()].sort((a, b) => a - b)).toEqual([5, 30, 120]);
    const failed = selectSeries(samples, WORKER_TRAFFIC_METRIC, WORKER_TRAFFIC_SELECTOR, (l) =>
      /^5/.test(l.response_code ?? ''),
    );
    expect([...failed.values()]).toEqual([5]);
  });
});

describe('counterIncrease / increaseOver', () => {
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

  it('sums each step of a series of samples, through a reset', () => {
    expect(increaseOver([m({ a: 1 }), m({ a: 5 }), m({ a: 2 }), m({ a: 4 })])).toBe(8);
    expect(increaseOver([m({ a: 1 })])).toBe(0);
  });
});

describe('histogramQuantile', () => {
  const h = (...pairs: Array<[number, number]>) => pairs.map(([le, count]) => ({ le, count }));
  it.each<[string, number, Array<{ le: number; count: number }>, number | undefined]>([
    ['interpolates inside the bucket', 0.5, h([10, 0], [20, 100], [Infinity, 100]), 15],
    ['the first bucket starts at 0', 0.99, h([100, 100], [Infinity, 100]), 99],
    ['in +Inf: the highest finite bound', 0.99, h([10, 50], [Infinity, 100]), 10],
    ['unsorted input', 0.5, h([Infinity, 100], [20, 100], [10, 0]), 15],
    ['empty histogram', 0.99, h([10, 0], [Infinity, 0]), undefined],
    ['no +Inf bucket', 0.99, h([10, 5]), undefined],
  ])('%s', (_name, q, buckets, expected) => {
    expect(histogramQuantile(q, buckets)).toBe(expected);
  });
});

describe('matchesSelector', () => {
  it.each([
    [{ a: 'x', b: 'y' }, { a: 'x' }, true],
    [{ a: 'x' }, { a: 'y' }, false],
    [{ a: 'x' }, { a: ['y', 'x'] }, true],
    [{ a: 'z' }, { a: ['y', 'x'] }, false],
    [{}, { a: ['y', 'x'] }, false],
    [{ a: '' }, { a: [''] }, true],
  ])('%j with %j: %s', (labels, selector, matches) => {
    expect(matchesSelector(labels, selector)).toBe(matches);
  });
});
