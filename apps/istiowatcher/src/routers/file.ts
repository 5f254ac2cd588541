import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Scalar, type Document } from 'yaml';
import {
  findVirtualService,
  locateWeights,
  readRouteState,
  writtenAnnotations,
  type RouteState,
  type VirtualServiceLike,
} from '@string-hashr/kube-objects';
import { checkWeights } from '@string-hashr/policy';
import { type SubsetNames } from '@string-hashr/contract';
import { RouterError, type Router } from './router.js';

/**
 * The VirtualService as a YAML file (the local stack's mesh stand-in follows it). The file may
 * hold several documents; the VirtualService named `name` (or the first one) is the one used.
 * A write changes only the two weight scalars and the watcher's annotations in the YAML
 * document, keeping comments and layout, and goes to a temp file renamed over the original, so
 * a reader never sees half a file. The version is a digest of the text: a write finds the file
 * as it was read, or is a conflict.
 */
export function fileRouter(options: { path: string; name: string; subsets: SubsetNames }): Router {
  const file = path.resolve(options.path);

  function load(): { text: string; docs: Document[]; index: number; vs: VirtualServiceLike } {
    if (!existsSync(file))
      throw new RouterError('not-found', `VirtualService file ${file} does not exist (WATCHER_VS_FILE)`);
    const text = readFileSync(file, 'utf8');
    try {
      return { text, ...findVirtualService(text, options.name) };
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

  const digest = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 16);
  const stateOf = (text: string, vs: VirtualServiceLike): RouteState => ({
    ...invalid(() => readRouteState(vs, options.subsets)),
    version: digest(text),
  });

  return {
    description: `file ${file}`,
    async read() {
      const { text, vs } = load();
      return stateOf(text, vs);
    },
    async write(write) {
      const { text, docs, index, vs } = load();
      const doc = docs[index];
      const before = stateOf(text, vs);
      if (write.expect.version !== undefined && write.expect.version !== before.version)
        throw new RouterError('conflict', `${file} changed since it was read`);
      if (write.expect.owner !== undefined && write.expect.owner !== before.owner)
        throw new RouterError(
          'conflict',
          `${file} is owned by ${before.owner ?? 'nobody'}, not ${write.expect.owner} as expected`,
        );
      if (!doc) throw new RouterError('invalid', `${file}: the VirtualService document is gone`);
      for (const [key, value] of Object.entries(writtenAnnotations(write))) {
        // Quoted, so a YAML 1.1 reader (kubectl) does not take a time or "true" for another type.
        const scalar = new Scalar(value);
        scalar.type = Scalar.QUOTE_DOUBLE;
        doc.setIn(['metadata', 'annotations', key], scalar);
      }
      if (write.change) {
        const { weights } = write.change;
        invalid(() => checkWeights(weights));
        const at = invalid(() => locateWeights(vs, options.subsets));
        const route = ['spec', 'http', at.httpIndex, 'route'];
        doc.setIn([...route, at.primaryIndex, 'weight'], weights.primary);
        doc.setIn([...route, at.burstIndex, 'weight'], weights.burst);
      }
      const written = docs.map((d) => d.toString()).join('');
      const temp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
      writeFileSync(temp, written);
      renameSync(temp, file);
      return stateOf(written, doc.toJS() as VirtualServiceLike);
    },
    // No Events beside a file: the watcher's log says the same.
    async record() {},
    async close() {},
  };
}
