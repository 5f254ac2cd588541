/**
 * LOCAL_ROUTER=kubernetes: the watcher's objects on the local control plane (tools/control-plane),
 * as a cluster holds them (its ServiceAccount, the generated Role and RoleBinding, the worker
 * route at natural weights); a kubeconfig that authenticates as that ServiceAccount; and the
 * follower that keeps the mesh stand-in's route file equal to the route object there, as istiod
 * would follow it. Pure selection in `watcherObjects` and `serviceAccountKubeconfig`.
 */
import { execFile } from 'node:child_process';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse, parseAllDocuments, stringify } from 'yaml';
import {
  DEFAULT_NAMESPACE,
  ROUTE_KINDS,
  WORKER_ROUTE_NAMES,
  type ControlPlaneEndpoints,
  type RouteKind,
} from '@string-hashr/contract';
import type { Logger } from '@string-hashr/runtime';

/** The watcher's ServiceAccount, as the generated manifests name it. */
export const WATCHER_SERVICE_ACCOUNT = 'istiowatcher';

/** The generated files the objects come from, for each route kind (the manifests' routing flavours). */
export function watcherManifests(kind: RouteKind): { rbac: string; route: string } {
  return kind === 'HTTPRoute'
    ? {
        rbac: 'k8s/routing/gateway-api/primary/istiowatcher.yaml',
        route: 'istio-manifests/states/gateway-api/natural.yaml',
      }
    : {
        rbac: 'k8s/routing/virtualservice/primary/istiowatcher.yaml',
        route: 'istio-manifests/states/natural.yaml',
      };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type KubeObject = { apiVersion?: string; kind?: string; metadata?: { name?: string }; [key: string]: any };

const RBAC_KINDS = new Set(['ServiceAccount', 'Role', 'RoleBinding']);

/**
 * What the watcher needs from its manifests, and nothing that wants a controller or a kubelet:
 * its ServiceAccount, Role and RoleBinding (not its Deployment or Service), and the worker route.
 */
export function watcherObjects(rbacYaml: string, routeYaml: string, kind: RouteKind): KubeObject[] {
  const docs = (text: string) =>
    parseAllDocuments(text)
      .map((d) => d.toJS() as KubeObject | null)
      .filter((d): d is KubeObject => d !== null);
  const rbac = docs(rbacYaml).filter((d) => RBAC_KINDS.has(d.kind ?? ''));
  const missing = [...RBAC_KINDS].filter((k) => !rbac.some((d) => d.kind === k));
  if (missing.length) throw new Error(`the watcher's manifest has no ${missing.join(', ')}`);
  const route = docs(routeYaml).find((d) => d.kind === kind && d.metadata?.name === WORKER_ROUTE_NAMES[kind]);
  if (!route) throw new Error(`no ${kind} ${WORKER_ROUTE_NAMES[kind]} in the route manifest`);
  return [...rbac, route];
}

/** The admin kubeconfig with its user's credentials replaced by a ServiceAccount's token. */
export function serviceAccountKubeconfig(adminKubeconfig: string, token: string, namespace: string): string {
  const config = parse(adminKubeconfig) as {
    users?: Array<{ name: string; user: Record<string, unknown> }>;
    contexts?: Array<{ context: Record<string, unknown> }>;
  };
  if (!config.users?.length || !config.contexts?.length) throw new Error('the admin kubeconfig has no user or context');
  for (const user of config.users) user.user = { token };
  for (const { context } of config.contexts) context.namespace = namespace;
  return stringify(config);
}

export interface LocalClusterFiles {
  /** The watcher's kubeconfig: its ServiceAccount's token, held to the generated Role. */
  watcherKubeconfig: string;
  /** The route file the mesh stand-in reads, kept equal to the route object. */
  routeFile: string;
}

export function localClusterFiles(stateDir: string): LocalClusterFiles {
  return {
    watcherKubeconfig: path.join(stateDir, 'istiowatcher.kubeconfig'),
    routeFile: path.join(stateDir, 'worker-route.yaml'),
  };
}

/**
 * Creates the watcher's objects and writes its kubeconfig, then follows the route into the file;
 * resolves with the function that stops following.
 */
export async function prepareLocalCluster(
  endpoints: ControlPlaneEndpoints,
  options: { repoRoot: string; files: LocalClusterFiles; kind: RouteKind; log: Logger },
): Promise<() => void> {
  const { repoRoot, files, kind, log } = options;
  const kubectl = (args: string[], input?: string) =>
    new Promise<string>((resolve, reject) => {
      const child = execFile(
        path.join(endpoints.bin, 'kubectl'),
        ['--kubeconfig', endpoints.kubeconfig, ...args],
        (err, stdout, stderr) =>
          err ? reject(new Error(`kubectl ${args[0]}: ${stderr || err.message}`)) : resolve(stdout),
      );
      child.stdin?.end(input ?? '');
    });
  const manifests = watcherManifests(kind);
  const objects = watcherObjects(
    readFileSync(path.join(repoRoot, manifests.rbac), 'utf8'),
    readFileSync(path.join(repoRoot, manifests.route), 'utf8'),
    kind,
  );
  await kubectl(
    ['apply', '--server-side', '--field-manager=local-stack', '-f', '-'],
    objects.map((o) => stringify(o)).join('---\n'),
  );
  log.info(`created ${objects.map((o) => `${o.kind} ${o.metadata?.name}`).join(', ')} in ${DEFAULT_NAMESPACE}`);
  const token = (
    await kubectl(['-n', DEFAULT_NAMESPACE, 'create', 'token', WATCHER_SERVICE_ACCOUNT, '--duration=24h'])
  ).trim();
  writeFileSync(
    files.watcherKubeconfig,
    serviceAccountKubeconfig(readFileSync(endpoints.kubeconfig, 'utf8'), token, DEFAULT_NAMESPACE),
    { mode: 0o600 },
  );
  return followRouteObject(endpoints.kubeconfig, kind, files.routeFile, log);
}

/**
 * Watches the worker route and writes it to `file` (by rename, which the stand-in's poll sees) on
 * every change; resolves once the file holds the object. A watch the server ends is started again.
 */
export async function followRouteObject(
  kubeconfig: string,
  kind: RouteKind,
  file: string,
  log: Logger,
): Promise<() => void> {
  // Loaded here, not at the top: it costs every `npm start` a few tenths of a second of CPU, and
  // only LOCAL_ROUTER=kubernetes needs it.
  const { KubeConfig, Watch } = await import('@kubernetes/client-node');
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  const { group, version, plural } = ROUTE_KINDS[kind];
  const name = WORKER_ROUTE_NAMES[kind];
  const collection = `/apis/${group}/${version}/namespaces/${DEFAULT_NAMESPACE}/${plural}`;
  let stopped = false;
  let controller: AbortController | undefined;
  let retry: NodeJS.Timeout | undefined;
  let written: () => void = () => {};
  const first = new Promise<void>((resolve) => (written = resolve));
  const write = (object: KubeObject) => {
    const partial = `${file}.partial`;
    writeFileSync(
      partial,
      `# ${kind} ${name} as the local API server holds it (followed by npm start).\n${stringify(object)}`,
    );
    renameSync(partial, file);
    written();
  };
  const start = async () => {
    // No resourceVersion: the watch opens with the object as it is now (an ADDED event).
    controller = await new Watch(kc).watch(
      collection,
      { fieldSelector: `metadata.name=${name}` },
      (type: string, object: KubeObject) => {
        if (type === 'ADDED' || type === 'MODIFIED') write(object);
        else if (type === 'DELETED') log.warn(`${kind} ${name} was deleted: the mesh stand-in keeps its last weights`);
      },
      (err: unknown) => {
        if (stopped) return;
        if (err)
          log.warn(`the watch of ${kind} ${name} ended: ${(err as Error).message ?? String(err)}; watching again`);
        retry = setTimeout(() => void start().catch(onFailure), err ? 1000 : 0);
      },
    );
  };
  const onFailure = (err: unknown) => {
    if (stopped) return;
    log.warn(`cannot watch ${kind} ${name}: ${(err as Error).message}; trying again`);
    retry = setTimeout(() => void start().catch(onFailure), 1000);
  };
  await start();
  await first;
  return () => {
    stopped = true;
    clearTimeout(retry);
    controller?.abort();
  };
}
