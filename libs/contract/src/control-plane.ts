/**
 * What `npm run control-plane` prints when its API server is ready, one `NAME=value` line each,
 * `KUBECONFIG=` last: people copy the lines, and the test support reads them.
 */
export const CONTROL_PLANE_LINES = {
  /** etcd's client URL (plain HTTP on loopback; its JSON gateway serves `/v3/kv/...`). */
  etcd: 'ETCD_ENDPOINT',
  /** kube-apiserver's URL (HTTPS, a self-signed certificate). */
  apiServer: 'KUBE_APISERVER',
  /** The API server's audit log: one JSON event a line. */
  auditLog: 'AUDIT_LOG',
  /** The folder of the kubectl and istioctl built with it. */
  bin: 'CONTROL_PLANE_BIN',
  /** The admin kubeconfig. */
  kubeconfig: 'KUBECONFIG',
} as const;

export type ControlPlaneEndpoints = Record<keyof typeof CONTROL_PLANE_LINES, string>;

const ORDER = ['etcd', 'apiServer', 'auditLog', 'bin', 'kubeconfig'] as const;

export function announceControlPlane(endpoints: ControlPlaneEndpoints): string[] {
  return ORDER.map((key) => `${CONTROL_PLANE_LINES[key]}=${endpoints[key]}`);
}

/** The endpoints once every line has been printed, else undefined. */
export function readControlPlaneAnnouncement(output: string): ControlPlaneEndpoints | undefined {
  const found: Partial<ControlPlaneEndpoints> = {};
  for (const line of output.split('\n')) {
    for (const key of ORDER) {
      const prefix = `${CONTROL_PLANE_LINES[key]}=`;
      if (line.startsWith(prefix)) found[key] = line.slice(prefix.length).trim();
    }
  }
  return ORDER.every((key) => found[key]) ? (found as ControlPlaneEndpoints) : undefined;
}
