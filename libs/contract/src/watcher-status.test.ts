import { describe, expect, it } from 'vitest';
import { parseWatcherStatus, watcherStatusUrl, type WatcherStatus } from './watcher-status.js';

const VALID: WatcherStatus = {
  at: '2025-03-01T12:00:05.000Z',
  mode: 'switch',
  dryRun: false,
  leadership: { role: 'leader', identity: 'istiowatcher-0', token: 'istiowatcher-0/3' },
  phase: 'burst',
  weights: { primary: 0, burst: 100 },
  reason: '30.00 req/s above high threshold 15: stay 0/100',
  problem: null,
  decision: { kind: 'hold', at: '2025-03-01T12:00:04.900Z', target: { primary: 0, burst: 100 } },
  thresholds: { highRps: 15, lowRps: 10, primaryCapacityRps: null, weightStep: null },
  rate: { reading: 'value', rps: 30, at: '2025-03-01T12:00:04.900Z', dataAt: '2025-03-01T12:00:04.000Z', error: null },
  pending: {
    direction: 'down',
    to: { primary: 100, burst: 0 },
    samples: 1,
    samplesNeeded: 3,
    dwellLeftMs: 12_000,
    cooldownLeftMs: null,
    nextStepInMs: null,
  },
  changes: [
    {
      at: '2025-03-01T12:00:00.000Z',
      from: { primary: 100, burst: 0 },
      to: { primary: 0, burst: 100 },
      reason: '30.00 req/s above high threshold 15',
      kind: 'change',
      by: 'watcher',
    },
  ],
  suspend: false,
  pin: null,
  health: {
    gate: 'on',
    reading: { at: '2025-03-01T12:00:04.900Z', successRate: 1, p99Ms: null, requests: 150, error: null },
    verdict: 'healthy',
    why: 'healthy (success 1.000, 150 requests)',
    failures: 0,
    failuresNeeded: 2,
    cooldownLeftMs: 0,
    minSuccessRate: 0.95,
    maxLatencyMs: null,
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
