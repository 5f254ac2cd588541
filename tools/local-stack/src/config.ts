import { tmpdir } from 'node:os';
import path from 'node:path';
import { type Env, envBoolean, envChoice, envPort, envString, ConfigError } from '@string-hashr/runtime';
import { parseRedisUrl } from '@string-hashr/redis';
import { DEFAULT_ROUTE_KIND, PORTS, ROUTE_KIND_NAMES, type RouteKind } from '@string-hashr/contract';
import { LOCAL_STACK_WATCHER_ENV, policySettingsFromEnv } from '@string-hashr/watcher-settings';
import type { PolicySettings } from '@string-hashr/policy';

export interface StackPorts {
  frontend: number;
  worker: number;
  burstWorker: number;
  mesh: number;
  watcher: number;
  prometheus: number;
}

export interface StackConfig {
  redisUrl: string;
  ports: StackPorts;
  /** `auto`: run Prometheus when the `prometheus` binary is installed. */
  prometheus: 'auto' | 'on' | 'off';
  /** Settings for the watcher; the user's WATCHER_* etc. win over the snappy local defaults. */
  watcherEnv: Record<string, string>;
  /** The policy the watcher runs with, read from watcherEnv: a bad value stops `npm start` before anything starts. */
  watcherPolicy: PolicySettings;
  /** WATCHER_ROUTE_KIND: the worker route the stand-in follows and the watcher rewrites. */
  routeKind: RouteKind;
  lockFile: string;
  build: boolean;
  /** Where the watcher writes its weights: a file, or a real API server on this machine (tools/control-plane). */
  router: 'file' | 'kubernetes';
}

/** The route kind the watcher is given (WATCHER_ROUTE_KIND, passed on to it), read in one place. */
export function localRouteKind(env: Env): RouteKind {
  return envChoice(env, 'WATCHER_ROUTE_KIND', ROUTE_KIND_NAMES, DEFAULT_ROUTE_KIND);
}

/** The variable that sets each port, for messages that tell the user what to change. */
export const PORT_VARIABLES: Record<keyof StackPorts, string> = {
  frontend: 'FRONTEND_PORT',
  worker: 'WORKER_PORT',
  burstWorker: 'BURST_WORKER_PORT',
  mesh: 'MESH_PORT',
  watcher: 'WATCHER_PORT',
  prometheus: 'PROMETHEUS_PORT',
};

const DEFAULT_PORTS: StackPorts = {
  frontend: PORTS.frontend,
  worker: PORTS.worker,
  burstWorker: 8082,
  mesh: 15001,
  watcher: PORTS.istiowatcher,
  prometheus: 9090,
};

/** The watcher's local settings (a 5 s window, 2 samples, short dwells): see libs/watcher-settings. */
export const LOCAL_WATCHER_DEFAULTS: Record<string, string> = LOCAL_STACK_WATCHER_ENV;

/** Watcher variables a user may pass through `npm start` (e.g. WATCHER_MODE=spill). */
const WATCHER_PASSTHROUGH =
  /^(WATCHER_(?!ROUTER$|VS_FILE$|ROUTE_FILE$|ROUTE_KIND$|SOURCE$|SCRAPE_URL$|LEADER_ELECTION$|PORT$).+|BURST_HIGH_RPS|BURST_LOW_RPS|PRIMARY_CAPACITY_RPS|WEIGHT_STEP)$/;

export function readStackConfig(env: Env): StackConfig {
  const redisUrl = envString(env, 'REDIS_URL', '127.0.0.1:6379');
  try {
    parseRedisUrl(redisUrl);
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
  const ports = Object.fromEntries(
    Object.entries(PORT_VARIABLES).map(([key, variable]) => [
      key,
      envPort(env, variable, DEFAULT_PORTS[key as keyof StackPorts]),
    ]),
  ) as unknown as StackPorts;
  const seen = new Map<number, string>();
  for (const [key, port] of Object.entries(ports)) {
    const variable = PORT_VARIABLES[key as keyof StackPorts];
    if (seen.has(port))
      throw new ConfigError(`${variable}=${port} is also ${seen.get(port)}: each component needs its own port`);
    seen.set(port, variable);
  }
  const watcherEnv = { ...LOCAL_WATCHER_DEFAULTS };
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined && value !== '' && WATCHER_PASSTHROUGH.test(name)) watcherEnv[name] = value;
  }
  return {
    redisUrl,
    ports,
    prometheus: envChoice(env, 'LOCAL_PROMETHEUS', ['auto', 'on', 'off'], 'auto'),
    watcherEnv,
    watcherPolicy: policySettingsFromEnv(watcherEnv),
    routeKind: localRouteKind(env),
    lockFile: envString(env, 'LOCAL_STACK_LOCK', path.join(tmpdir(), 'string-hashr-local-stack.lock')),
    build: envBoolean(env, 'LOCAL_STACK_BUILD', true),
    router: envChoice(env, 'LOCAL_ROUTER', ['file', 'kubernetes'], 'file'),
  };
}
