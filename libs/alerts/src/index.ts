export {
  burstAlertRules,
  changesPerBurst,
  durationText,
  flappingThreshold,
  headingAnchor,
  watcherSeries,
  RULE_GROUP_NAME,
  type AlertRule,
  type RuleFile,
  type RuleGroup,
  type Severity,
  type WatcherPolicy,
} from './rules.js';
export { alertSettingsProblems, DURATION_SETTINGS, type AlertSettings } from './settings.js';
