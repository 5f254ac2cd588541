import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { NATURAL, type Weights } from '@string-hashr/policy';
import { findVirtualService, withWeights } from '@string-hashr/kube-objects';
import { WORKER_VIRTUAL_SERVICE } from '@string-hashr/contract';

const generated = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../../istio-manifests/states/natural.yaml',
);

/**
 * The worker VirtualService exactly as `npm run manifests` generates it, at the given weights:
 * the format the watcher's file router and the mesh stand-in read.
 */
export function workerVirtualServiceYaml(weights: Weights = NATURAL): string {
  return stringify(
    withWeights(findVirtualService(readFileSync(generated, 'utf8'), WORKER_VIRTUAL_SERVICE).vs, weights),
  );
}
