// The generated alerting rules, checked by Prometheus's own promtool (`check rules`, and the unit
// tests in alerts.promtool.yml: each alert fires after its `for` and stays silent when it should);
// shipped both ways: the patch on Istio's Prometheus addon ConfigMap and the PrometheusRule (against
// its CRD), both by the built kubectl on a real API server (tools/control-plane); and each
// runbook_url leads to a heading of docs/operate.md's Alerts section.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { BURST_ALERTS } from '@string-hashr/contract';
import { headingAnchor, type RuleFile } from '@string-hashr/alerts';
import { describeResult, startControlPlane, type TestControlPlane } from '@string-hashr/testing';
import { ALERT_FILES, PROMETHEUS_ADDON, PROMETHEUS_RULE_NAME } from '../src/alerts.js';
import { DEFAULT_CONFIG_PATH, loadConfig } from '../src/config.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const read = (file: string) => readFileSync(path.join(root, file), 'utf8');
const UNIT_TESTS = 'tools/manifests/test/alerts.promtool.yml';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Doc = Record<string, any>;

const ruleFileText = read(ALERT_FILES.rules);
const rules = parse(ruleFileText) as RuleFile;
const allRules = rules.groups.flatMap((g) => g.rules);
const patch = parse(read(ALERT_FILES.patch)) as Doc;
const prometheusRule = parseAllDocuments(read(ALERT_FILES.prometheusRule)).map((d) => d.toJS() as Doc);

const tmp = mkdtempSync(path.join(tmpdir(), 'alerts-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const hasPromtool = spawnSync('promtool', ['--version'], { stdio: 'ignore' }).status === 0;

function promtool(args: string[]) {
  const run = spawnSync('promtool', args, { cwd: root, encoding: 'utf8' });
  return { code: run.status, output: `${run.stdout}${run.stderr}` };
}

describe('the tools the alert tests run', () => {
  it('promtool is installed (Debian package `prometheus`: apt-get install prometheus)', () => {
    expect(hasPromtool, 'promtool is missing: install the Debian package `prometheus`').toBe(true);
  });
});

describe('the rules', () => {
  it('are the seven alerts of the contract, each with a severity, a summary, a description and a runbook', () => {
    expect([...new Set(allRules.map((r) => r.alert))].sort()).toEqual(Object.values(BURST_ALERTS).sort());
    for (const rule of allRules) {
      expect(['critical', 'warning'], rule.alert).toContain(rule.labels.severity);
      expect(rule.annotations.summary, rule.alert).toMatch(/\d|\{\{ \$value/);
      expect(rule.annotations.description.length, rule.alert).toBeGreaterThan(40);
      expect(rule.annotations.runbook_url, rule.alert).toBe(
        `${loadConfig(DEFAULT_CONFIG_PATH).alerts.runbookUrl}#${headingAnchor(rule.alert)}`,
      );
    }
  });

  it('select the watcher as Istio addon labels its pods: job kubernetes-pods, namespace and app', () => {
    for (const rule of allRules)
      for (const selector of rule.expr.match(/\{[^}]*\}/g) ?? [])
        expect(selector, rule.alert).toBe('{job="kubernetes-pods",namespace="default",app="istiowatcher"}');
  });

  it('are the same in the rule file, the addon patch and the PrometheusRule', () => {
    expect(patch.data[PROMETHEUS_ADDON.rulesKey]).toBe(ruleFileText);
    expect(prometheusRule).toHaveLength(1);
    expect(prometheusRule[0]).toMatchObject({
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'PrometheusRule',
      metadata: { name: PROMETHEUS_RULE_NAME, namespace: 'default' },
    });
    expect(prometheusRule[0]!.spec).toEqual(rules);
  });

  it('each runbook_url leads to a heading of the Alerts section of docs/operate.md', () => {
    const doc = read('docs/operate.md');
    const alertsSection = doc.slice(doc.indexOf('\n## Alerts\n'));
    const end = alertsSection.slice(1).search(/\n## /);
    const section = end < 0 ? alertsSection : alertsSection.slice(0, end + 1);
    const anchors = new Set([...section.matchAll(/^#{3,} (.+)$/gm)].map((m) => headingAnchor(m[1] ?? '')));
    expect(doc).toContain('\n## Alerts\n');
    for (const rule of allRules) {
      const fragment = new URL(rule.annotations.runbook_url).hash.slice(1);
      expect([...anchors], rule.alert).toContain(fragment);
    }
  });
});

describe.skipIf(!hasPromtool)('promtool', () => {
  it('check rules: the rule file and the rules inside the PrometheusRule', () => {
    const checked = promtool(['check', 'rules', ALERT_FILES.rules]);
    expect(checked.code, checked.output).toBe(0);
    expect(checked.output).toContain(`SUCCESS: ${allRules.length} rules found`);
    const spec = path.join(tmp, 'prometheus-rule-spec.yml');
    writeFileSync(spec, stringify(prometheusRule[0]!.spec));
    const fromCrd = promtool(['check', 'rules', spec]);
    expect(fromCrd.code, fromCrd.output).toBe(0);
  });

  it('test rules: every alert fires after its `for` and stays silent where it should', () => {
    const tested = promtool(['test', 'rules', UNIT_TESTS]);
    expect(tested.code, tested.output).toBe(0);
    expect(tested.output).toContain('SUCCESS');
  });

  it('the unit tests have a firing and a silent case for every alert', () => {
    const tests = (parse(read(UNIT_TESTS)) as Doc).tests as Doc[];
    const cases = tests.flatMap((t) => t.alert_rule_test as Doc[]);
    for (const alert of Object.values(BURST_ALERTS)) {
      const own = cases.filter((c) => c.alertname === alert);
      expect(
        own.some((c) => c.exp_alerts.length > 0),
        `${alert} fires`,
      ).toBe(true);
      expect(
        own.some((c) => c.exp_alerts.length === 0),
        `${alert} stays silent`,
      ).toBe(true);
    }
  });

  it('and they fail on a rule that fires too early (BurstLasting after 10m: a 20-minute burst would fire it)', () => {
    const early = ruleFileText.replace(/(alert: BurstLasting\n(?:.*\n)*?\s+for: )6h/, '$110m');
    expect(early).not.toBe(ruleFileText);
    const dir = mkdtempSync(path.join(tmp, 'early-'));
    writeFileSync(path.join(dir, 'rules.yml'), early);
    const unitTests = parse(read(UNIT_TESTS)) as Doc;
    writeFileSync(path.join(dir, 'tests.yml'), stringify({ ...unitTests, rule_files: ['rules.yml'] }));
    const tested = promtool(['test', 'rules', path.join(dir, 'tests.yml')]);
    expect(tested.code).not.toBe(0);
    expect(tested.output).toContain('alertname: BurstLasting, time: 25m');
  });
});

/** Istio's addon ConfigMap as samples/addons/prometheus.yaml ships it (Istio 1.28), prometheus.yml cut to its rule files. */
const addonConfigMap = {
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: PROMETHEUS_ADDON.configMap, namespace: PROMETHEUS_ADDON.namespace },
  data: {
    'allow-snippet-annotations': 'false',
    'alerting_rules.yml': '{}\n',
    alerts: '{}\n',
    'prometheus.yml': stringify({
      global: { evaluation_interval: '1m', scrape_interval: '15s', scrape_timeout: '10s' },
      rule_files: [
        '/etc/config/recording_rules.yml',
        '/etc/config/alerting_rules.yml',
        '/etc/config/rules',
        '/etc/config/alerts',
      ],
    }),
    'recording_rules.yml': '{}\n',
    rules: '{}\n',
  },
};

describe("the patch on Istio's Prometheus addon and the PrometheusRule, on a real API server", () => {
  let cp: TestControlPlane;
  beforeAll(async () => {
    cp = await startControlPlane();
    const namespace = await cp.kubectl(['create', 'namespace', PROMETHEUS_ADDON.namespace]);
    expect(namespace.code, describeResult(namespace)).toBe(0);
  });
  afterAll(async () => {
    await cp?.stop();
  });
  const liveAddon = async () => {
    const live = await cp.kubectl([
      ...['-n', PROMETHEUS_ADDON.namespace, 'get', 'configmap', PROMETHEUS_ADDON.configMap, '-o', 'yaml'],
    ]);
    expect(live.code, describeResult(live)).toBe(0);
    return parse(live.stdout) as Doc;
  };
  const patchAddon = () =>
    cp.kubectl([
      ...['-n', PROMETHEUS_ADDON.namespace, 'patch', 'configmap', PROMETHEUS_ADDON.configMap],
      ...['--type', 'merge', '--patch-file', path.join(root, ALERT_FILES.patch)],
    ]);

  it('kubectl patch: our rules in the key the addon reads, every other key as it was; again, no change', async () => {
    const created = await cp.kubectl(['create', '-f', '-'], { input: stringify(addonConfigMap) });
    expect(created.code, describeResult(created)).toBe(0);
    const once = await patchAddon();
    expect(once.code, describeResult(once)).toBe(0);
    expect(once.stdout).toContain(`configmap/${PROMETHEUS_ADDON.configMap} patched`);
    const patched = await liveAddon();
    expect(patched.data[PROMETHEUS_ADDON.rulesKey]).toBe(ruleFileText);
    for (const [key, value] of Object.entries(addonConfigMap.data))
      if (key !== PROMETHEUS_ADDON.rulesKey) expect(patched.data[key], key).toBe(value);
    const ruleFiles = (parse(patched.data['prometheus.yml']) as Doc).rule_files as string[];
    expect(ruleFiles).toContain(`/etc/config/${PROMETHEUS_ADDON.rulesKey}`);
    // install-istio.sh may run twice: the second patch writes nothing.
    const twice = await patchAddon();
    expect(twice.code, describeResult(twice)).toBe(0);
    expect(twice.stdout).toContain('(no change)');
    expect((await liveAddon()).metadata.resourceVersion).toBe(patched.metadata.resourceVersion);
  });

  it('kubectl apply: the PrometheusRule is created against its CRD, with no warning, as generated', async () => {
    const applied = await cp.kubectl(['apply', '-f', path.join(root, ALERT_FILES.prometheusRule)]);
    expect(applied.code, describeResult(applied)).toBe(0);
    expect(applied.stderr).toBe('');
    expect(applied.stdout).toContain(`prometheusrule.monitoring.coreos.com/${PROMETHEUS_RULE_NAME} created`);
    const rule = await cp.kubectl(['-n', 'default', 'get', 'prometheusrule', PROMETHEUS_RULE_NAME, '-o', 'yaml']);
    expect((parse(rule.stdout) as Doc).spec).toEqual(rules);
  });

  it('a PrometheusRule with a malformed rule is refused by the CRD: the check can fail', async () => {
    const broken = structuredClone(prometheusRule[0]!);
    broken.metadata.name = 'broken';
    broken.spec.groups[0].rules[0].for = 'five minutes';
    const applied = await cp.kubectl(['apply', '-f', '-'], { input: stringify(broken) });
    expect(applied.code).not.toBe(0);
    expect(applied.stderr).toMatch(/spec\.groups\[0\]\.rules\[0\]\.for/);
  });
});
