import { type Document, parseAllDocuments } from 'yaml';
import type { RouteKind } from '@string-hashr/contract';
import type { RouteObject } from './route-object.js';
import type { VirtualServiceLike } from './virtual-service.js';

export interface RouteInYaml<T extends RouteObject = RouteObject> {
  /** Every document of the file, so a writer can keep the others and the comments. */
  docs: Document[];
  /** Which document is the route. */
  index: number;
  /** Its kind: the one asked for, or the first route kind found. */
  kind: RouteKind;
  route: T;
}

export interface VirtualServiceInYaml {
  docs: Document[];
  index: number;
  vs: VirtualServiceLike;
}

const ROUTE_KIND_SET: ReadonlySet<string> = new Set<RouteKind>(['VirtualService', 'HTTPRoute']);

/**
 * Finds the worker route in a YAML text of one or more documents (it may share a file with a
 * DestinationRule or Services): of `kind` (any route kind when not given), the one named `name`,
 * else the first. Throws saying what is missing.
 */
export function findRoute(text: string, options: { kind?: RouteKind; name?: string } = {}): RouteInYaml {
  const docs = parseAllDocuments(text) as Document[];
  for (const doc of docs) {
    const [error] = doc.errors;
    if (error) throw new Error(`not valid YAML: ${error.message}`);
  }
  const objects = docs.map((d) => d.toJS() as RouteObject | null);
  const ofKind = (o: RouteObject | null) =>
    typeof o?.kind === 'string' && (options.kind === undefined ? ROUTE_KIND_SET.has(o.kind) : o.kind === options.kind);
  let index =
    options.name === undefined ? -1 : objects.findIndex((o) => ofKind(o) && o?.metadata?.name === options.name);
  if (index < 0) index = objects.findIndex(ofKind);
  const route = objects[index];
  if (!route) throw new Error(`no ${options.kind ?? 'VirtualService or HTTPRoute'} in the file`);
  return { docs, index, kind: route.kind as RouteKind, route };
}

/** findRoute for a VirtualService, under the names its older callers use. */
export function findVirtualService(text: string, name?: string): VirtualServiceInYaml {
  const { docs, index, route } = findRoute(text, { kind: 'VirtualService', ...(name === undefined ? {} : { name }) });
  return { docs, index, vs: route as VirtualServiceLike };
}
