import { type Document, parseAllDocuments } from 'yaml';
import type { VirtualServiceLike } from './virtual-service.js';

export interface VirtualServiceInYaml {
  /** Every document of the file, so a writer can keep the others and the comments. */
  docs: Document[];
  /** Which document is the VirtualService. */
  index: number;
  vs: VirtualServiceLike;
}

/**
 * Finds the VirtualService in a YAML text of one or more documents (it may share a file with a
 * DestinationRule, as in the codelab's worker-virtualservice.yaml): the one named `name`, else
 * the first. Throws saying what is missing.
 */
export function findVirtualService(text: string, name?: string): VirtualServiceInYaml {
  const docs = parseAllDocuments(text) as Document[];
  for (const doc of docs) {
    const [error] = doc.errors;
    if (error) throw new Error(`not valid YAML: ${error.message}`);
  }
  const objects = docs.map((d) => d.toJS() as VirtualServiceLike | null);
  let index =
    name === undefined ? -1 : objects.findIndex((o) => o?.kind === 'VirtualService' && o.metadata?.name === name);
  if (index < 0) index = objects.findIndex((o) => o?.kind === 'VirtualService');
  const vs = objects[index];
  if (!vs) throw new Error('no VirtualService in the file');
  return { docs, index, vs };
}
