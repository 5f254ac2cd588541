/**
 * How etcd and kube-apiserver are started, and the files they are given: pure, so a table shows
 * every flag that makes this a cluster like GKE's in what the tests rely on (ServiceAccount tokens,
 * RBAC, PodSecurity, an audit log).
 */
import path from 'node:path';
import { stringify } from 'yaml';

export interface ControlPlanePorts {
  etcdClient: number;
  etcdPeer: number;
  apiServer: number;
}

export interface ControlPlaneOptions {
  /**
   * false: every watch is served by etcd itself, so an etcd compaction makes a watch from an older
   * resourceVersion fail with 410 Gone (the watch cache would otherwise serve it from memory).
   */
  watchCache: boolean;
  /** The names of the CRDs to install (crds.ts); undefined: every CRD of the build. */
  crds?: string[];
}

/** The files of one run, all inside its temporary folder. */
export function controlPlaneFiles(dir: string) {
  return {
    dir,
    etcdData: path.join(dir, 'etcd'),
    etcdLog: path.join(dir, 'etcd.log'),
    apiServerLog: path.join(dir, 'kube-apiserver.log'),
    certs: path.join(dir, 'certs'),
    serviceAccountKey: path.join(dir, 'service-account.key'),
    serviceAccountPublicKey: path.join(dir, 'service-account.pub'),
    tokens: path.join(dir, 'tokens.csv'),
    auditPolicy: path.join(dir, 'audit-policy.yaml'),
    auditLog: path.join(dir, 'audit.log'),
    kubeconfig: path.join(dir, 'admin.kubeconfig'),
  };
}

export type ControlPlaneFiles = ReturnType<typeof controlPlaneFiles>;

export const LOOPBACK = '127.0.0.1';
const ETCD_NAME = 'control-plane';
export const SERVICE_ACCOUNT_ISSUER = 'https://kubernetes.default.svc.cluster.local';
/** The admin user of the static token file, in the group RBAC grants everything. */
export const ADMIN = { user: 'control-plane-admin', group: 'system:masters' } as const;

export const etcdUrl = (ports: ControlPlanePorts) => `http://${LOOPBACK}:${ports.etcdClient}`;
export const apiServerUrl = (ports: ControlPlanePorts) => `https://${LOOPBACK}:${ports.apiServer}`;

export function etcdArgs(ports: ControlPlanePorts, files: ControlPlaneFiles): string[] {
  const peer = `http://${LOOPBACK}:${ports.etcdPeer}`;
  return [
    `--name=${ETCD_NAME}`,
    `--data-dir=${files.etcdData}`,
    `--listen-client-urls=${etcdUrl(ports)}`,
    `--advertise-client-urls=${etcdUrl(ports)}`,
    `--listen-peer-urls=${peer}`,
    `--initial-advertise-peer-urls=${peer}`,
    `--initial-cluster=${ETCD_NAME}=${peer}`,
    // A throw-away store: an fsync per write only slows a busy machine down.
    '--unsafe-no-fsync',
    '--log-level=warn',
  ];
}

export function apiServerArgs(
  ports: ControlPlanePorts,
  files: ControlPlaneFiles,
  options: ControlPlaneOptions,
): string[] {
  return [
    `--etcd-servers=${etcdUrl(ports)}`,
    `--bind-address=${LOOPBACK}`,
    `--advertise-address=${LOOPBACK}`,
    `--secure-port=${ports.apiServer}`,
    // No serving certificate given: it makes a self-signed one here.
    `--cert-dir=${files.certs}`,
    '--service-cluster-ip-range=10.96.0.0/16',
    `--service-account-issuer=${SERVICE_ACCOUNT_ISSUER}`,
    `--service-account-key-file=${files.serviceAccountPublicKey}`,
    `--service-account-signing-key-file=${files.serviceAccountKey}`,
    `--token-auth-file=${files.tokens}`,
    '--authorization-mode=RBAC',
    // As on GKE: privileged pods are PodSecurity's to refuse, not the API server's.
    '--allow-privileged=true',
    // On by default since 1.25; named so that a change of defaults cannot turn it off unseen.
    '--enable-admission-plugins=PodSecurity',
    `--audit-policy-file=${files.auditPolicy}`,
    `--audit-log-path=${files.auditLog}`,
    '--audit-log-format=json',
    // Each event is written before the request is answered: a test reads the log right after.
    '--audit-log-mode=blocking',
    ...(options.watchCache ? [] : ['--watch-cache=false']),
    '--profiling=false',
  ];
}

/** The static token file: one admin (RBAC's system:masters) for the admin kubeconfig. */
export function tokenFile(adminToken: string): string {
  return `${adminToken},${ADMIN.user},${ADMIN.user},"${ADMIN.group}"\n`;
}

/** Every request's metadata (who, what, the answer's code): enough to find a 403. */
export const AUDIT_POLICY = stringify({
  apiVersion: 'audit.k8s.io/v1',
  kind: 'Policy',
  omitStages: ['RequestReceived'],
  rules: [{ level: 'Metadata' }],
});

/** A kubeconfig for a bearer token (the API server's certificate is self-signed, on loopback). */
export function tokenKubeconfig(server: string, user: string, token: string, namespace = 'default'): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'control-plane', cluster: { server, 'insecure-skip-tls-verify': true } }],
    users: [{ name: user, user: { token } }],
    contexts: [{ name: user, context: { cluster: 'control-plane', user, namespace } }],
    'current-context': user,
  });
}
