// The workspace's package-lock.json cut down to what one bundle needs: the packages reachable
// from the bundle's dependencies, each at the same node_modules path with its resolved and
// integrity fields, so `npm ci --omit=dev` beside the bundle installs exactly the tree the
// workspace tested with, byte for byte. Pure: no file system, no npm.

/**
 * @typedef {{ optional?: boolean }} PeerMeta
 * @typedef {{
 *   name?: string, version?: string, resolved?: string, integrity?: string, link?: boolean,
 *   dev?: boolean, optional?: boolean, devOptional?: boolean, peer?: boolean,
 *   dependencies?: Record<string, string>, optionalDependencies?: Record<string, string>,
 *   peerDependencies?: Record<string, string>, peerDependenciesMeta?: Record<string, PeerMeta>,
 *   [field: string]: unknown
 * }} LockEntry
 * @typedef {{ name?: string, version?: string, lockfileVersion?: number, requires?: boolean, packages?: Record<string, LockEntry> }} Lockfile
 * @typedef {{ name: string, version: string, dependencies: Record<string, string>, engines?: Record<string, string> }} Manifest
 * @typedef {{ name: string, optional: boolean, peer: boolean }} Edge
 */

/** Where npm finds `name` from the package at `from` ("" is the root): from/node_modules/name, else the same from each parent up. */
export function resolveLocation(packages, from, name) {
  for (let at = from; ; at = parentLocation(at)) {
    const candidate = at ? `${at}/node_modules/${name}` : `node_modules/${name}`;
    if (Object.hasOwn(packages, candidate)) return candidate;
    if (!at) return undefined;
  }
}

/** "node_modules/a/node_modules/@s/b" -> "node_modules/a"; "node_modules/a" -> "". */
function parentLocation(location) {
  const at = location.lastIndexOf('node_modules/');
  return at <= 0 ? '' : location.slice(0, at - 1);
}

/** The dependency edges npm installs for an entry; optional peers are left out: npm places one only when something else needs it. */
function edgesOf(entry) {
  /** @type {Edge[]} */
  const edges = [];
  const optionals = entry.optionalDependencies ?? {};
  for (const name of Object.keys(entry.dependencies ?? {}))
    if (!Object.hasOwn(optionals, name)) edges.push({ name, optional: false, peer: false });
  for (const name of Object.keys(optionals)) edges.push({ name, optional: true, peer: false });
  for (const name of Object.keys(entry.peerDependencies ?? {})) {
    if (!entry.peerDependenciesMeta?.[name]?.optional) edges.push({ name, optional: false, peer: true });
  }
  return edges;
}

const EXACT_VERSION = /^\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.+-]*)?$/;

/**
 * A lockfile (v3) for `manifest` holding only the entries of `lockfile` reachable from
 * manifest.dependencies. Dependency flags are recomputed as npm does (optional / peer when every
 * path to the package is an optional / peer edge; nothing is dev, the manifest has no devDependencies).
 * Throws when a required dependency is not in the lockfile, or the lockfile disagrees with an exact version.
 * @param {Lockfile} lockfile
 * @param {Manifest} manifest
 * @returns {Lockfile}
 */
export function pruneLockfile(lockfile, manifest) {
  const packages = lockfile.packages;
  if (!packages || (lockfile.lockfileVersion ?? 1) < 2) {
    throw new Error(
      `package-lock.json has lockfileVersion ${lockfile.lockfileVersion ?? 1} and no "packages" map: regenerate it with npm 7 or later`,
    );
  }
  /** @type {Map<string, { optional: boolean, peer: boolean }>} */
  const flags = new Map();
  /** @type {string[]} */
  const queue = [];
  const reach = (location, optional, peer) => {
    const seen = flags.get(location);
    const next = { optional: (seen?.optional ?? true) && optional, peer: (seen?.peer ?? true) && peer };
    if (seen && seen.optional === next.optional && seen.peer === next.peer) return;
    flags.set(location, next);
    queue.push(location);
  };
  const missing = (name, from) =>
    new Error(
      (from
        ? `${from} needs ${name}, which package-lock.json has neither at ${from}/node_modules/${name} nor in any parent's node_modules`
        : `${manifest.name} needs ${name}, which package-lock.json does not have at node_modules/${name}`) +
        ': run `npm install` so the lockfile matches package.json and node_modules',
    );

  for (const [name, spec] of Object.entries(manifest.dependencies)) {
    const location = resolveLocation(packages, '', name);
    if (!location) throw missing(name, '');
    const locked = packages[location]?.version;
    if (EXACT_VERSION.test(spec) && locked !== spec) {
      throw new Error(
        `${manifest.name} needs ${name}@${spec} but package-lock.json has ${name}@${locked}: run \`npm ci\` so node_modules matches the lockfile`,
      );
    }
    reach(location, false, false);
  }
  for (let location = queue.pop(); location !== undefined; location = queue.pop()) {
    const entry = packages[location] ?? {};
    if (entry.link)
      throw new Error(
        `${location} is a link (a workspace or file: dependency): a bundle can only depend on registry packages`,
      );
    const from = flags.get(location) ?? { optional: false, peer: false };
    for (const edge of edgesOf(entry)) {
      const target = resolveLocation(packages, location, edge.name);
      if (!target) {
        // npm records every optional dependency it knows of; one it could not resolve is skipped, as npm does.
        if (edge.optional) continue;
        throw missing(edge.name, location);
      }
      reach(target, from.optional || edge.optional, from.peer || edge.peer);
    }
  }

  /** @type {Record<string, LockEntry>} */
  const kept = {
    '': {
      name: manifest.name,
      version: manifest.version,
      dependencies: manifest.dependencies,
      ...(manifest.engines ? { engines: manifest.engines } : {}),
    },
  };
  for (const [location, entry] of Object.entries(packages)) {
    const flag = flags.get(location);
    if (!flag) continue;
    const { dev: _dev, optional: _optional, devOptional: _devOptional, peer: _peer, ...rest } = entry;
    kept[location] = { ...rest, ...(flag.optional ? { optional: true } : {}), ...(flag.peer ? { peer: true } : {}) };
  }
  return { name: manifest.name, version: manifest.version, lockfileVersion: 3, requires: true, packages: kept };
}
