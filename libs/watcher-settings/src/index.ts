export {
  DURATION_BOUNDS,
  envSeconds,
  LOCAL_STACK_WATCHER_ENV,
  POLICY_VARIABLES,
  policySettingsFromEnv,
  readTimingFromEnv,
  type ReadTiming,
} from './settings.js';
