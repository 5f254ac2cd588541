import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { SECRETS } from '@string-hashr/contract';
import { burstKubeconfig, burstKubeconfigSecret, parseClusterEntry, parseTokenRequest } from './burst-kubeconfig.js';

const gke = { server: 'https://34.1.2.3', 'certificate-authority-data': 'LS0tQ0E=' };

describe("the watcher's kubeconfig for the burst cluster", () => {
  it('keeps the cluster entry as the context has it, with the token of the ServiceAccount, in the namespace', () => {
    expect(parse(burstKubeconfig(gke, 'tok', 'shop'))).toEqual({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'burst', cluster: gke }],
      users: [{ name: 'istiowatcher', user: { token: 'tok' } }],
      contexts: [{ name: 'burst', context: { cluster: 'burst', user: 'istiowatcher', namespace: 'shop' } }],
      'current-context': 'burst',
    });
  });

  it('is the Secret the watcher mounts, under its key', () => {
    const secret = parse(burstKubeconfigSecret('kubeconfig text', 'shop'));
    expect(secret).toMatchObject({
      kind: 'Secret',
      type: 'Opaque',
      metadata: { name: SECRETS.burstKubeconfig.name, namespace: 'shop' },
    });
    expect(Buffer.from(secret.data[SECRETS.burstKubeconfig.key], 'base64').toString()).toBe('kubeconfig text');
  });

  it('reads the token and its expiry from the TokenRequest', () => {
    const answer = { kind: 'TokenRequest', status: { token: 'tok', expirationTimestamp: '2027-12-07T10:00:00Z' } };
    expect(parseTokenRequest(JSON.stringify(answer))).toEqual({ token: 'tok', expiresAt: '2027-12-07T10:00:00Z' });
  });

  it.each([
    ['not JSON', () => parseTokenRequest('eyJhbGciOi'), /^stdin: expected the JSON of a TokenRequest/],
    ['no token', () => parseTokenRequest('{"status":{}}'), /^stdin: the TokenRequest has no status\.token/],
    ['a cluster entry not JSON', () => parseClusterEntry(''), /^--cluster: expected the JSON/],
    ['a cluster entry without https', () => parseClusterEntry('{"server":"http://x"}'), /^--cluster: .*no https/],
  ])('%s: a clear error', (_name, read, message) => {
    expect(read).toThrow(message);
  });
});
