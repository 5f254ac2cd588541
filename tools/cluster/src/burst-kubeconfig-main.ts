/**
 * kubectl create token ... -o json | node tools/build/run-ts.mjs tools/cluster/src/burst-kubeconfig-main.ts \
 *   --cluster '<cluster entry JSON>' --namespace NS    # prints the Secret; the token never is an argument
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { burstKubeconfig, burstKubeconfigSecret, parseClusterEntry, parseTokenRequest } from './burst-kubeconfig.js';

try {
  const { values } = parseArgs({ options: { cluster: { type: 'string' }, namespace: { type: 'string' } } });
  if (!values.cluster || !values.namespace)
    throw new Error('usage: --cluster JSON --namespace NS, the TokenRequest on stdin');
  const cluster = parseClusterEntry(values.cluster);
  const { token, expiresAt } = parseTokenRequest(readFileSync(0, 'utf8'));
  process.stdout.write(burstKubeconfigSecret(burstKubeconfig(cluster, token, values.namespace), values.namespace));
  console.error(`# the watcher's burst token expires at ${expiresAt}: deploy again before then`);
} catch (err) {
  console.error(`burst-kubeconfig: ${(err as Error).message}`);
  process.exitCode = 1;
}
