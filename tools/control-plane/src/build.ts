/**
 * Builds the control plane's binaries and gathers its CRDs from the pinned upstream modules into a
 * cache outside the clone (`$STRING_HASHR_CACHE/control-plane/<key>/bin`, `/crds`), each step
 * skipped when its output is there. The Go module proxy serves the sources; `go` builds them.
 */
import { execFileSync, spawn } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import versions from '../versions.json';
import {
  ETCD_MAIN,
  ISTIOCTL_PACKAGE,
  KUBECTL_PACKAGE,
  KUBE_APISERVER_PACKAGE,
  cacheKey,
  etcdGoMod,
  istioctlGoMod,
  istioctlLdflags,
  kubernetesGoMod,
  kubernetesLdflags,
  parsePins,
  type Pins,
} from './pins.js';

export const PINS: Pins = parsePins(versions);

export interface ControlPlaneBuild {
  dir: string;
  bin: { etcd: string; kubeApiserver: string; kubectl: string; istioctl: string };
  /** The CRD files (and the Gateway API's admission policy), to apply in this order. */
  crds: string[];
}

const GO_MISSING = [
  'The local control plane (etcd, kube-apiserver, kubectl, istioctl) is built from upstream Go modules,',
  'and `go` (1.26 or newer) is not on PATH.',
  'Install Go 1.26 from https://go.dev/dl (its tarball under /usr/local/go, /usr/local/go/bin on PATH;',
  "Debian bookworm's golang-go is 1.19, too old) and run the command again: the build then fetches",
  'the modules from the Go module proxy and builds them once into the cache (many minutes on 2 cores).',
].join('\n');

/** `go version`'s answer, or a clear error naming what is missing. */
export function goVersion(): string {
  try {
    return execFileSync('go', ['env', 'GOVERSION'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error(GO_MISSING);
  }
}

export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(env.STRING_HASHR_CACHE || path.join(homedir(), '.cache', 'string-hashr'), 'control-plane');
}

/** Where the build for these pins lives; says nothing about whether it is complete. */
export function buildLayout(dir: string): ControlPlaneBuild {
  const bin = path.join(dir, 'bin');
  const crdDir = path.join(dir, 'crds');
  const crds = existsSync(crdDir)
    ? readdirSync(crdDir)
        .filter((name) => name.endsWith('.yaml'))
        .sort()
        .map((name) => path.join(crdDir, name))
    : [];
  return {
    dir,
    bin: {
      etcd: path.join(bin, 'etcd'),
      kubeApiserver: path.join(bin, 'kube-apiserver'),
      kubectl: path.join(bin, 'kubectl'),
      istioctl: path.join(bin, 'istioctl'),
    },
    crds,
  };
}

const DONE = '.complete';

/** The finished build for the pins, or undefined (without needing Go). */
export function findBuild(env: NodeJS.ProcessEnv = process.env): ControlPlaneBuild | undefined {
  const root = cacheRoot(env);
  if (!existsSync(root)) return undefined;
  const wanted = `k8s-${PINS.kubernetes}-`;
  for (const name of readdirSync(root).filter((n) => n.startsWith(wanted))) {
    const dir = path.join(root, name);
    const stamp = path.join(dir, DONE);
    if (existsSync(stamp) && readFileSync(stamp, 'utf8') === JSON.stringify(PINS)) return buildLayout(dir);
  }
  return undefined;
}

type Log = (line: string) => void;

/** The complete build, or an error that says how to make it (and what is missing for that). */
export function requireBuild(): ControlPlaneBuild {
  const build = findBuild();
  if (build) return build;
  let missingGo = '';
  try {
    goVersion();
  } catch (err) {
    missingGo = `\n${(err as Error).message}`;
  }
  throw new Error(
    `The control plane is not built for the pins of tools/control-plane/versions.json in ${cacheRoot()}.\n` +
      `Build it with \`npx nx run control-plane:build\` (\`npm test\` and \`npm run control-plane\` do it first).` +
      missingGo,
  );
}

/** Builds what is missing (printing each step) and returns the complete build. */
export async function ensureBuilt(log: Log = (line) => console.error(line)): Promise<ControlPlaneBuild> {
  const go = goVersion();
  const dir = path.join(cacheRoot(), cacheKey(PINS, go));
  mkdirSync(dir, { recursive: true });
  const release = await lock(dir, log);
  try {
    const layout = buildLayout(dir);
    const started = Date.now();
    log(`control plane: ${dir} (${go})`);
    await buildKubernetes(dir, layout, log);
    await buildEtcd(dir, layout, log);
    await buildIstioctl(dir, layout, log);
    await gatherCrds(dir, log);
    writeFileSync(path.join(dir, DONE), JSON.stringify(PINS));
    log(`control plane: ready in ${seconds(Date.now() - started)}`);
    return buildLayout(dir);
  } finally {
    release();
  }
}

async function buildKubernetes(dir: string, layout: ControlPlaneBuild, log: Log): Promise<void> {
  if (existsSync(layout.bin.kubeApiserver) && existsSync(layout.bin.kubectl)) return;
  const src = path.join(dir, 'src', 'kubernetes');
  mkdirSync(src, { recursive: true });
  const upstream = await download(`k8s.io/kubernetes@${PINS.kubernetes}`, log);
  writeFileSync(path.join(src, 'go.mod'), kubernetesGoMod(PINS, readFileSync(upstream.GoMod, 'utf8')));
  await go(['mod', 'tidy'], src, `resolve k8s.io/kubernetes ${PINS.kubernetes}`, log);
  const ldflags = kubernetesLdflags(PINS);
  await goBuild(src, KUBE_APISERVER_PACKAGE, layout.bin.kubeApiserver, ldflags, log);
  await goBuild(src, KUBECTL_PACKAGE, layout.bin.kubectl, ldflags, log);
}

async function buildEtcd(dir: string, layout: ControlPlaneBuild, log: Log): Promise<void> {
  if (existsSync(layout.bin.etcd)) return;
  const src = path.join(dir, 'src', 'etcd');
  mkdirSync(src, { recursive: true });
  writeFileSync(path.join(src, 'go.mod'), etcdGoMod(PINS));
  writeFileSync(path.join(src, 'main.go'), ETCD_MAIN);
  await go(['mod', 'tidy'], src, `resolve go.etcd.io/etcd/server/v3 ${PINS.etcd}`, log);
  await goBuild(src, '.', layout.bin.etcd, '-s -w', log);
}

async function buildIstioctl(dir: string, layout: ControlPlaneBuild, log: Log): Promise<void> {
  if (existsSync(layout.bin.istioctl)) return;
  const src = path.join(dir, 'src', 'istioctl');
  mkdirSync(src, { recursive: true });
  writeFileSync(path.join(src, 'go.mod'), istioctlGoMod(PINS));
  await go(['mod', 'tidy'], src, `resolve istio.io/istio ${PINS.istio}`, log);
  await goBuild(src, ISTIOCTL_PACKAGE, layout.bin.istioctl, istioctlLdflags(PINS), log);
}

const PROMETHEUS_OPERATOR = 'github.com/prometheus-operator/prometheus-operator';

/**
 * Istio's CRDs, the Gateway API's standard channel and prometheus-operator's PrometheusRule, read
 * from their modules, never committed.
 */
async function gatherCrds(dir: string, log: Log): Promise<void> {
  const crds = path.join(dir, 'crds');
  if (existsSync(crds)) return;
  const partial = `${crds}.partial`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { recursive: true });
  const istio = await download(`istio.io/api@${PINS.istioApi}`, log);
  copyFileSync(
    path.join(istio.Dir, 'kubernetes', 'customresourcedefinitions.gen.yaml'),
    path.join(partial, 'istio-api.yaml'),
  );
  const gateway = await download(`sigs.k8s.io/gateway-api@${PINS.gatewayApi}`, log);
  const standard = path.join(gateway.Dir, 'config', 'crd', 'standard');
  for (const name of readdirSync(standard).filter((n) => n.startsWith('gateway.networking.k8s.io_'))) {
    copyFileSync(
      path.join(standard, name),
      path.join(partial, `gateway-api-${name.replace(/^gateway\.networking\.k8s\.io_/, '')}`),
    );
  }
  const operator = await download(`${PROMETHEUS_OPERATOR}@${PINS.prometheusOperator}`, log);
  copyFileSync(
    path.join(operator.Dir, 'example', 'prometheus-operator-crd', 'monitoring.coreos.com_prometheusrules.yaml'),
    path.join(partial, 'prometheus-operator-prometheusrules.yaml'),
  );
  renameSync(partial, crds);
  log(
    `  crds: ${readdirSync(crds).length} files from istio.io/api ${PINS.istioApi}, sigs.k8s.io/gateway-api ${PINS.gatewayApi}, ` +
      `${PROMETHEUS_OPERATOR} ${PINS.prometheusOperator}`,
  );
}

async function download(module: string, log: Log): Promise<{ Dir: string; GoMod: string }> {
  const out = await go(['mod', 'download', '-json', module], process.cwd(), `download ${module}`, log);
  const info = JSON.parse(out) as { Dir?: string; GoMod?: string; Error?: string };
  if (info.Error || !info.Dir || !info.GoMod)
    throw new Error(`go mod download ${module}: ${info.Error ?? 'no Dir in its answer'}`);
  return { Dir: info.Dir, GoMod: info.GoMod };
}

async function goBuild(src: string, pkg: string, out: string, ldflags: string, log: Log): Promise<void> {
  mkdirSync(path.dirname(out), { recursive: true });
  const partial = `${out}.partial`;
  await go(['build', '-trimpath', '-ldflags', ldflags, '-o', partial, pkg], src, `build ${path.basename(out)}`, log);
  renameSync(partial, out);
}

/** Runs `go` in `cwd` with the module proxy's defaults, logging the step and its duration. */
function go(args: string[], cwd: string, step: string, log: Log): Promise<string> {
  log(`  ${step} ...`);
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn('go', args, {
      cwd,
      // The machine's own Go, never one fetched because a go.mod asks for it.
      env: { ...process.env, GOTOOLCHAIN: 'local', GOFLAGS: '-mod=mod -buildvcs=false' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', (err) => reject(new Error(`${GO_MISSING}\n(${err.message})`)));
    child.once('exit', (code) => {
      if (code === 0) {
        log(`  ${step}: done in ${seconds(Date.now() - started)}`);
        resolve(stdout);
      } else reject(new Error(`go ${args.join(' ')} (in ${cwd}) failed with exit code ${code}:\n${stderr}${stdout}`));
    });
  });
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(0)} s`;

/** One build of a key at a time (two test files, or a test and `npm run control-plane`). */
async function lock(dir: string, log: Log): Promise<() => void> {
  const lockDir = path.join(dir, '.lock');
  let told = false;
  for (;;) {
    // Made whole under another name, then renamed: a lock is never seen without its holder's pid.
    const mine = `${lockDir}-${process.pid}`;
    mkdirSync(mine, { recursive: true });
    writeFileSync(path.join(mine, 'pid'), String(process.pid));
    try {
      renameSync(mine, lockDir);
      return () => rmSync(lockDir, { recursive: true, force: true });
    } catch {
      rmSync(mine, { recursive: true, force: true });
      const holder = readHolder(path.join(lockDir, 'pid'));
      if (holder === undefined) continue;
      if (!isAlive(holder)) {
        rmSync(lockDir, { recursive: true, force: true });
        continue;
      }
      if (!told) log(`control plane: waiting for the build in process ${holder}`);
      told = true;
      await new Promise((resolve) => setTimeout(resolve, 2000));
    }
  }
}

/** The lock holder's pid, or undefined when the lock went away meanwhile. */
function readHolder(file: string): number | undefined {
  try {
    return Number(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
