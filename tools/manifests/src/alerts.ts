/**
 * The burst's alerting rules (libs/alerts), shipped the two ways Prometheus is run:
 * - Istio's Prometheus addon (samples/addons/prometheus.yaml) reads its rules from its ConfigMap
 *   `prometheus`, key `alerting_rules.yml` (in its `rule_files`), and its config reloader reloads
 *   Prometheus when the key changes: a merge patch sets that key. Re-applying the addon keeps it
 *   (the key's `{}` is the same in its last-applied state and in the file).
 * - prometheus-operator and kube-prometheus-stack: a PrometheusRule in the app's namespace.
 * Plus the bare rule file, for any other Prometheus's `rule_files` and for `promtool`.
 */
import { stringify } from 'yaml';
import { burstAlertRules, type RuleFile } from '@string-hashr/alerts';
import { policySettingsFromEnv } from '@string-hashr/watcher-settings';
import type { ManifestConfig } from './config.js';
import { ADDONS_DIR } from './grafana.js';
import { generatedHeader, renderPlain, renderResources } from './render.js';

/** Istio's Prometheus addon, as samples/addons/prometheus.yaml names it. */
export const PROMETHEUS_ADDON = {
  namespace: 'istio-system',
  configMap: 'prometheus',
  rulesKey: 'alerting_rules.yml',
} as const;

/** The generated files; tools/cluster/install-istio.sh applies the patch. */
export const ALERT_FILES = {
  /** `.yml`, not `.yaml`: a rule file, not a Kubernetes object. */
  rules: `${ADDONS_DIR}/string-hashr-alerts.rules.yml`,
  patch: `${ADDONS_DIR}/prometheus-patch.yaml`,
  prometheusRule: 'k8s/prometheus-operator/prometheus-rule.yaml',
} as const;
export const PROMETHEUS_OPERATOR_DIR = 'k8s/prometheus-operator';

export const PROMETHEUS_RULE_NAME = 'string-hashr-burst';

/** The rules for the app these manifests deploy: its namespace, the watcher's settings, the config's alert timings. */
export function manifestAlertRules(config: ManifestConfig): RuleFile {
  return burstAlertRules({
    namespace: config.namespace,
    alerts: config.alerts,
    policy: policySettingsFromEnv(config.watcher),
  });
}

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
const DURATION = /^(\d+(ms|s|m|h|d|w|y))+$/;

/**
 * prometheus-operator's PrometheusRule, holding only the fields we write and checking them as its
 * CRD does (name, groups, each rule's alert and expr, durations); `spec` is a rule file's groups.
 */
export class PrometheusRule {
  static readonly apiVersion = 'monitoring.coreos.com/v1';
  static readonly kind = 'PrometheusRule';
  readonly apiVersion = PrometheusRule.apiVersion;
  readonly kind = PrometheusRule.kind;
  readonly metadata: { name: string; namespace: string; labels?: Record<string, string> };
  readonly spec: RuleFile;

  constructor(data: { metadata: PrometheusRule['metadata']; spec: RuleFile }) {
    this.metadata = data.metadata;
    this.spec = data.spec;
  }

  validate(): void {
    const problems: string[] = [];
    const { name, namespace } = this.metadata ?? {};
    if (!DNS_SUBDOMAIN.test(name ?? '')) problems.push(`metadata.name "${name}" is not a DNS subdomain`);
    if (!DNS_SUBDOMAIN.test(namespace ?? '')) problems.push(`metadata.namespace "${namespace}" is not valid`);
    const groups = this.spec?.groups;
    if (!Array.isArray(groups) || groups.length === 0) problems.push('spec.groups must list at least one group');
    const names = new Set<string>();
    for (const [g, group] of (groups ?? []).entries()) {
      if (!group.name || names.has(group.name)) problems.push(`spec.groups[${g}].name must be set and unique`);
      names.add(group.name);
      for (const [r, rule] of (group.rules ?? []).entries()) {
        const at = `spec.groups[${g}].rules[${r}]`;
        if (!rule.alert) problems.push(`${at}.alert is required`);
        if (typeof rule.expr !== 'string' || rule.expr === '') problems.push(`${at}.expr is required`);
        if (rule.for !== undefined && !DURATION.test(rule.for)) problems.push(`${at}.for "${rule.for}" is no duration`);
        for (const [key, map] of [
          ['labels', rule.labels],
          ['annotations', rule.annotations],
        ] as const)
          if (Object.values(map ?? {}).some((v) => typeof v !== 'string'))
            problems.push(`${at}.${key} must be strings`);
      }
    }
    if (problems.length) throw new Error(problems.join('; '));
  }

  toJSON(): unknown {
    return { apiVersion: this.apiVersion, kind: this.kind, metadata: this.metadata, spec: this.spec };
  }
}

export function prometheusRule(config: ManifestConfig, rules: RuleFile): PrometheusRule {
  return new PrometheusRule({
    metadata: {
      name: PROMETHEUS_RULE_NAME,
      namespace: config.namespace,
      labels: { 'app.kubernetes.io/part-of': 'string-hashr' },
    },
    spec: rules,
  });
}

/** The rule file, the addon's ConfigMap patch carrying it, and the PrometheusRule. */
export function alertFiles(config: ManifestConfig, command: string): Array<{ path: string; content: string }> {
  const rules = manifestAlertRules(config);
  const header = generatedHeader(command);
  const ruleFile = header + stringify(rules, { lineWidth: 0 });
  const patchUsage = `# A patch, not an object: kubectl -n ${PROMETHEUS_ADDON.namespace} patch configmap ${PROMETHEUS_ADDON.configMap} --type merge --patch-file ${ALERT_FILES.patch}\n`;
  return [
    { path: ALERT_FILES.rules, content: ruleFile },
    {
      path: ALERT_FILES.patch,
      content: renderPlain({ data: { [PROMETHEUS_ADDON.rulesKey]: ruleFile } }, header + patchUsage),
    },
    { path: ALERT_FILES.prometheusRule, content: renderResources([prometheusRule(config, rules)], header) },
  ];
}
