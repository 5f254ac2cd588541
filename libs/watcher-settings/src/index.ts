export { POLICY_VARIABLES, policySettingsFromEnv, readTimingFromEnv, type ReadTiming } from './settings.js';
