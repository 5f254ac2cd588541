// The watcher's status in the page's words (public/app/watcher-text.js), one table per text.
import type { WatcherStatus } from '@string-hashr/contract';
import { sampleWatcherStatus } from '@string-hashr/testing';
import { describe, expect, it } from 'vitest';
import { clock } from './public/app/figures.js';
import * as words from './public/app/watcher-text.js';

const sample = sampleWatcherStatus();
const rate = (over: Partial<WatcherStatus['rate']>) => ({ ...sample.rate, ...over });

describe("the watcher's status in the page's words", () => {
  it.each([
    ['a rate', rate({}), `30.0 req/s at ${clock(Date.parse(sample.rate.at ?? ''))}`],
    [
      'a failed read',
      rate({ reading: 'error', rps: null, error: 'timeout: rate query' }),
      'failed: timeout: rate query',
    ],
    // Idle: nothing sent to the worker yet, which is no fault.
    ['an empty answer', rate({ reading: 'no-data', rps: null }), 'no traffic measured yet'],
    ['too few scrapes', rate({ reading: 'warming-up', rps: null }), 'warming up'],
    ['no read yet', rate({ reading: 'none', rps: null, at: null }), '–'],
  ])('the rate read: %s', (_what, reading, text) => {
    expect(words.rateText(reading)).toBe(text);
  });

  it.each([
    ['a leader in burst', sample, { text: 'burst', style: 'text-bg-warning' }, sample.reason],
    [
      'a standby',
      { ...sample, phase: null, leadership: { role: 'standby', identity: 'b', token: null } },
      { text: 'standby', style: 'text-bg-secondary' },
      'This watcher replica is a standby: the leader decides.',
    ],
    [
      'a leader with no decision',
      { ...sample, phase: null, reason: '' },
      { text: 'unknown', style: 'text-bg-secondary' },
      'No decision yet.',
    ],
  ])('phase and reason of %s', (_what, status, badge, reason) => {
    expect(words.phaseBadge(status as WatcherStatus)).toEqual(badge);
    expect(words.reasonText(status as WatcherStatus)).toBe(reason);
  });

  it.each([
    ['none', null, 'No change pending.'],
    ['down, dwelling', sample.pending, 'Back to primary (100/0): 1 of 3 samples / 12 s of dwell left'],
    [
      'up, cooling down, stepping',
      {
        direction: 'up',
        to: { primary: 60, burst: 40 },
        samples: 3,
        samplesNeeded: 3,
        dwellLeftMs: 0,
        cooldownLeftMs: 4500,
        nextStepInMs: 1001,
      },
      'More to burst (60/40): 3 of 3 samples / 5 s of cool-down left / next step in 2 s',
    ],
    [
      'up, waiting for burst pods',
      {
        direction: 'up',
        to: { primary: 0, burst: 100 },
        samples: 2,
        samplesNeeded: 2,
        dwellLeftMs: 0,
        cooldownLeftMs: null,
        nextStepInMs: null,
        warming: { readyPods: 3, neededPods: 4 },
      },
      'More to burst (0/100): 2 of 2 samples / warming the burst side: 3 of 4 pods ready',
    ],
    [
      'up, waiting for the first burst pod',
      {
        direction: 'up',
        to: { primary: 50, burst: 50 },
        samples: 2,
        samplesNeeded: 2,
        dwellLeftMs: 0,
        cooldownLeftMs: null,
        nextStepInMs: null,
        warming: { readyPods: 0, neededPods: 1 },
      },
      'More to burst (50/50): 2 of 2 samples / warming the burst side: 0 of 1 pod ready',
    ],
  ])('a pending change: %s', (_what, pending, text) => {
    expect(words.pendingText(pending)).toBe(text);
  });

  it.each([
    ['gate on, healthy', sample.health, 'on · success 1.000 (at least 0.95) · 150 requests · 0 of 2 failures'],
    [
      'gate off, nothing on burst',
      { ...sample.health, gate: 'off', reading: null },
      'off (nothing on burst); rolls back below 0.95 success',
    ],
    [
      'gate off, cooling down after a rollback',
      {
        ...sample.health,
        gate: 'off',
        failures: 2,
        cooldownLeftMs: 30_000,
        reading: { ...sample.health.reading, successRate: 0.5, error: 'HTTP 503' },
      },
      'off · success 0.500 (at least 0.95) · 150 requests · HTTP 503 · 2 of 2 failures · 30 s of cool-down left',
    ],
  ])('the health gate: %s', (_what, health, text) => {
    expect(words.healthText(health)).toBe(text);
  });

  it('thresholds, leadership and a change of the log', () => {
    expect(words.thresholdsText(sample)).toBe('switch: burst above 15 req/s, back below 10 req/s');
    expect(
      words.thresholdsText({
        ...sample,
        mode: 'spill',
        thresholds: { highRps: 15, lowRps: 10, primaryCapacityRps: 12, weightStep: 20 },
      }),
    ).toBe('spill: burst above 15 req/s, back below 10 req/s; primary keeps 12 req/s, steps of 20%');
    expect(words.leaderText(sample.leadership)).toBe('leader istiowatcher-0 (term istiowatcher-0/3)');
    expect(words.changeTexts(sample.changes[0])).toEqual({
      weights: '100/0 → 0/100',
      reason: '30.00 req/s above high threshold 15',
    });
    expect(words.changeTexts({ ...sample.changes[0], from: null, by: 'outside' })).toEqual({
      weights: '? → 0/100',
      reason: '30.00 req/s above high threshold 15 (changed by hand)',
    });
  });
});
