/**
 * The primary watcher's kubeconfig for the burst cluster (BURST_KUBECONFIG), as the Secret that
 * the watcher mounts: the burst cluster's address and CA as the deployer's context has them, and
 * the watcher's burst ServiceAccount token from the TokenRequest API (docs/deploy.md, the burst
 * side's Secret). Pure: deploy.sh pipes the token in and applies the Secret it prints.
 */
import { APP_LABELS, SECRETS, SERVICE_ACCOUNTS } from '@string-hashr/contract';
import { stringify } from 'yaml';

/** A kubeconfig's cluster entry: where the API server is and how its certificate is checked. */
export type ClusterEntry = Record<string, unknown> & { server: string };

/** The fields of a TokenRequest answer (`kubectl create token -o json`) that are read. */
interface TokenRequestLike {
  status?: { token?: unknown; expirationTimestamp?: unknown };
}

export interface BurstToken {
  token: string;
  /** When the API server says it expires: it may cut the duration asked for. */
  expiresAt: string;
}

/** The cluster entry of `kubectl config view --minify --raw -o jsonpath={.clusters[0].cluster}`. */
export function parseClusterEntry(text: string): ClusterEntry {
  let entry: unknown;
  try {
    entry = JSON.parse(text);
  } catch {
    throw new Error(
      `--cluster: expected the JSON of a kubeconfig cluster entry, got ${JSON.stringify(text.slice(0, 40))}`,
    );
  }
  const server = (entry as { server?: unknown } | null)?.server;
  if (typeof entry !== 'object' || entry === null || typeof server !== 'string' || !/^https:\/\//.test(server))
    throw new Error('--cluster: the cluster entry has no https:// server');
  return entry as ClusterEntry;
}

/** The token of a TokenRequest's answer. */
export function parseTokenRequest(text: string): BurstToken {
  let answer: TokenRequestLike;
  try {
    answer = JSON.parse(text) as TokenRequestLike;
  } catch {
    throw new Error('stdin: expected the JSON of a TokenRequest (kubectl create token -o json)');
  }
  const token = answer?.status?.token;
  const expiresAt = answer?.status?.expirationTimestamp;
  if (typeof token !== 'string' || token === '' || typeof expiresAt !== 'string')
    throw new Error('stdin: the TokenRequest has no status.token and status.expirationTimestamp');
  return { token, expiresAt };
}

/** The kubeconfig: one cluster, the watcher's burst ServiceAccount, the app's namespace. */
export function burstKubeconfig(cluster: ClusterEntry, token: string, namespace: string): string {
  const user = SERVICE_ACCOUNTS.istiowatcher;
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'burst', cluster }],
    users: [{ name: user, user: { token } }],
    contexts: [{ name: 'burst', context: { cluster: 'burst', user, namespace } }],
    'current-context': 'burst',
  });
}

/** The Secret in primary that the watcher mounts (SECRETS.burstKubeconfig). */
export function burstKubeconfigSecret(kubeconfig: string, namespace: string): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: SECRETS.burstKubeconfig.name, namespace, labels: { app: APP_LABELS.istiowatcher } },
    type: 'Opaque',
    data: { [SECRETS.burstKubeconfig.key]: Buffer.from(kubeconfig).toString('base64') },
  });
}
