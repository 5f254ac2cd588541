import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Scalar, type Document } from 'yaml';
import {
  findRoute,
  readRouteState,
  writtenAnnotations,
  type RouteObject,
  type RouteState,
} from '@string-hashr/kube-objects';
import { checkWeights } from '@string-hashr/policy';
import { flavourOfRoute, type RouteRef } from '../config.js';
import { RouterError, type Router } from './router.js';

/**
 * The worker route (a VirtualService or an HTTPRoute) as a YAML file: the local stack's mesh
 * stand-in follows it. The file may hold several documents; the route of the kind named
 * `route.name` (or the first of the kind) is the one used. A write changes only the two weight
 * scalars and the watcher's annotations in the YAML document, keeping comments and layout, and
 * goes to a temp file renamed over the original, so a reader never sees half a file. The version
 * is a digest of the text: a write finds the file as it was read, or is a conflict.
 */
export function fileRouter(options: { path: string; route: Pick<RouteRef, 'kind' | 'name' | 'subsets'> }): Router {
  const file = path.resolve(options.path);
  const { kind, name } = options.route;
  const flavour = flavourOfRoute(options.route);

  function load(): { text: string; docs: Document[]; index: number; route: RouteObject } {
    if (!existsSync(file))
      throw new RouterError('not-found', `${kind} file ${file} does not exist (WATCHER_ROUTE_FILE)`);
    const text = readFileSync(file, 'utf8');
    try {
      return { text, ...findRoute(text, { kind, name }) };
    } catch (err) {
      const message = (err as Error).message;
      throw new RouterError(message.startsWith(`no ${kind}`) ? 'not-found' : 'invalid', `${file}: ${message}`);
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
  const stateOf = (text: string, route: RouteObject): RouteState => ({
    ...invalid(() => readRouteState(route, flavour)),
    version: digest(text),
  });

  return {
    description: `file ${file}`,
    async read() {
      const { text, route } = load();
      return stateOf(text, route);
    },
    async write(write) {
      const { text, docs, index, route } = load();
      const doc = docs[index];
      const before = stateOf(text, route);
      if (write.expect.version !== undefined && write.expect.version !== before.version)
        throw new RouterError('conflict', `${file} changed since it was read`);
      if (write.expect.owner !== undefined && write.expect.owner !== before.owner)
        throw new RouterError(
          'conflict',
          `${file} is owned by ${before.owner ?? 'nobody'}, not ${write.expect.owner} as expected`,
        );
      if (!doc) throw new RouterError('invalid', `${file}: the ${kind} document is gone`);
      for (const [key, value] of Object.entries(writtenAnnotations(write))) {
        // Quoted, so a YAML 1.1 reader (kubectl) does not take a time or "true" for another type.
        const scalar = new Scalar(value);
        scalar.type = Scalar.QUOTE_DOUBLE;
        doc.setIn(['metadata', 'annotations', key], scalar);
      }
      if (write.change) {
        const { weights } = write.change;
        invalid(() => checkWeights(weights));
        const at = invalid(() => flavour.locate(route));
        doc.setIn(at.primary.path, weights.primary);
        doc.setIn(at.burst.path, weights.burst);
      }
      const written = docs.map((d) => d.toString()).join('');
      const temp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
      writeFileSync(temp, written);
      renameSync(temp, file);
      return stateOf(written, doc.toJS() as RouteObject);
    },
    // No Events beside a file: the watcher's log says the same.
    async record() {},
    async close() {},
  };
}
