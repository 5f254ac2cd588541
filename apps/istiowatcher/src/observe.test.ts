import { describe, expect, it } from 'vitest';
import type { HealthReading, Reading } from '@string-hashr/metric-reading';
import { resumeState, runScript, NATURAL } from '@string-hashr/policy';
import { burstPodsText, decisionLine, healthText, observationOf, readText } from './observe.js';

describe('observationOf', () => {
  it.each<[string, Reading, HealthReading | undefined, object | undefined]>([
    [
      'a rate with its data time',
      { kind: 'value', rps: 12, dataAt: 5000 },
      undefined,
      { traffic: { kind: 'rate', rps: 12, dataAt: 5000 } },
    ],
    ['no data is not zero traffic', { kind: 'no-data' }, undefined, { traffic: { kind: 'no-data' } }],
    ['warming up: no decision', { kind: 'warming-up' }, undefined, undefined],
    [
      'an error is a failure that says what failed',
      { kind: 'error', errorKind: 'timeout', message: 'no answer' },
      undefined,
      { traffic: { kind: 'failure', error: 'timeout: no answer' } },
    ],
    [
      'with the burst side health',
      { kind: 'value', rps: 30 },
      { kind: 'health', requests: 50, successRate: 0.5, dataAt: 7000 },
      { health: { kind: 'health', requests: 50, successRate: 0.5, dataAt: 7000 } },
    ],
    [
      'a failed health read',
      { kind: 'value', rps: 30 },
      { kind: 'error', errorKind: 'too-large', message: 'big' },
      { health: { kind: 'failure', error: 'too-large: big' } },
    ],
    ['no burst-side data', { kind: 'value', rps: 30 }, { kind: 'no-data' }, { health: { kind: 'no-data' } }],
  ])('%s', (_name, reading, health, expected) => {
    const observation = observationOf(reading, health);
    if (expected === undefined) expect(observation).toBeUndefined();
    else expect(observation).toMatchObject(expected);
  });

  it('carries the operator control when there is one', () => {
    expect(observationOf({ kind: 'no-data' }, undefined, { suspend: true })).toEqual({
      traffic: { kind: 'no-data' },
      control: { suspend: true },
    });
  });
});

describe('log text', () => {
  it.each<[Reading, string]>([
    [{ kind: 'value', rps: 12.5 }, '12.500'],
    [{ kind: 'no-data' }, 'no-data'],
    [{ kind: 'error', errorKind: 'parse', message: 'x' }, 'error(parse)'],
  ])('reading %j -> %s', (reading, text) => {
    expect(readText(reading)).toBe(text);
  });

  it.each<[HealthReading, string]>([
    [{ kind: 'health', requests: 57.4, successRate: 0.41234, p99Ms: 812.3 }, 'success=0.412,p99=812ms,requests=57'],
    [{ kind: 'health' }, 'unknown'],
    [{ kind: 'no-data' }, 'no-data'],
    [{ kind: 'error', errorKind: 'timeout', message: 'x' }, 'error(timeout)'],
  ])('health %j -> %s', (health, text) => {
    expect(healthText(health)).toBe(text);
  });

  it.each([
    [{ readyPods: 3, desiredPods: 4, maxPods: 10 }, '3/4 ready, max 10'],
    [{ readyPods: 0, desiredPods: 1 }, '0/1 ready'],
    [undefined, 'unknown'],
  ])('burst pods %j -> %s', (pods, text) => {
    expect(burstPodsText(pods)).toBe(text);
  });

  it('rollbacks, no-data holds and suspends have their own lines', () => {
    const sick = { kind: 'health' as const, requests: 100, successRate: 0.1 };
    const burst = resumeState({ weights: { primary: 0, burst: 100 } });
    const [, rollback] = runScript(
      {},
      [
        { rps: 30, health: sick },
        { rps: 30, health: sick },
      ],
      { start: burst },
    ).decisions;
    const [hold] = runScript({}, ['empty'], { start: burst }).decisions;
    const [suspended] = runScript({}, [{ rps: 5, control: { suspend: true } }]).decisions;
    const [change] = runScript({ samplesUp: 1, minDwellUpMs: 0 }, [30], { start: NATURAL }).decisions;
    expect(rollback && decisionLine(rollback)).toEqual({
      level: 'warn',
      message: 'rolled back: the burst side failed the health gate',
    });
    expect(hold && decisionLine(hold)).toEqual({ level: 'warn', message: 'no data: the weights are held' });
    expect(suspended && decisionLine(suspended).message).toBe('suspended');
    expect(change && decisionLine(change).message).toBe('weights changed');
  });
});
