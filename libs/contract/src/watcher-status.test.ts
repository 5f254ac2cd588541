import { describe, expect, it } from 'vitest';
import { parseWatcherStatus, watcherStatusUrl, type WatcherStatus } from './watcher-status.js';

/** Spill mode, climbing in steps after a cool-down, every field that can be null set (the relay's tests use a plain burst). */
const VALID: WatcherStatus = {
  at: '2025-03-01T12:10:00.000Z',
  mode: 'spill',
  dryRun: true,
  leadership: { role: 'leader', identity: 'istiowatcher-7c9d-x2x4q', token: 'istiowatcher-7c9d-x2x4q/12' },
  phase: 'burst',
  weights: { primary: 70, burst: 30 },
  reason: '40.00 req/s above high threshold 15, primary keeps 15: next step to 40/60 in 4.0s',
  problem: 'could not change the weights: 403 forbidden: needs patch on virtualservices',
  decision: { kind: 'hold', at: '2025-03-01T12:09:59.500+01:00', target: { primary: 40, burst: 60 } },
  thresholds: { highRps: 15, lowRps: 10, primaryCapacityRps: 15, weightStep: 10 },
  rate: { reading: 'error', rps: null, at: '2025-03-01T12:09:59.500Z', dataAt: null, error: 'timeout: no answer' },
  pending: {
    direction: 'up',
    to: { primary: 40, burst: 60 },
    samples: 4,
    samplesNeeded: 3,
    dwellLeftMs: 0,
    cooldownLeftMs: 0,
    nextStepInMs: 4000,
    warming: { readyPods: 3, neededPods: 4 },
  },
  changes: [
    {
      at: '2025-03-01T12:09:55.000Z',
      from: { primary: 100, burst: 0 },
      to: { primary: 70, burst: 30 },
      reason: '40.00 req/s above high threshold 15, primary keeps 15: step',
      kind: 'step',
      by: 'watcher',
    },
    {
      at: '2025-03-01T12:07:00.000Z',
      from: null,
      to: { primary: 100, burst: 0 },
      reason: 'burst side failing 2/2: success rate 0.400 < 0.95',
      kind: 'recorded',
      by: 'record',
    },
  ],
  suspend: true,
  pin: 'burst',
  health: {
    gate: 'on',
    reading: { at: '2025-03-01T12:09:59.500Z', successRate: 0.99, p99Ms: 180, requests: 420, error: null },
    verdict: 'healthy',
    why: 'healthy (success 0.990, p99 180 ms, 420 requests)',
    failures: 0,
    failuresNeeded: 2,
    cooldownLeftMs: 0,
    minSuccessRate: 0.95,
    maxLatencyMs: 250,
  },
};

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a lying watcher writes anything anywhere
type Loose = Record<string, any>;

/** VALID with one change made by `edit` on a deep copy. */
function lie(edit: (s: Loose) => void): unknown {
  const copy = JSON.parse(JSON.stringify(VALID)) as Loose;
  edit(copy);
  return copy;
}

describe('parseWatcherStatus', () => {
  it('takes a well-formed status as it is', () => {
    expect(parseWatcherStatus(JSON.parse(JSON.stringify(VALID)))).toEqual({ ok: true, status: VALID });
  });

  it('drops fields it does not know (nothing unknown reaches the pages)', () => {
    const parsed = parseWatcherStatus(
      lie((s) => {
        s.script = '<script>alert(1)</script>';
        s.leadership.password = 'secret';
        s.changes[0].html = '<b>x</b>';
      }),
    );
    expect(parsed).toEqual({ ok: true, status: VALID });
  });

  it('a __proto__ key in the JSON does not pollute anything and is dropped', () => {
    const parsed = parseWatcherStatus(JSON.parse(JSON.stringify(VALID).replace('{', '{"__proto__":{"polluted":1},')));
    expect(parsed.ok).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it.each([
    ['not an object', 'ok', /the status is not an object/],
    ['null', null, /the status is not an object/],
    ['an array', [VALID], /the status is not an object/],
    ['no leadership', lie((s) => delete s.leadership), /leadership is not an object/],
    ['an unknown mode', lie((s) => (s.mode = 'yolo')), /mode is not one of switch, spill/],
    ['an unknown phase', lie((s) => (s.phase = 'exploded')), /phase is not one of natural, burst, unhealthy/],
    ['weights that do not sum to 100', lie((s) => (s.weights = { primary: 60, burst: 60 })), /weights are not whole/],
    ['fractional weights', lie((s) => (s.weights = { primary: 50.5, burst: 49.5 })), /weights are not whole/],
    ['a weight as a string', lie((s) => (s.weights = { primary: '100', burst: 0 })), /weights.primary is not a number/],
    ['a negative rate', lie((s) => (s.rate.rps = -5)), /rate.rps is not a number from 0/],
    ['a huge rate', lie((s) => (s.rate.rps = 1e308)), /rate.rps is not a number/],
    ['a reason of 1 MB', lie((s) => (s.reason = 'x'.repeat(1 << 20))), /reason is not a string of at most 512/],
    ['a time that is not one', lie((s) => (s.at = 'yesterday')), /at is not an RFC 3339 time/],
    ['a 30 February', lie((s) => (s.changes[0].at = '2025-02-30T25:00:00Z')), /changes\[0\].at is not an RFC 3339/],
    ['21 changes', lie((s) => (s.changes = Array(21).fill(s.changes[0]))), /changes is not a list of at most 20/],
    ['changes as an object', lie((s) => (s.changes = { 0: s.changes[0] })), /changes is not a list/],
    ['a change by someone unknown', lie((s) => (s.changes[0].by = 'me')), /changes\[0\].by is not one of/],
    ['a kind with markup', lie((s) => (s.decision.kind = '<img>')), /decision.kind is not a kind/],
    [
      'a success rate above 1',
      lie((s) => (s.health.reading.successRate = 2)),
      /successRate is not a number from 0 to 1/,
    ],
    ['suspend as a string', lie((s) => (s.suspend = 'true')), /suspend is not true or false/],
    ['an unknown pin', lie((s) => (s.pin = 'cloud')), /pin is not one of natural, burst/],
    ['a pending change without a direction', lie((s) => delete s.pending.direction), /pending.direction is not one of/],
    [
      'ready pods that are not a count',
      lie((s) => (s.pending.warming.readyPods = -1)),
      /pending.warming.readyPods is not a number/,
    ],
  ])('refuses %s', (_name, value, problem) => {
    const parsed = parseWatcherStatus(value);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.problem).toMatch(problem);
  });
});

describe('watcherStatusUrl', () => {
  it('is the watcher Service in the namespace, on its admin port, at /status', () => {
    expect(watcherStatusUrl('default')).toBe('http://istiowatcher.default.svc.cluster.local:9102/status');
  });
});
