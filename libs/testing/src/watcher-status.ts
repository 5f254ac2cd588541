// A well-formed watcher status (the shape of its GET /status, libs/contract), for the tests of
// its readers: the check, the frontend's relay.
import type { WatcherStatus } from '@string-hashr/contract';

/** A leader during a burst with the load going: a change pending down, one change made. A fresh copy each call. */
export function sampleWatcherStatus(): WatcherStatus {
  return {
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
    rate: {
      reading: 'value',
      rps: 30,
      at: '2025-03-01T12:00:04.900Z',
      dataAt: '2025-03-01T12:00:04.000Z',
      error: null,
    },
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
}
