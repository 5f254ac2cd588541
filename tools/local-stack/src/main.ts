// `npm start`: the whole burst story on one machine (see README.md). Thin wiring around
// config.ts (settings), plan.ts (what runs) and supervisor.ts (running it).
import { spawnSync, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { NATURAL } from '@string-hashr/policy';
import { findRoute, routeFlavour, withRouteWeights } from '@string-hashr/kube-objects';
import { ConfigError, createLogger, findRepoRoot, loadDotenv } from '@string-hashr/runtime';
import { parseRedisUrl, redisAnswers } from '@string-hashr/redis';
import { PORT_VARIABLES, readStackConfig, type StackConfig, type StackPorts } from './config.js';
import { CONTROL_PLANE, planStack, prometheusConfig, statusBlock } from './plan.js';
import { localClusterFiles, prepareLocalCluster, watcherManifests } from './local-cluster.js';
import { runningStack, takeLock } from './lock.js';
import { launch, stopAll, waitHealthy, type Running } from './supervisor.js';
import { followChanges } from './follow.js';
import { followAlerts, LOCAL_RULE_FILE, localAlertRules } from './alerts.js';
import {
  WATCHER_STATUS_PATH,
  WORKER_ROUTE_NAMES,
  readControlPlaneAnnouncement,
  type ControlPlaneEndpoints,
  type RouteKind,
} from '@string-hashr/contract';

const repoRoot = findRepoRoot(path.dirname(fileURLToPath(import.meta.url)));
const log = createLogger('local-stack');

function which(binary: string): string | undefined {
  try {
    return execFileSync('sh', ['-c', `command -v ${binary}`], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** The worker route of `kind` from istio-manifests/, at natural weights: the file the watcher edits. */
function writeRouteFile(stateDir: string, kind: RouteKind): string {
  const natural = watcherManifests(kind).route;
  const source = path.join(repoRoot, natural);
  if (!existsSync(source)) throw new Error(`${source} is missing; run \`npm run manifests\` to generate it`);
  const { route } = findRoute(readFileSync(source, 'utf8'), { kind, name: WORKER_ROUTE_NAMES[kind] });
  const file = path.join(stateDir, `worker-${kind.toLowerCase()}.yaml`);
  writeFileSync(
    file,
    `# Local copy of ${natural}; the istiowatcher rewrites its weights and burst.string-hashr.dev annotations.\n${stringify(withRouteWeights(route, NATURAL, routeFlavour(kind)))}`,
  );
  return file;
}

async function checkPorts(config: StackConfig, withPrometheus: boolean): Promise<void> {
  for (const [key, variable] of Object.entries(PORT_VARIABLES)) {
    if (key === 'prometheus' && !withPrometheus) continue;
    const port = config.ports[key as keyof StackPorts];
    if (!(await portFree(port)))
      throw new ConfigError(`port ${port} is in use by another program; set ${variable} to a free port`);
  }
}

async function main(): Promise<void> {
  const startedAt = Date.now();
  loadDotenv();
  const config = readStackConfig(process.env);
  const pageUrl = `http://127.0.0.1:${config.ports.frontend}`;
  const already = runningStack(config.lockFile);
  if (already) {
    console.log(
      `String Hashr is already running (pid ${already.pid}): open ${already.url}. Stop it with Ctrl-C in its terminal first.`,
    );
    process.exit(1);
  }

  const prometheusBinary = config.prometheus === 'off' ? undefined : which('prometheus');
  if (config.prometheus === 'on' && !prometheusBinary) {
    throw new ConfigError(
      'LOCAL_PROMETHEUS=on but `prometheus` is not installed: install it (`apt-get install prometheus`) or set LOCAL_PROMETHEUS=auto',
    );
  }
  await checkPorts(config, Boolean(prometheusBinary));

  if (config.build) {
    log.info('building the apps: nx run-many -t build -p worker,frontend,istiowatcher');
    const built = spawnSync(
      'npx',
      ['nx', 'run-many', '-t', 'build', '-p', 'worker,frontend,istiowatcher', '--outputStyle=static'],
      { cwd: repoRoot, stdio: 'inherit' },
    );
    if (built.status !== 0) throw new Error('the build failed (see above); fix it and run npm start again');
  }

  const target = parseRedisUrl(config.redisUrl);
  let redisUrl = config.redisUrl;
  let ownRedis: { binary: string; port: number } | undefined;
  if (await redisAnswers(target.host, target.port)) {
    log.info(`using the Redis that answers at ${config.redisUrl}`);
  } else {
    const binary = which('redis-server');
    if (!binary) {
      throw new ConfigError(
        `nothing answers at REDIS_URL=${config.redisUrl} and redis-server is not installed: install the redis-server package (apt-get install redis-server, brew install redis) or set REDIS_URL to a running Redis`,
      );
    }
    ownRedis = { binary, port: await freePort() };
    redisUrl = `127.0.0.1:${ownRedis.port}`;
    log.info(`nothing answers at ${config.redisUrl}: starting our own redis-server on ${redisUrl}`);
  }

  const stateDir = mkdtempSync(path.join(tmpdir(), 'string-hashr-stack-'));
  // With the API server, the route file is written from the route object (local-cluster.ts).
  const clusterFiles = config.router === 'kubernetes' ? localClusterFiles(stateDir) : undefined;
  const routeFile = clusterFiles?.routeFile ?? writeRouteFile(stateDir, config.routeKind);
  if (prometheusBinary) {
    writeFileSync(path.join(stateDir, 'prometheus.yml'), prometheusConfig(config.ports));
    writeFileSync(path.join(stateDir, LOCAL_RULE_FILE), localAlertRules(config.watcherEnv));
  }
  const components = planStack(config, {
    repoRoot,
    stateDir,
    node: process.execPath,
    ownRedis,
    redisUrl,
    prometheusBinary,
    routeFile,
    ...(clusterFiles
      ? { kubernetes: { apiServerPort: await freePort(), watcherKubeconfig: clusterFiles.watcherKubeconfig } }
      : {}),
  });
  const off = prometheusBinary
    ? []
    : [
        'Prometheus (not installed, or LOCAL_PROMETHEUS=off): the watcher scrapes the mesh stand-in directly. Install `prometheus` to use the production query path.',
      ];

  const releaseLock = takeLock(config.lockFile, pageUrl);
  const running: Running[] = [];
  let stopping = false;
  let stopFollowing = () => {};
  let stopFollowingRoute = () => {};
  let apiServer: ControlPlaneEndpoints | undefined;
  const width = Math.max(...components.map((c) => c.name.length));
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    stopFollowing();
    stopFollowingRoute();
    log.info('stopping every component');
    await stopAll(running);
    releaseLock();
    rmSync(stateDir, { recursive: true, force: true });
    log.info('stopped');
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));

  try {
    for (const [index, component] of components.entries()) {
      log.info(`starting ${component.name}`);
      const r = launch(component, index, width, (c, code, signal) => {
        if (!stopping) log.warn(`${c.name} exited (${signal ?? `code ${code}`}); the others keep running`);
      });
      running.push(r);
      await waitHealthy(r);
      if (component.name === CONTROL_PLANE && clusterFiles) {
        apiServer = readControlPlaneAnnouncement(r.output());
        if (!apiServer) throw new Error('the control plane said it was ready without its KUBECONFIG= line');
        stopFollowingRoute = await prepareLocalCluster(apiServer, {
          repoRoot,
          files: clusterFiles,
          kind: config.routeKind,
          log,
        });
      }
    }
  } catch (err) {
    log.error((err as Error).message);
    await stop(1);
    return;
  }
  process.stdout.write(statusBlock(config, components, off, apiServer));
  // Under the block, each weight change as one line with its reason, and each alert that starts or stops firing.
  const stopChanges = followChanges(`http://127.0.0.1:${config.ports.watcher}${WATCHER_STATUS_PATH}`, {
    since: startedAt,
  });
  const stopAlerts = prometheusBinary ? followAlerts(`http://127.0.0.1:${config.ports.prometheus}`) : () => {};
  stopFollowing = () => (stopChanges(), stopAlerts());
}

main().catch((err) => {
  if (err instanceof ConfigError) console.error(`npm start: ${err.message}`);
  else console.error(`npm start: ${(err as Error).message}`);
  process.exit(1);
});
