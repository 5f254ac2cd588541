/**
 * Which CRDs a control plane gets. All of them by default; a start that names some gets only
 * those: each CRD costs the API server CPU to install and serve (Istio's are large), and a test
 * of the watcher needs only its route kind's.
 */

/** The CRD documents of `files` (YAML texts, `---` between documents) named in `names`, as one stream. */
export function selectCrds(files: string[], names: readonly string[]): string {
  const wanted = new Set(names);
  const kept = files
    .flatMap((text) => text.split(/^---[ \t]*$/m))
    .filter((doc) => {
      const name = crdName(doc);
      return name !== undefined && wanted.has(name);
    });
  const found = new Set(kept.map(crdName));
  const missing = names.filter((name) => !found.has(name));
  if (missing.length > 0) throw new Error(`no such CRD in the build: ${missing.join(', ')}`);
  return kept.map((doc) => doc.trim()).join('\n---\n');
}

/** A CustomResourceDefinition's `metadata.name` (undefined for any other document). */
export function crdName(doc: string): string | undefined {
  if (!/^kind:[ \t]*CustomResourceDefinition[ \t]*$/m.test(doc)) return undefined;
  const metadata = /^metadata:[ \t]*\n((?:[ \t]+.*\n?|[ \t]*\n)*)/m.exec(doc)?.[1] ?? '';
  return /^[ ]{2}name:[ \t]*['"]?([^'"\s]+)/m.exec(metadata)?.[1];
}

/** Whether every CRD of a `kubectl get crd -o json` list is Established (a new one has no conditions yet). */
export function crdsEstablished(list: {
  items?: Array<{ status?: { conditions?: Array<{ type?: string; status?: string }> } }>;
}): boolean {
  return (list.items ?? []).every((crd) =>
    (crd.status?.conditions ?? []).some((c) => c.type === 'Established' && c.status === 'True'),
  );
}
