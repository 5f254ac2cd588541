import { describe, expect, it } from 'vitest';
import { ConfigError } from '@string-hashr/runtime';
import { DURATION_BOUNDS, loadConfig } from './config.js';

describe('loadConfig', () => {
  it('has the codelab defaults and the source-reported default query', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 9102,
      intervalMs: 1000,
      source: {
        kind: 'prometheus',
        url: 'http://prometheus.istio-system.svc.cluster.local:9090',
        query:
          'sum(rate(istio_requests_total{reporter="source",source_workload="frontend-deployment",destination_service="worker-service.default.svc.cluster.local"}[1m]))',
        timeoutMs: 3000,
      },
      policy: {
        mode: 'switch',
        highRps: 15,
        lowRps: 10,
        primaryCapacityRps: 15,
        weightStep: 10,
        samplesUp: 3,
        samplesDown: 3,
        minDwellUpMs: 30_000,
        minDwellDownMs: 30_000,
        failsafe: 'hold',
        failsafeAfter: 10,
      },
      router: { kind: 'kubernetes' },
      virtualService: {
        name: 'worker-virtual-service',
        namespace: 'default',
        apiVersion: 'networking.istio.io/v1',
        subsets: { primary: 'primary', burst: 'burst' },
      },
      dryRun: false,
      leaderElection: { enabled: true, leaseName: 'istiowatcher-leader', leaseDurationSeconds: 15 },
    });
  });

  it('takes the whole query, the window, and separate settings for coming back', () => {
    expect(loadConfig({ WATCHER_QUERY: 'sum(up)' }).source).toMatchObject({ query: 'sum(up)' });
    expect(loadConfig({ WATCHER_RATE_WINDOW: '2m' }).source).toMatchObject({ query: expect.stringContaining('[2m]') });
    expect(loadConfig({ WATCHER_SAMPLES: '2', WATCHER_MIN_DWELL_SECONDS: '5' }).policy).toMatchObject({
      samplesUp: 2,
      samplesDown: 2,
      minDwellUpMs: 5000,
      minDwellDownMs: 5000,
    });
    expect(loadConfig({ WATCHER_SAMPLES_DOWN: '6', WATCHER_MIN_DWELL_DOWN_SECONDS: '60' }).policy).toMatchObject({
      samplesUp: 3,
      samplesDown: 6,
      minDwellUpMs: 30_000,
      minDwellDownMs: 60_000,
    });
  });

  it('the file router and dry run need no lease; the scrape source needs its URL', () => {
    expect(loadConfig({ WATCHER_ROUTER: 'file', WATCHER_VS_FILE: '/tmp/vs.yaml' })).toMatchObject({
      router: { kind: 'file', path: '/tmp/vs.yaml' },
      leaderElection: { enabled: false },
    });
    expect(loadConfig({ WATCHER_DRY_RUN: 'true' }).leaderElection.enabled).toBe(false);
    expect(loadConfig({ WATCHER_LEADER_ELECTION: 'false' }).leaderElection.enabled).toBe(false);
    expect(loadConfig({ POD_NAME: 'istiowatcher-7f9' }).leaderElection.identity).toBe('istiowatcher-7f9');
    expect(
      loadConfig({
        WATCHER_SOURCE: 'scrape',
        WATCHER_SCRAPE_URL: 'http://127.0.0.1:15090/stats/prometheus',
        WATCHER_RATE_WINDOW: '5s',
      }).source,
    ).toEqual({
      kind: 'scrape',
      url: 'http://127.0.0.1:15090/stats/prometheus',
      rateWindowSeconds: 5,
      timeoutMs: 3000,
    });
  });

  it.each([
    [{ BURST_LOW_RPS: '15' }, /^BURST_LOW_RPS .*below BURST_HIGH_RPS \(15\)/],
    [{ BURST_LOW_RPS: '20', BURST_HIGH_RPS: '10' }, /^BURST_LOW_RPS .*below BURST_HIGH_RPS \(10\)/],
    [{ BURST_HIGH_RPS: '-1' }, /^BURST_HIGH_RPS=-1 is out of range/],
    [{ BURST_HIGH_RPS: 'lots' }, /^BURST_HIGH_RPS="lots" is not valid/],
    [{ PRIMARY_CAPACITY_RPS: '-3' }, /^PRIMARY_CAPACITY_RPS/],
    [{ WATCHER_MODE: 'all' }, /^WATCHER_MODE="all" is not valid: expected one of switch, spill/],
    [{ WEIGHT_STEP: '30' }, /^WEIGHT_STEP is not valid: must be a whole percentage that divides 100/],
    [{ WATCHER_SAMPLES: '0' }, /^WATCHER_SAMPLES=0/],
    [{ WATCHER_SAMPLES_DOWN: '1.5' }, /^WATCHER_SAMPLES_DOWN/],
    [{ WATCHER_MIN_DWELL_SECONDS: '-5' }, /^WATCHER_MIN_DWELL_SECONDS/],
    [{ WATCHER_MIN_DWELL_DOWN_SECONDS: 'x' }, /^WATCHER_MIN_DWELL_DOWN_SECONDS/],
    [{ WATCHER_FAILSAFE: 'panic' }, /^WATCHER_FAILSAFE="panic"/],
    [{ WATCHER_FAILSAFE_AFTER: '0' }, /^WATCHER_FAILSAFE_AFTER/],
    [{ WATCHER_RATE_WINDOW: '1 minute' }, /^WATCHER_RATE_WINDOW="1 minute" is not valid/],
    [{ WATCHER_SOURCE: 'statsd' }, /^WATCHER_SOURCE/],
    [{ WATCHER_SOURCE: 'scrape' }, /^WATCHER_SCRAPE_URL is not set/],
    [{ PROMETHEUS_URL: 'prometheus:9090' }, /^PROMETHEUS_URL/],
    [{ WATCHER_ROUTER: 'istioctl' }, /^WATCHER_ROUTER/],
    [{ WATCHER_ROUTER: 'file' }, /^WATCHER_VS_FILE is not set/],
    [{ VS_API_VERSION: 'v1' }, /^VS_API_VERSION/],
    [{ VS_BURST_SUBSET: 'primary' }, /^VS_BURST_SUBSET/],
    [{ WATCHER_DRY_RUN: 'maybe' }, /^WATCHER_DRY_RUN/],
    [{ WATCHER_INTERVAL_SECONDS: '0' }, /^WATCHER_INTERVAL_SECONDS/],
    [{ PORT: '70000' }, /^PORT/],
  ])('%j stops the start naming the variable', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it.each(Object.entries(DURATION_BOUNDS).filter(([name]) => name !== 'WATCHER_RATE_WINDOW'))(
    '%s has bounds %j: below or above stops the start naming the variable',
    (name, { min, max }) => {
      expect(() => loadConfig({ [name]: String(max) })).not.toThrow();
      expect(() => loadConfig({ [name]: String(min) })).not.toThrow();
      expect(() => loadConfig({ [name]: String(max * 10 + 1) })).toThrow(
        new RegExp(`^${name}=\\d+ is out of range: expected a number >= ${min} <= ${max}`),
      );
      if (min > 0) expect(() => loadConfig({ [name]: String(min / 2) })).toThrow(new RegExp(`^${name}=`));
    },
  );

  it.each([
    ['WATCHER_INTERVAL_SECONDS', '3000000'],
    ['WATCHER_QUERY_TIMEOUT_SECONDS', '3000000'],
  ])('%s=%s (past the timer limit) is refused at start', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(`^${name}=3000000 is out of range`));
  });

  it.each([
    ['500ms', /^WATCHER_RATE_WINDOW=500ms is out of range: expected 1s to 60m/],
    ['2h', /^WATCHER_RATE_WINDOW=2h is out of range/],
  ])('WATCHER_RATE_WINDOW=%s is refused', (value, message) => {
    expect(() => loadConfig({ WATCHER_RATE_WINDOW: value })).toThrow(message);
  });
});
