import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AlertRule, RuleFile } from '@string-hashr/alerts';
import { DEFAULT_CONFIG_PATH, loadConfig } from './config.js';
import { manifestAlertRules, PrometheusRule, prometheusRule } from './alerts.js';

const config = loadConfig(DEFAULT_CONFIG_PATH);
const rules = manifestAlertRules(config);
const withRule = (change: Partial<AlertRule>): RuleFile => ({
  groups: [{ name: 'g', rules: [{ ...rules.groups[0]!.rules[0]!, ...change }] }],
});

describe('PrometheusRule.validate', () => {
  it('accepts the generated one', () => expect(() => prometheusRule(config, rules).validate()).not.toThrow());

  it.each([
    ['a name that is no DNS subdomain', { name: 'Burst_Rules', namespace: 'default' }, rules, /metadata.name/],
    ['no groups', { name: 'r', namespace: 'default' }, { groups: [] }, /spec.groups must list/],
    ['a rule without expr', { name: 'r', namespace: 'default' }, withRule({ expr: '' }), /rules\[0\].expr is required/],
    ['a for that is no duration', { name: 'r', namespace: 'default' }, withRule({ for: '5 min' }), /for "5 min"/],
    [
      'two groups of one name',
      { name: 'r', namespace: 'default' },
      { groups: [...rules.groups, ...rules.groups] },
      /groups\[1\].name must be set and unique/,
    ],
  ])('refuses %s', (_what, metadata, spec, message) => {
    expect(() => new PrometheusRule({ metadata, spec }).validate()).toThrow(message);
  });
});

describe('loadConfig', () => {
  it('refuses alert timings Prometheus cannot read, naming the setting', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'alerts-config-'));
    try {
      const file = path.join(dir, 'config.yaml');
      writeFileSync(
        file,
        readFileSync(DEFAULT_CONFIG_PATH, 'utf8').replace('burstLastingFor: 6h', 'burstLastingFor: six hours'),
      );
      expect(() => loadConfig(file)).toThrow(/alerts.burstLastingFor "six hours" is not a Prometheus duration/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
