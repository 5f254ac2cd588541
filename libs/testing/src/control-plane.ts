/**
 * A real etcd and kube-apiserver, for a test file or for the whole run (shared-control-plane.ts):
 * the same `npm run control-plane` a person runs (tools/control-plane), on free ports, with the
 * built kubectl of the same version. It must have been built (`nx run control-plane:build`, which
 * `npm test` runs first).
 */
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Agent, fetch } from 'undici';
import { parse, stringify } from 'yaml';
import { readControlPlaneAnnouncement, type ControlPlaneEndpoints } from '@string-hashr/contract';
import { repoRoot } from './local-stack.js';
import { freePort, waitFor } from './ports.js';
import { startProcess, type RunningProcess } from './process.js';

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The fields of an audit event (audit.k8s.io/v1, level Metadata) that tests read. */
export interface AuditEvent {
  stage: string;
  verb: string;
  requestURI: string;
  user: { username: string; groups?: string[] };
  objectRef?: { resource?: string; namespace?: string; name?: string; apiGroup?: string };
  responseStatus?: { code?: number };
}

/** A running control plane as a test file uses it: its endpoints and the built tools. */
export interface ControlPlaneClient extends ControlPlaneEndpoints {
  kubectlPath: string;
  istioctlPath: string;
  /** The built kubectl, as the admin unless `kubeconfig` says otherwise; never throws on its exit code. */
  kubectl(args: string[], options?: { kubeconfig?: string; input?: string }): Promise<CommandResult>;
  /**
   * A kubeconfig that authenticates as ServiceAccount `namespace/name` (created if missing) with a
   * token from the TokenRequest API (`kubectl create token`): RBAC applies to it as to a pod.
   */
  serviceAccountKubeconfig(namespace: string, name: string): Promise<string>;
  /** Creates namespace `name` unless it is there: files that share a control plane may both need it. */
  ensureNamespace(name: string): Promise<void>;
  /** Every audit event written so far. */
  auditEvents(): AuditEvent[];
}

/** A control plane a test file started for itself: it alone may compact its store and stop it. */
export interface TestControlPlane extends ControlPlaneClient {
  /** Compacts etcd at its current revision (its JSON gateway): older resourceVersions are gone (410). */
  compactEtcd(): Promise<number>;
  process: RunningProcess;
  /** SIGTERM, as Ctrl-C would: resolves with the exit code once everything is stopped. */
  stop(): Promise<number | null>;
}

/**
 * How a file asks the run's global setup for the shared control plane (shared-control-plane.ts):
 * it writes `wanted` in the folder; the setup answers with the announcement or the failure.
 */
const SHARED_CONTROL_PLANE_FILES = {
  wanted: 'wanted',
  announcement: 'announcement.txt',
  failure: 'failure.txt',
} as const;

/** The path of one of those files in the run's folder `dir`. */
export const sharedControlPlaneFile = (dir: string, name: keyof typeof SHARED_CONTROL_PLANE_FILES) =>
  path.join(dir, SHARED_CONTROL_PLANE_FILES[name]);

export async function startControlPlane(
  options: { watchCache?: boolean; /** Only these CRDs (names), none for []; default: all. */ crds?: string[] } = {},
): Promise<TestControlPlane> {
  const args = [
    'tools/build/run-ts.mjs',
    'tools/control-plane/src/main.ts',
    '--no-build',
    '--etcd-port',
    String(await freePort()),
    '--etcd-peer-port',
    String(await freePort()),
    '--apiserver-port',
    String(await freePort()),
    ...(options.watchCache === false ? ['--no-watch-cache'] : []),
    ...(options.crds ? ['--crds', options.crds.join(',') || 'none'] : []),
  ];
  const proc = startProcess(process.execPath, args, { cwd: repoRoot });
  const endpoints = await waitFor(
    'the control plane to print KUBECONFIG=',
    () => {
      if (proc.child.exitCode !== null)
        throw new Error(`it exited (${proc.child.exitCode}):\n${proc.output().slice(-3000)}`);
      return readControlPlaneAnnouncement(proc.output());
    },
    170_000,
  ).catch(async (err: unknown) => {
    await proc.stop();
    throw err;
  });
  return {
    ...controlPlaneClient(endpoints),
    async compactEtcd() {
      const post = async (api: string, body: object) => {
        const res = await fetch(`${endpoints.etcd}/v3/kv/${api}`, { method: 'POST', body: JSON.stringify(body) });
        if (!res.ok) throw new Error(`etcd ${api}: ${res.status} ${await res.text()}`);
        return (await res.json()) as { header?: { revision?: string } };
      };
      // Any key: the answer's header carries the store's current revision.
      const { header } = await post('range', { key: Buffer.from('/').toString('base64') });
      const revision = Number(header?.revision);
      if (!Number.isInteger(revision)) throw new Error('etcd range: no revision in its answer');
      await post('compaction', { revision: String(revision), physical: true });
      return revision;
    },
    process: proc,
    stop: () => proc.stop(30_000),
  };
}

const selfSigned = new Agent({ connect: { rejectUnauthorized: false } });

/** The client side of a running control plane: its built kubectl and istioctl, tokens, the audit log. */
export function controlPlaneClient(endpoints: ControlPlaneEndpoints): ControlPlaneClient {
  const kubectlPath = path.join(endpoints.bin, 'kubectl');

  const kubectl: ControlPlaneClient['kubectl'] = (commandArgs, { kubeconfig = endpoints.kubeconfig, input } = {}) =>
    runTool(kubectlPath, ['--kubeconfig', kubeconfig, ...commandArgs], input);

  // The admin's own calls go over HTTP, not through kubectl: a test makes hundreds, and each kubectl
  // is a process start.
  const adminToken = (
    parse(readFileSync(endpoints.kubeconfig, 'utf8')) as { users: Array<{ user: { token: string } }> }
  ).users[0]?.user.token;
  const admin = async (method: string, apiPath: string, body: object) => {
    const res = await fetch(`${endpoints.apiServer}${apiPath}`, {
      method,
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
      // The API server's certificate is self-signed, on loopback.
      dispatcher: selfSigned,
    });
    return { status: res.status, body: (await res.json()) as unknown };
  };
  /** Creates `body` in `collection` unless an object of its name is there. */
  const mustCreate = async (collection: string, body: { metadata: { name: string } }) => {
    const { status, body: answer } = await admin('POST', collection, body);
    if (status !== 201 && status !== 409)
      throw new Error(`creating ${collection}/${body.metadata.name}: ${status} ${JSON.stringify(answer)}`);
  };

  return {
    ...endpoints,
    kubectlPath,
    istioctlPath: path.join(endpoints.bin, 'istioctl'),
    kubectl,
    async serviceAccountKubeconfig(namespace, name) {
      const accounts = `/api/v1/namespaces/${namespace}/serviceaccounts`;
      await mustCreate(accounts, { metadata: { name } });
      const request = {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenRequest',
        spec: { expirationSeconds: 3600 },
      };
      const answer = await admin('POST', `${accounts}/${name}/token`, request);
      const token = (answer.body as { status?: { token?: string } }).status?.token;
      if (answer.status !== 201 || !token) throw new Error(`a token for ${namespace}/${name}: ${answer.status}`);
      const config = parse(readFileSync(endpoints.kubeconfig, 'utf8')) as {
        users: Array<{ name: string; user: Record<string, string> }>;
        contexts: Array<{ context: Record<string, string> }>;
      };
      for (const user of config.users) user.user = { token };
      for (const { context } of config.contexts) context.namespace = namespace;
      const file = path.join(path.dirname(endpoints.kubeconfig), `${namespace}.${name}.kubeconfig`);
      writeFileSync(file, stringify(config), { mode: 0o600 });
      return file;
    },
    ensureNamespace: (name) => mustCreate('/api/v1/namespaces', { metadata: { name } }),
    auditEvents() {
      return readFileSync(endpoints.auditLog, 'utf8')
        .split('\n')
        .filter((line) => line.trim())
        .map((line) => JSON.parse(line) as AuditEvent);
    },
  };
}

/** A command's result as text for an assertion message. */
export const describeResult = ({ code, stdout, stderr }: CommandResult) =>
  `exit ${code}\nstdout: ${stdout}\nstderr: ${stderr}`;

/** Runs a built tool (kubectl, istioctl) with `input` on its stdin; never throws on its exit code. */
export function runTool(command: string, args: string[], input = ''): Promise<CommandResult> {
  return new Promise((resolve) => {
    const child = execFile(command, args, { maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
    child.stdin?.end(input);
  });
}
