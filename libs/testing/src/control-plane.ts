/**
 * A real etcd and kube-apiserver for one test file: the same `npm run control-plane` a person runs
 * (tools/control-plane), on ports from this worker's block, with the built kubectl of the same
 * version. It must have been built (`nx run control-plane:build`, which `npm test` runs first).
 */
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
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

export interface TestControlPlane extends ControlPlaneEndpoints {
  kubectlPath: string;
  istioctlPath: string;
  /** The built kubectl, as the admin unless `kubeconfig` says otherwise; never throws on its exit code. */
  kubectl(args: string[], options?: { kubeconfig?: string; input?: string }): Promise<CommandResult>;
  /**
   * A kubeconfig that authenticates as ServiceAccount `namespace/name` (created if missing) with a
   * token from the TokenRequest API (`kubectl create token`): RBAC applies to it as to a pod.
   */
  serviceAccountKubeconfig(namespace: string, name: string): Promise<string>;
  /** Compacts etcd at its current revision (its JSON gateway): older resourceVersions are gone (410). */
  compactEtcd(): Promise<number>;
  /** Every audit event written so far. */
  auditEvents(): AuditEvent[];
  process: RunningProcess;
  /** SIGTERM, as Ctrl-C would: resolves with the exit code once everything is stopped. */
  stop(): Promise<number | null>;
}

export async function startControlPlane(options: { watchCache?: boolean } = {}): Promise<TestControlPlane> {
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
  const kubectlPath = path.join(endpoints.bin, 'kubectl');

  const kubectl: TestControlPlane['kubectl'] = (commandArgs, { kubeconfig = endpoints.kubeconfig, input } = {}) =>
    runTool(kubectlPath, ['--kubeconfig', kubeconfig, ...commandArgs], input);

  const mustRun = async (commandArgs: string[]) => {
    const result = await kubectl(commandArgs);
    if (result.code !== 0) throw new Error(`kubectl ${commandArgs.join(' ')}: ${result.stderr}`);
    return result.stdout;
  };

  return {
    ...endpoints,
    kubectlPath,
    istioctlPath: path.join(endpoints.bin, 'istioctl'),
    kubectl,
    async serviceAccountKubeconfig(namespace, name) {
      const exists = await kubectl(['get', 'serviceaccount', name, '-n', namespace]);
      if (exists.code !== 0) await mustRun(['create', 'serviceaccount', name, '-n', namespace]);
      const token = (await mustRun(['create', 'token', name, '-n', namespace, '--duration=1h'])).trim();
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
    auditEvents() {
      return readFileSync(endpoints.auditLog, 'utf8')
        .split('\n')
        .filter((line) => line.trim())
        .map((line) => JSON.parse(line) as AuditEvent);
    },
    process: proc,
    stop: () => proc.stop(30_000),
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
