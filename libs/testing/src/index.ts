export { freePort, sleep, waitFor, http } from './ports.js';
export { startProcess, startNodeApp, type RunningProcess, type TestServer } from './process.js';
export { startRedis, pingRedis, redisServerPath, type TestRedis } from './redis-server.js';
export { PHONE, chromiumLaunchOptions, openConnectedPage, recordPageTrouble, saveScreenshot } from './chromium.js';
export {
  startPrometheus,
  startIstioExporter,
  ISTIO_SOURCE_LABELS,
  PROMETHEUS_BINARY,
  type TestPrometheus,
  type IstioExporter,
  BURSTING_RPS,
} from './prometheus.js';
export { workerRouteYaml, workerVirtualServiceYaml } from './virtual-service.js';
export {
  startStack,
  explainFailure,
  loggedWeightChanges,
  portOpen,
  groupMembers,
  processEnv,
  repoRoot,
  sendUntilBursting,
  stackWatcherMetric,
  type Stack,
} from './local-stack.js';
export { sampleWatcherStatus } from './watcher-status.js';
export {
  startControlPlane,
  runTool,
  describeResult,
  type TestControlPlane,
  type AuditEvent,
  type CommandResult,
} from './control-plane.js';
