import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { BURST_ALERTS } from '@string-hashr/contract';
import type { RuleFile } from '@string-hashr/alerts';
import { LOCAL_STACK_WATCHER_ENV } from '@string-hashr/watcher-settings';
import { alertChanges, alertKey, alertLine, firingAlerts, localAlertRules, type FiringAlert } from './alerts.js';

const rolledBack: FiringAlert = {
  name: 'BurstRolledBack',
  labels: { alertname: 'BurstRolledBack', severity: 'critical', namespace: 'default' },
  annotations: {
    summary: 'The health gate rolled the burst side back 1 time(s) in the last 2m',
    runbook_url: 'docs/operate.md#burstrolledback',
  },
};
const missing = (reads: string): FiringAlert => ({
  name: 'BurstMetricMissing',
  labels: { alertname: 'BurstMetricMissing', severity: 'warning', namespace: 'default', reads },
  annotations: { summary: 'The watcher has no rate' },
});
const answer = (alerts: Array<Record<string, unknown>>) => ({ status: 'success', data: { alerts } });
const clock = (ms: number) => `t${ms}`;

describe('firingAlerts', () => {
  it.each([
    ['an error answer', { status: 'error', error: 'x' }, undefined],
    ['not JSON of the API', 'hello', undefined],
    ['no alerts', answer([]), []],
    [
      'pending ones left out, firing ones kept',
      answer([
        { labels: { alertname: 'BurstLasting' }, annotations: {}, state: 'pending' },
        { labels: rolledBack.labels, annotations: rolledBack.annotations, state: 'firing', value: '1e+00' },
      ]),
      [rolledBack],
    ],
    [
      'labels that are not strings dropped',
      answer([{ labels: { alertname: 'X', n: 3 }, state: 'firing' }]),
      [{ name: 'X', labels: { alertname: 'X' }, annotations: {} }],
    ],
  ])('%s', (_what, json, expected) => expect(firingAlerts(json)).toEqual(expected));
});

describe('alertChanges', () => {
  const map = (...alerts: FiringAlert[]) => new Map(alerts.map((a) => [alertKey(a), a]));
  it.each([
    ['nothing before, nothing now', [], [], [], []],
    ['one starts', [], [rolledBack], [rolledBack], []],
    ['still firing: no line', [rolledBack], [rolledBack], [], []],
    ['one stops', [rolledBack], [], [], [rolledBack]],
    [
      'two rules of one alert are two alerts',
      [missing('empty')],
      [missing('failing')],
      [missing('failing')],
      [missing('empty')],
    ],
  ])('%s', (_what, before, now, started, stopped) => {
    const changes = alertChanges(map(...before), now);
    expect(changes.started).toEqual(started);
    expect(changes.stopped).toEqual(stopped);
    expect([...changes.firing.values()]).toEqual(now);
  });
});

describe('alertLine', () => {
  it.each([
    [
      'started',
      rolledBack,
      't5  alert BurstRolledBack firing (critical): The health gate rolled the burst side back 1 time(s) in the last 2m; runbook docs/operate.md#burstrolledback',
    ],
    ['stopped', rolledBack, 't5  alert BurstRolledBack stopped firing'],
    [
      'started',
      missing('empty'),
      't5  alert BurstMetricMissing{reads=empty} firing (warning): The watcher has no rate',
    ],
    ['stopped', missing('failing'), 't5  alert BurstMetricMissing{reads=failing} stopped firing'],
  ] as const)('%s %o', (change, alert, line) => expect(alertLine(change, alert, 5, clock)).toBe(line));
});

describe('localAlertRules', () => {
  it("are the contract's alerts with the local timings and the stack watcher's settings", () => {
    const text = localAlertRules(LOCAL_STACK_WATCHER_ENV);
    const rules = (parse(text) as RuleFile).groups.flatMap((g) => g.rules);
    expect(new Set(rules.map((r) => r.alert))).toEqual(new Set(Object.values(BURST_ALERTS)));
    const rule = (alert: string) => rules.find((r) => r.alert === alert);
    expect(rule(BURST_ALERTS.watcherDown)?.for).toBe('15s');
    expect(rule(BURST_ALERTS.rolledBack)?.expr).toContain('[2m]');
    expect(rule(BURST_ALERTS.rolledBack)?.annotations.runbook_url).toBe('docs/operate.md#burstrolledback');
    // The stack's watcher holds an empty answer 30 s (WATCHER_NO_DATA_HOLD_SECONDS).
    expect(rule(BURST_ALERTS.metricMissing)?.expr).toMatch(/> 30$/);
  });

  it('refuses the watcher settings the watcher refuses, naming the variable', () => {
    expect(() => localAlertRules({ ...LOCAL_STACK_WATCHER_ENV, WATCHER_STEP_PERCENT: '0' })).toThrow(
      /WATCHER_STEP_PERCENT/,
    );
  });
});
