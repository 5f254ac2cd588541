export {
  ConfigError,
  envString,
  envOptional,
  envNumber,
  envPort,
  envBoolean,
  envChoice,
  envUrl,
  type Env,
} from './env.js';
export {
  createLogger,
  throttledLog,
  envLogRequests,
  type Logger,
  type LogFields,
  type LogRequests,
  type ThrottledLog,
} from './log.js';
export { listen, listenFailure, closeServer, runMain, StartError } from './lifecycle.js';
export { redactUrl, redactCredentials } from './redact.js';
export { createMetricsRegistry, metricsHandler } from './metrics.js';
export { loadDotenv } from './dotenv.js';
export { fetchJson, type JsonRead } from './fetch-json.js';
export { findRepoRoot } from './repo-root.js';
