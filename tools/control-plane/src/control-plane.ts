/**
 * Starts etcd and kube-apiserver from a build (build.ts) in a temporary folder, installs the CRDs,
 * and stops both and removes the folder: the process side of `npm run control-plane`.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import {
  appendFileSync,
  mkdtempSync,
  mkdirSync,
  openSync,
  closeSync,
  readFileSync,
  rmSync,
  writeFileSync,
  existsSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Agent, request } from 'undici';
import type { ControlPlaneEndpoints } from '@string-hashr/contract';
import type { ControlPlaneBuild } from './build.js';
import { crdsEstablished, selectCrds } from './crds.js';
import {
  AUDIT_POLICY,
  ADMIN,
  apiServerArgs,
  apiServerUrl,
  controlPlaneFiles,
  etcdArgs,
  etcdUrl,
  tokenFile,
  tokenKubeconfig,
  type ControlPlaneOptions,
  type ControlPlanePorts,
} from './flags.js';

export interface RunningControlPlane {
  endpoints: ControlPlaneEndpoints;
  /** Stops kube-apiserver, then etcd, and removes the temporary folder. */
  stop(): Promise<void>;
  /** Resolves when etcd or kube-apiserver ends without stop(): what it printed last. */
  died: Promise<string>;
}

type Log = (line: string) => void;

/** A TCP port on loopback that was free a moment ago. */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

export async function startControlPlane(
  build: ControlPlaneBuild,
  ports: ControlPlanePorts,
  options: ControlPlaneOptions,
  log: Log,
): Promise<RunningControlPlane> {
  const files = controlPlaneFiles(mkdtempSync(path.join(tmpdir(), 'string-hashr-control-plane-')));
  const children: ChildProcess[] = [];
  let stopping = false;
  const stop = async () => {
    stopping = true;
    for (const child of [...children].reverse()) await stopChild(child);
    rmSync(files.dir, { recursive: true, force: true });
  };
  try {
    const adminToken = randomBytes(24).toString('hex');
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    writeFileSync(files.serviceAccountKey, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    writeFileSync(files.serviceAccountPublicKey, publicKey.export({ type: 'spki', format: 'pem' }));
    writeFileSync(files.tokens, tokenFile(adminToken), { mode: 0o600 });
    writeFileSync(files.auditPolicy, AUDIT_POLICY);
    mkdirSync(files.certs);
    writeFileSync(files.kubeconfig, tokenKubeconfig(apiServerUrl(ports), ADMIN.user, adminToken), { mode: 0o600 });

    const etcd = spawnLogged(build.bin.etcd, etcdArgs(ports, files), files.etcdLog);
    children.push(etcd);
    await waitUntil('etcd to be healthy', etcd, files.etcdLog, async () => {
      const { statusCode, body } = await request(`${etcdUrl(ports)}/health`);
      return statusCode === 200 && ((await body.json()) as { health?: string }).health === 'true';
    });
    log(`etcd up at ${etcdUrl(ports)}`);

    const apiServer = spawnLogged(build.bin.kubeApiserver, apiServerArgs(ports, files, options), files.apiServerLog);
    children.push(apiServer);
    const insecure = new Agent({ connect: { rejectUnauthorized: false } });
    await waitUntil('kube-apiserver to be ready', apiServer, files.apiServerLog, async () => {
      const { statusCode, body } = await request(`${apiServerUrl(ports)}/readyz`, {
        dispatcher: insecure,
        headers: { authorization: `Bearer ${adminToken}` },
      });
      await body.dump();
      return statusCode === 200;
    });
    await insecure.close();
    log(`kube-apiserver up at ${apiServerUrl(ports)}`);

    const kubectl = (args: string[], input?: string) =>
      new Promise<string>((resolve, reject) => {
        const child = execFile(
          build.bin.kubectl,
          ['--kubeconfig', files.kubeconfig, ...args],
          { maxBuffer: 64 * 1024 * 1024 },
          (err, stdout, stderr) =>
            err ? reject(new Error(`kubectl ${args[0]}: ${stderr || err.message}`)) : resolve(stdout),
        );
        child.stdin?.end(input ?? '');
      });
    if (options.crds === undefined) {
      await kubectl(['apply', '--server-side', ...build.crds.flatMap((file) => ['-f', file])]);
    } else if (options.crds.length > 0) {
      const texts = build.crds.map((file) => readFileSync(file, 'utf8'));
      await kubectl(['apply', '--server-side', '-f', '-'], selectCrds(texts, options.crds));
    }
    // Polled, not `kubectl wait`: that fails on a CRD whose status has no conditions yet.
    await waitUntil('the CRDs to be established', apiServer, files.apiServerLog, async () =>
      crdsEstablished(JSON.parse(await kubectl(['get', 'crd', '-o', 'json']))),
    );
    log(
      options.crds === undefined
        ? `${build.crds.length} CRD files installed`
        : `CRDs installed: ${options.crds.join(', ') || 'none'}`,
    );

    const died = Promise.race(
      children.map(async (child) => {
        await once(child, 'exit');
        return stopping ? '' : `${path.basename(child.spawnfile)} ended:\n${tail(logOf(child))}`;
      }),
    );
    return {
      endpoints: {
        etcd: etcdUrl(ports),
        apiServer: apiServerUrl(ports),
        auditLog: files.auditLog,
        bin: path.dirname(build.bin.kubectl),
        kubeconfig: files.kubeconfig,
      },
      stop,
      died,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

const logs = new WeakMap<ChildProcess, string>();
const logOf = (child: ChildProcess) => logs.get(child) ?? '';

function spawnLogged(command: string, args: string[], logFile: string): ChildProcess {
  const fd = openSync(logFile, 'a');
  const child = spawn(command, args, { stdio: ['ignore', fd, fd] });
  closeSync(fd);
  child.once('error', (err) => appendFileSync(logFile, `\n[spawn error] ${err.message}\n`));
  logs.set(child, logFile);
  return child;
}

function tail(logFile: string): string {
  if (!existsSync(logFile)) return '(no output)';
  return readFileSync(logFile, 'utf8').split('\n').slice(-30).join('\n');
}

/** Polls `ready` (a refused connection counts as not yet) until it holds; fails if `child` ends first. */
async function waitUntil(
  what: string,
  child: ChildProcess,
  logFile: string,
  ready: () => Promise<boolean>,
): Promise<void> {
  const deadline = Date.now() + 180_000;
  let gapMs = 50;
  while (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
    if (await ready().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}:\n${tail(logFile)}`);
    await new Promise((resolve) => setTimeout(resolve, gapMs));
    gapMs = Math.min(500, gapMs * 1.5);
  }
  throw new Error(
    `${path.basename(child.spawnfile)} ended (${child.exitCode ?? child.signalCode}) before ${what}:\n${tail(logFile)}`,
  );
}

/** SIGTERM, then SIGKILL if it is still there after 15 s. */
async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}
