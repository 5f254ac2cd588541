import { describe, expect, it } from 'vitest';
import { BURST_ALERTS } from '@string-hashr/contract';
import { DEFAULT_POLICY } from '@string-hashr/policy';
import {
  burstAlertRules,
  changesPerBurst,
  durationText,
  flappingThreshold,
  headingAnchor,
  type WatcherPolicy,
} from './rules.js';
import { alertSettingsProblems, type AlertSettings } from './settings.js';

const ALERTS: AlertSettings = {
  watcherDownFor: '5m',
  noLeaderFor: '2m',
  burstLastingFor: '6h',
  rolledBackFor: '30m',
  outsideEditFor: '30m',
  burstCyclesPerHour: 4,
  runbookUrl: 'https://example.org/docs/operate.md',
};

const policy = (over: Partial<WatcherPolicy> = {}): WatcherPolicy => ({ ...DEFAULT_POLICY, ...over });
const rulesOf = (over: { namespace?: string; alerts?: Partial<AlertSettings>; policy?: Partial<WatcherPolicy> } = {}) =>
  burstAlertRules({
    namespace: over.namespace ?? 'default',
    alerts: { ...ALERTS, ...over.alerts },
    policy: policy(over.policy),
  }).groups.flatMap((g) => g.rules);
const ruleOf = (alert: string, over: Parameters<typeof rulesOf>[0] = {}) => {
  const rule = rulesOf(over).find((r) => r.alert === alert);
  if (!rule) throw new Error(`no rule ${alert}`);
  return rule;
};

describe('changesPerBurst and flappingThreshold', () => {
  it.each([
    ['switch, all at once', { mode: 'switch', stepPercent: 100 }, 2],
    ['switch, four steps of 25', { mode: 'switch', stepPercent: 25 }, 5],
    ['switch, steps of 30 (the last one smaller)', { mode: 'switch', stepPercent: 30 }, 5],
    ['spill, levels of 10', { mode: 'spill', weightStep: 10 }, 20],
    ['spill, levels of 50', { mode: 'spill', weightStep: 50 }, 4],
  ] as const)('%s: %i changes', (_what, over, changes) => {
    expect(changesPerBurst(policy(over))).toBe(changes);
    expect(flappingThreshold(policy(over), 3)).toBe(3 * changes);
  });

  it('is never below two: one outside edit is not flapping', () => {
    expect(flappingThreshold(policy({ stepPercent: 100 }), 1)).toBe(2);
  });
});

describe('durationText and headingAnchor', () => {
  it.each([
    [300, '5m'],
    [90, '1m30s'],
    [3600, '1h'],
    [5400, '1h30m'],
    [30, '30s'],
    [0, '0s'],
  ])('%i s is %s', (seconds, text) => expect(durationText(seconds)).toBe(text));

  it.each([
    ['BurstRolledBack', 'burstrolledback'],
    ['What to do, now', 'what-to-do-now'],
    ['`suspend` and pin', 'suspend-and-pin'],
  ])('%s -> #%s', (heading, anchor) => expect(headingAnchor(heading)).toBe(anchor));
});

describe('burstAlertRules', () => {
  it('has every alert of the contract, with a severity and its runbook section', () => {
    const rules = rulesOf();
    expect(new Set(rules.map((r) => r.alert))).toEqual(new Set(Object.values(BURST_ALERTS)));
    for (const rule of rules) {
      expect(rule.annotations.runbook_url).toBe(`https://example.org/docs/operate.md#${rule.alert.toLowerCase()}`);
      expect(rule.labels).toMatchObject({ namespace: 'default' });
    }
  });

  it.each([
    [BURST_ALERTS.watcherDown, 'critical', '5m'],
    [BURST_ALERTS.noLeader, 'critical', '2m'],
    [BURST_ALERTS.rolledBack, 'critical', undefined],
    [BURST_ALERTS.lasting, 'warning', '6h'],
    [BURST_ALERTS.editedOutside, 'warning', undefined],
    [BURST_ALERTS.flapping, 'warning', undefined],
  ])('%s: %s, for %s', (alert, severity, forDuration) => {
    const rule = ruleOf(alert);
    expect(rule.labels.severity).toBe(severity);
    expect(rule.for).toBe(forDuration);
  });

  it('selects the watcher of its namespace as Istio addon labels it', () => {
    for (const rule of rulesOf({ namespace: 'shop' }))
      for (const selector of rule.expr.match(/\{[^}]*\}/g) ?? [])
        expect(selector).toBe('{job="kubernetes-pods",namespace="shop",app="istiowatcher"}');
  });

  it('takes the windows and durations from the alert settings', () => {
    const over = { alerts: { rolledBackFor: '2m', outsideEditFor: '90s', burstLastingFor: '10m' } };
    expect(ruleOf(BURST_ALERTS.rolledBack, over).expr).toContain('[2m]');
    expect(ruleOf(BURST_ALERTS.rolledBack, over).annotations.summary).toContain('in the last 2m');
    expect(ruleOf(BURST_ALERTS.editedOutside, over).expr).toContain('[90s]');
    expect(ruleOf(BURST_ALERTS.lasting, over).for).toBe('10m');
  });

  it('BurstMetricMissing: empty past the no-data hold at once, failing for the hold', () => {
    const missing = rulesOf({ policy: { noDataHoldMs: 30_000 } }).filter((r) => r.alert === BURST_ALERTS.metricMissing);
    expect(missing.map((r) => r.labels.reads)).toEqual(['empty', 'failing']);
    expect(missing[0]?.expr).toMatch(/^max\(istiowatcher_no_data_seconds\{.*\) > 30$/);
    expect(missing[0]?.for).toBeUndefined();
    expect(missing[1]?.expr).toMatch(/^max\(istiowatcher_consecutive_failed_reads\{.*\) > 0$/);
    expect(missing[1]?.for).toBe('30s');
    // A hold of 0: an empty answer is no traffic at once, and a failed read alerts at once.
    expect(ruleOf(BURST_ALERTS.metricMissing, { policy: { noDataHoldMs: 0 } }).expr).toMatch(/> 0$/);
  });

  it('BurstFlapping: its threshold from the watcher settings and the bursts an hour', () => {
    const rule = ruleOf(BURST_ALERTS.flapping, { policy: { stepPercent: 25 }, alerts: { burstCyclesPerHour: 4 } });
    expect(rule.expr).toMatch(/> 20$/);
    expect(rule.expr).toContain('istiowatcher_outside_edits_total');
    expect(rule.annotations.summary).toContain('the settings explain at most 20');
  });
});

describe('alertSettingsProblems', () => {
  it('accepts good settings', () => expect(alertSettingsProblems(ALERTS)).toEqual([]));

  it.each([
    [{ watcherDownFor: '5 minutes' }, 'alerts.watcherDownFor "5 minutes" is not a Prometheus duration'],
    [{ burstLastingFor: 6 }, 'alerts.burstLastingFor "6" is not a Prometheus duration'],
    [{ burstCyclesPerHour: 0 }, 'alerts.burstCyclesPerHour must be a whole number >= 1, got 0'],
    [{ burstCyclesPerHour: 2.5 }, 'alerts.burstCyclesPerHour must be a whole number >= 1, got 2.5'],
    [{ runbookUrl: 'https://x/docs/operate.md#alerts' }, 'alerts.runbookUrl must be the address of docs/operate.md'],
  ])('%o: %s', (over, message) => {
    const problems = alertSettingsProblems({ ...ALERTS, ...over });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(message);
  });

  it('says the section is missing', () => {
    expect(alertSettingsProblems(undefined)).toEqual(['alerts is missing: the alerting rules need their timings']);
  });
});
