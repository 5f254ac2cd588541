import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent, request } from 'undici';
import {
  describeResult,
  sharedControlPlane,
  startControlPlane,
  type ControlPlaneClient,
  type TestControlPlane,
} from '@string-hashr/testing';
import versions from '../versions.json';

const insecure = new Agent({ connect: { rejectUnauthorized: false } });

/** Whether something accepts connections on `url`'s port. */
const listening = (url: string) =>
  new Promise<boolean>((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port: Number(new URL(url).port) });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });

/** Processes whose command line names `text` (read from /proc). */
function processesNaming(text: string): string[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .flatMap((pid) => {
      try {
        const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
        return cmdline.includes(text) ? [`${pid}: ${cmdline}`] : [];
      } catch {
        return [];
      }
    });
}

// What every start has, on the run's shared control plane; what needs a control plane of its own
// (a compaction, a stop) on one without CRDs, which start with less CPU.
describe('the local control plane', () => {
  let cp: ControlPlaneClient;
  beforeAll(async () => {
    cp = await sharedControlPlane();
  });

  it('serves the pinned Kubernetes release, and kubectl is the same version', async () => {
    const result = await cp.kubectl(['version', '-o', 'json']);
    expect(result.code, describeResult(result)).toBe(0);
    const version = JSON.parse(result.stdout) as {
      serverVersion: { gitVersion: string };
      clientVersion: { gitVersion: string };
    };
    expect(version.serverVersion.gitVersion).toBe(versions.kubernetes);
    expect(version.clientVersion.gitVersion).toBe(versions.kubernetes);
  });

  it.each([
    ['virtualservices'],
    ['destinationrules'],
    ['authorizationpolicies'],
    ['httproutes'],
    ['gateways.gateway.networking.k8s.io'],
    ['prometheusrules'],
  ])('knows %s (the CRDs are installed and established)', async (resource) => {
    // The run's other files may have made some: the resource is served, whatever it holds.
    const result = await cp.kubectl(['get', resource, '-A']);
    expect(result.code, describeResult(result)).toBe(0);
  });

  it('authenticates a ServiceAccount token, authorizes it by RBAC, and audits the refusal', async () => {
    await cp.ensureNamespace('rbac-check');
    const kubeconfig = await cp.serviceAccountKubeconfig('rbac-check', 'reader');
    const whoami = await cp.kubectl(['auth', 'whoami', '-o', 'jsonpath={.status.userInfo.username}'], { kubeconfig });
    expect(whoami.stdout).toBe('system:serviceaccount:rbac-check:reader');

    const refused = await cp.kubectl(['get', 'secrets'], { kubeconfig });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/Forbidden.*cannot list resource "secrets"/);

    await cp.kubectl(['create', 'role', 'secret-reader', '--verb=list', '--resource=secrets', '-n', 'rbac-check']);
    await cp.kubectl([
      'create',
      'rolebinding',
      'reader',
      '--role=secret-reader',
      '--serviceaccount=rbac-check:reader',
      '-n',
      'rbac-check',
    ]);
    const allowed = await cp.kubectl(['get', 'secrets'], { kubeconfig });
    expect(allowed.code, describeResult(allowed)).toBe(0);

    const readers = cp
      .auditEvents()
      .filter((event) => event.user.username === 'system:serviceaccount:rbac-check:reader');
    const listings = readers.filter((event) => event.verb === 'list' && event.objectRef?.resource === 'secrets');
    expect(listings.map((event) => event.responseStatus?.code)).toEqual([403, 200]);
  });

  it('PodSecurity admission is on: a namespace that enforces restricted refuses a privileged pod', async () => {
    await cp.ensureNamespace('psa-check');
    await cp.kubectl(['label', 'namespace', 'psa-check', 'pod-security.kubernetes.io/enforce=restricted']);
    await cp.kubectl(['create', 'serviceaccount', 'default', '-n', 'psa-check']);
    const result = await cp.kubectl(['run', 'privileged', '-n', 'psa-check', '--image=busybox', '--privileged']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('violates PodSecurity "restricted:latest"');
  });
});

describe('a control plane of its own, without its watch cache, with --crds none', () => {
  let cp: TestControlPlane;
  beforeAll(async () => {
    cp = await startControlPlane({ watchCache: false, crds: [] });
  });
  afterAll(async () => {
    await cp?.stop();
  });

  it('installs no CRD', async () => {
    const result = await cp.kubectl(['get', 'crd']);
    expect(result.code, describeResult(result)).toBe(0);
    expect(result.stderr).toMatch(/^No resources found/);
    expect(cp.process.output()).toContain('CRDs installed: none');
  });

  it('an etcd compaction makes a watch from an older resourceVersion end in 410 Gone', async () => {
    await cp.kubectl(['create', 'configmap', 'compacted', '--from-literal=n=1']);
    const before = (await cp.kubectl(['get', 'configmap', 'compacted', '-o', 'jsonpath={.metadata.resourceVersion}']))
      .stdout;
    await cp.kubectl(['patch', 'configmap', 'compacted', '-p', '{"data":{"n":"2"}}']);
    // A watch from `before` starts at the revision after it: that one must be gone too.
    await cp.kubectl(['patch', 'configmap', 'compacted', '-p', '{"data":{"n":"3"}}']);
    const compactedAt = await cp.compactEtcd();
    expect(compactedAt).toBeGreaterThan(Number(before));

    const token = /token: (\S+)/.exec(readFileSync(cp.kubeconfig, 'utf8'))?.[1];
    const { statusCode, body } = await request(
      `${cp.apiServer}/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=${before}`,
      { dispatcher: insecure, headers: { authorization: `Bearer ${token}` } },
    );
    // The watch is accepted, and its first event is the error.
    expect(statusCode).toBe(200);
    let first = '';
    for await (const chunk of body) {
      first += String(chunk);
      if (first.includes('\n')) break;
    }
    body.destroy();
    const event = JSON.parse(first.split('\n')[0] ?? '') as { type: string; object: { code: number; reason: string } };
    expect(event, first).toMatchObject({ type: 'ERROR', object: { code: 410, reason: 'Expired' } });
  });

  it('SIGTERM stops etcd and kube-apiserver and removes every file', async () => {
    const dir = path.dirname(cp.kubeconfig);
    expect(existsSync(dir)).toBe(true);
    expect(processesNaming(dir).length).toBe(2);

    expect(await cp.stop()).toBe(0);
    expect(existsSync(dir)).toBe(false);
    expect(processesNaming(dir)).toEqual([]);
    expect(await listening(cp.apiServer)).toBe(false);
    expect(await listening(cp.etcd)).toBe(false);
    expect(cp.process.output()).toContain('SIGTERM: stopping kube-apiserver and etcd');
  });
});

describe('a machine without Go', () => {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

  it.each([
    ['the build', 'tools/control-plane/src/build-main.ts', []],
    ['npm run control-plane', 'tools/control-plane/src/main.ts', []],
    ['the test support', 'tools/control-plane/src/main.ts', ['--no-build']],
  ])('%s: one message names what is missing and how to get it', async (_, entry, args) => {
    const cache = mkdtempSync(path.join(tmpdir(), 'control-plane-cache-'));
    try {
      const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
        execFile(
          process.execPath,
          ['tools/build/run-ts.mjs', entry, ...args],
          { cwd: root, env: { ...process.env, PATH: '/nonexistent', STRING_HASHR_CACHE: cache } },
          (err, _stdout, stderr) => resolve({ code: err ? Number(err.code) : 0, stderr }),
        );
      });
      expect(code).toBe(1);
      expect(stderr).toContain('`go` (1.26 or newer) is not on PATH');
      expect(stderr).toContain('Install Go 1.26 from https://go.dev/dl');
    } finally {
      rmSync(cache, { recursive: true, force: true });
    }
  });
});
