import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Document } from 'yaml';
import { findVirtualService, locateWeights, readWeights, type VirtualServiceLike } from '@string-hashr/kube-objects';
import { checkWeights, weightsEqual, type Weights } from '@string-hashr/policy';
import { type SubsetNames } from '@string-hashr/contract';
import { RouterError, type Router } from './router.js';

/**
 * The VirtualService as a YAML file (the local stack's mesh stand-in follows it). The file may
 * hold several documents; the VirtualService named `name` (or the first one) is the one used.
 * Writes go to a temp file renamed over the original, so a reader never sees half a file, and
 * change only the two weight scalars in the YAML document, keeping comments and layout.
 */
export function fileRouter(options: { path: string; name: string; subsets: SubsetNames }): Router {
  const file = path.resolve(options.path);

  function load(): { docs: Document[]; index: number; vs: VirtualServiceLike } {
    if (!existsSync(file))
      throw new RouterError('not-found', `VirtualService file ${file} does not exist (WATCHER_VS_FILE)`);
    try {
      return findVirtualService(readFileSync(file, 'utf8'), options.name);
    } catch (err) {
      const message = (err as Error).message;
      throw new RouterError(message.startsWith('no VirtualService') ? 'not-found' : 'invalid', `${file}: ${message}`);
    }
  }

  function invalid<T>(fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      throw new RouterError('invalid', `${file}: ${(err as Error).message}`);
    }
  }

  const checkWeightsOrInvalid = (weights: Weights) => invalid(() => checkWeights(weights));

  return {
    description: `file ${file}`,
    async getRoutes() {
      const { vs } = load();
      return invalid(() => readWeights(vs, options.subsets));
    },
    async setRoutes(weights) {
      const { docs, index, vs } = load();
      if (
        weightsEqual(
          invalid(() => readWeights(vs, options.subsets)),
          weights,
        )
      )
        return;
      checkWeightsOrInvalid(weights);
      const at = locateWeights(vs, options.subsets);
      const route = ['spec', 'http', at.httpIndex, 'route'];
      // Only the two scalars change in the YAML document, so comments and layout stay.
      docs[index]?.setIn([...route, at.primaryIndex, 'weight'], weights.primary);
      docs[index]?.setIn([...route, at.burstIndex, 'weight'], weights.burst);
      const text = docs.map((d) => d.toString()).join('');
      const temp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
      writeFileSync(temp, text);
      renameSync(temp, file);
    },
  };
}
