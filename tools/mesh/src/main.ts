// The local stand-in for Istio's weighted routing of frontend -> worker (see README.md).
import {
  closeServer,
  createLogger,
  envBoolean,
  envNumber,
  envOptional,
  envPort,
  envUrl,
  listen,
  loadDotenv,
  runMain,
  ConfigError,
} from '@string-hashr/runtime';
import { createMesh } from './proxy.js';
import { followWeights } from './weights-file.js';

const log = createLogger('mesh');
loadDotenv();
void runMain(log, async () => {
  const env = process.env;
  const port = envPort(env, 'MESH_PORT', 15001);
  // MESH_VS_FILE: the name from before HTTPRoutes, still read.
  const routeVariable = envOptional(env, 'MESH_ROUTE_FILE') ? 'MESH_ROUTE_FILE' : 'MESH_VS_FILE';
  const routeFile = envOptional(env, routeVariable);
  if (!routeFile)
    throw new ConfigError(
      'MESH_ROUTE_FILE is not set: expected the path of the worker route YAML (a VirtualService or an HTTPRoute)',
    );
  const upstreams = {
    primary: envUrl(env, 'MESH_PRIMARY_URL', undefined),
    burst: envUrl(env, 'MESH_BURST_URL', undefined),
  };
  const timeoutMs = envNumber(env, 'MESH_TIMEOUT_MS', 5000, { min: 1, integer: true });
  // `npm start` prints each change itself (from the watcher's status): one line there, not two.
  const logWeights = envBoolean(env, 'MESH_LOG_WEIGHTS', true);
  let weights;
  try {
    weights = followWeights(
      routeFile,
      (w) => logWeights && log.info('weights changed', { primary: w.primary, burst: w.burst }),
      (message) => log.warn(`keeping the last weights: ${message}`),
    );
  } catch (err) {
    throw new ConfigError(`${routeVariable}=${routeFile} cannot be used: ${(err as Error).message}`);
  }
  const mesh = createMesh({ upstreams, weights: weights.current, routeKind: weights.kind, timeoutMs });
  const bound = await listen(mesh.server, port, '127.0.0.1', 'MESH_PORT');
  const w = weights.current();
  log.info('routing worker traffic', {
    port: bound,
    route: `${weights.kind()} in ${routeFile}`,
    primary: `${upstreams.primary} (${w.primary}%)`,
    burst: `${upstreams.burst} (${w.burst}%)`,
  });
  return async () => {
    weights.close();
    await closeServer(mesh.server, 3000);
    await mesh.close();
  };
});
