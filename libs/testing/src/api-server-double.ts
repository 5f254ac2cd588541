// A test double of the Kubernetes API server: a real HTTP server that @kubernetes/client-node and
// the real kubectl talk to through an ordinary kubeconfig. It behaves like the API server for the
// calls the watcher and `kubectl apply` / `create` / `get` make, and only those:
// - discovery (/api, /apis, the resource lists) for the kinds the manifests hold;
// - objects stored by group, resource, namespace and name; every write bumps one global
//   resourceVersion; create (POST, `generateName` too), get, list (fieldSelector
//   metadata.name=...), update (PUT, 409 on a stale resourceVersion), JSON Patch (RFC 6902: `test`
//   ops failing with 422 and the API server's Status and causes), JSON merge patch (and, for
//   built-in kinds, a strategic merge patch applied as one), delete; JSON bodies only (kubectl's
//   typed `create secret` sends protobuf: the cluster test renders it to JSON first);
// - watch (`?watch=true`) from a resourceVersion, replaying what happened since; a version older
//   than the history kept answers a 410 Expired ERROR event, as the API server's watch cache does;
//   bookmarks and server-side timeouts;
// - errors as `Status` objects.
// Every call is recorded with its RBAC verb, resource, name (for list and watch: the
// fieldSelector's, as RBAC reads it) and user (the bearer token), so tests can check each call
// against the generated Role, and every write with its writer.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isDeepStrictEqual } from 'node:util';
import type { KubeConfig } from '@kubernetes/client-node';

export interface RecordedCall {
  apiGroup: string;
  resource: string;
  verb: string;
  namespace: string;
  name?: string;
  /** The bearer token, which stands for the caller. */
  user: string;
  status: number;
  /** Method and URL, as sent. */
  request?: string;
  /** The request body of a write (for a JSON Patch: its ops). */
  body?: unknown;
}

type Json = Record<string, unknown>;

class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly causes: Array<{ reason: string; message: string; field?: string }> = [],
  ) {
    super(message);
  }
}

/** A JSON Patch that does not apply: 422 as the API server's patch handler answers it (the detail in a cause). */
const patchFailed = (detail: string) =>
  new ApiError(422, 'Invalid', 'the server rejected our request due to an error in our request', [
    { reason: 'UnexpectedServerResponse', message: detail },
  ]);

/** The kinds this double serves: group/version -> [plural, kind, namespaced]. */
const RESOURCES: Record<string, Array<[plural: string, kind: string, namespaced: boolean]>> = {
  v1: [
    ['namespaces', 'Namespace', false],
    ['services', 'Service', true],
    ['serviceaccounts', 'ServiceAccount', true],
    ['events', 'Event', true],
    ['secrets', 'Secret', true],
    ['configmaps', 'ConfigMap', true],
  ],
  'apps/v1': [['deployments', 'Deployment', true]],
  'autoscaling/v2': [['horizontalpodautoscalers', 'HorizontalPodAutoscaler', true]],
  'networking.k8s.io/v1': [['networkpolicies', 'NetworkPolicy', true]],
  'rbac.authorization.k8s.io/v1': [
    ['roles', 'Role', true],
    ['rolebindings', 'RoleBinding', true],
  ],
  'coordination.k8s.io/v1': [['leases', 'Lease', true]],
  'networking.istio.io/v1': [
    ['gateways', 'Gateway', true],
    ['virtualservices', 'VirtualService', true],
    ['destinationrules', 'DestinationRule', true],
  ],
  'networking.istio.io/v1beta1': [
    ['gateways', 'Gateway', true],
    ['virtualservices', 'VirtualService', true],
    ['destinationrules', 'DestinationRule', true],
  ],
  'security.istio.io/v1': [
    ['peerauthentications', 'PeerAuthentication', true],
    ['authorizationpolicies', 'AuthorizationPolicy', true],
  ],
  'gateway.networking.k8s.io/v1': [
    ['gateways', 'Gateway', true],
    ['httproutes', 'HTTPRoute', true],
    ['referencegrants', 'ReferenceGrant', true],
  ],
  'monitoring.coreos.com/v1': [['prometheusrules', 'PrometheusRule', true]],
};

const groupOf = (gv: string) => (gv.includes('/') ? (gv.split('/')[0] ?? '') : '');
const kindOf = (gv: string, plural: string) => RESOURCES[gv]?.find(([p]) => p === plural)?.[1];

function discovery(path: string): unknown {
  if (path === '/api') return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [] };
  if (path === '/version') return { major: '1', minor: '32', gitVersion: 'v1.32.0' };
  if (path === '/apis') {
    const groups = new Map<string, string[]>();
    for (const gv of Object.keys(RESOURCES).filter((g) => g.includes('/'))) {
      const [group = '', version = ''] = gv.split('/');
      groups.set(group, [...(groups.get(group) ?? []), version]);
    }
    return {
      kind: 'APIGroupList',
      apiVersion: 'v1',
      groups: [...groups].map(([name, versions]) => ({
        name,
        versions: versions.map((version) => ({ groupVersion: `${name}/${version}`, version })),
        preferredVersion: { groupVersion: `${name}/${versions[0]}`, version: versions[0] },
      })),
    };
  }
  const gv = path === '/api/v1' ? 'v1' : path.startsWith('/apis/') ? path.slice('/apis/'.length) : undefined;
  if (gv && RESOURCES[gv])
    return {
      kind: 'APIResourceList',
      apiVersion: 'v1',
      groupVersion: gv,
      resources: RESOURCES[gv].map(([name, kind, namespaced]) => ({
        name,
        singularName: kind.toLowerCase(),
        namespaced,
        kind,
        verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
      })),
    };
  return undefined;
}

/** RFC 6902 on a copy, with the API server's (evanphx/json-patch) messages. */
export function applyJsonPatch(object: Json, ops: Array<{ op: string; path: string; value?: unknown }>): Json {
  if (!Array.isArray(ops)) throw new ApiError(400, 'BadRequest', 'the patch is not a JSON array of operations');
  const doc = structuredClone(object);
  for (const op of ops) {
    const parts = String(op.path)
      .split('/')
      .slice(1)
      .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
    const last = parts.pop() ?? '';
    let parent: unknown = doc;
    for (const part of parts) {
      parent = parent && typeof parent === 'object' ? (parent as Record<string, unknown>)[part] : undefined;
      if (parent === undefined || parent === null) {
        if (op.op === 'test')
          throw patchFailed(`test operation does not apply: is missing path: ${op.path}: missing value`);
        throw patchFailed(`${op.op} operation does not apply: doc is missing path: "${op.path}": missing value`);
      }
    }
    const container = parent as Record<string, unknown>;
    const key = Array.isArray(container) && last === '-' ? String(container.length) : last;
    switch (op.op) {
      case 'test':
        if (!isDeepStrictEqual(container[key], op.value))
          throw patchFailed(`testing value ${op.path} failed: test failed`);
        break;
      case 'replace':
        if (!(key in container))
          throw patchFailed(`replace operation does not apply: doc is missing key: ${op.path}: missing value`);
        container[key] = op.value;
        break;
      case 'add':
        if (Array.isArray(container)) container.splice(Number(key), 0, op.value);
        else container[key] = op.value;
        break;
      case 'remove':
        if (!(key in container))
          throw patchFailed(`remove operation does not apply: doc is missing key: ${op.path}: missing value`);
        if (Array.isArray(container)) container.splice(Number(key), 1);
        else delete container[key];
        break;
      default:
        throw new ApiError(400, 'BadRequest', `Unexpected kind: ${op.op}`);
    }
  }
  return doc;
}

/** RFC 7386 JSON merge patch. */
function mergePatch(target: unknown, patch: unknown): unknown {
  if (!patch || typeof patch !== 'object' || Array.isArray(patch)) return structuredClone(patch);
  const out: Json =
    target && typeof target === 'object' && !Array.isArray(target) ? structuredClone(target as Json) : {};
  for (const [k, v] of Object.entries(patch as Json)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

interface Route {
  gv: string;
  group: string;
  plural: string;
  namespace: string;
  name?: string;
}

function route(pathname: string): Route | undefined {
  const m =
    /^\/api\/v1\/(?:namespaces\/([^/]+)\/)?([a-z]+)(?:\/([^/]+))?$/.exec(pathname) ??
    /^\/apis\/([^/]+\/[^/]+)\/(?:namespaces\/([^/]+)\/)?([a-z]+)(?:\/([^/]+))?$/.exec(pathname);
  if (!m) return undefined;
  const core = pathname.startsWith('/api/');
  const gv = core ? 'v1' : (m[1] ?? '');
  const [namespace, plural, name] = core ? [m[1], m[2], m[3]] : [m[2], m[3], m[4]];
  if (!plural || !kindOf(gv, plural)) return undefined;
  if (namespace === undefined && plural !== 'namespaces') return undefined;
  return { gv, group: groupOf(gv), plural, namespace: namespace ?? '', name: name && decodeURIComponent(name) };
}

interface WatchEvent {
  rv: number;
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  bucket: string;
  object: Json;
}

interface OpenWatch {
  bucket: string;
  name?: string;
  bookmarks: boolean;
  res: ServerResponse;
  end(): void;
}

export interface StalledRequest {
  /** The request has come in (its body read). */
  arrived: Promise<void>;
  /** The client closed the connection before the double answered (a deadline that aborts). */
  aborted: Promise<void>;
  /** Answer it now (the write is applied, as by an API server that got it anyway). */
  release(): void;
}

export async function startApiServerDouble() {
  // Loaded here, not at the top: every integration file imports this library, and the client takes
  // a second of CPU to load in each test worker; only the files that start a double need it.
  const { KubeConfig } = await import('@kubernetes/client-node');
  let resourceVersion = 1000;
  const nextVersion = () => ++resourceVersion;
  /** bucket (group/plural/namespace) -> name -> object */
  const store = new Map<string, Map<string, Json>>();
  const history: WatchEvent[] = [];
  /** Watches from a version before this answer 410 Expired. */
  let oldestKept = resourceVersion;
  const watches = new Set<OpenWatch>();
  const calls: RecordedCall[] = [];
  const forbidden = new Set<string>();
  let conflictsToInject = 0;
  let invalidNext: { field: string; message: string } | undefined;
  let beforePatch: (() => void) | undefined;
  const stalls: Array<{
    verb: string;
    resource: string;
    hold: Promise<void>;
    stall: StalledRequest;
    arrived(): void;
    aborted(): void;
  }> = [];

  const bucketOf = (r: Pick<Route, 'group' | 'plural' | 'namespace'>) => `${r.group}/${r.plural}/${r.namespace}`;
  const objectsIn = (bucket: string) => {
    let objects = store.get(bucket);
    if (!objects) store.set(bucket, (objects = new Map()));
    return objects;
  };
  const readBody = async (req: IncomingMessage) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString();
    if (!text) return undefined;
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new ApiError(400, 'BadRequest', `the body of the request is not JSON: ${text.slice(0, 80)}`);
    }
  };
  const qualified = (r: Route) => (r.group ? `${r.plural}.${r.group}` : r.plural);
  const notFound = (r: Route, name: string) => new ApiError(404, 'NotFound', `${qualified(r)} "${name}" not found`);
  const conflict = (r: Route, name: string) =>
    new ApiError(
      409,
      'Conflict',
      `Operation cannot be fulfilled on ${qualified(r)} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
    );

  function emit(type: WatchEvent['type'], bucket: string, object: Json): void {
    const rv = Number((object.metadata as Json).resourceVersion);
    const event: WatchEvent = { rv, type, bucket, object: structuredClone(object) };
    history.push(event);
    for (const w of watches) send(w, event);
  }

  function send(w: OpenWatch, event: WatchEvent): void {
    if (w.bucket !== event.bucket) return;
    if (w.name !== undefined && (event.object.metadata as Json).name !== w.name) return;
    w.res.write(JSON.stringify({ type: event.type, object: event.object }) + '\n');
  }

  /** Stores `object` at a new resourceVersion and tells the watches. */
  function save(r: Route, object: Json, type: 'ADDED' | 'MODIFIED'): Json {
    const meta = object.metadata as Json;
    meta.resourceVersion = String(nextVersion());
    objectsIn(bucketOf(r)).set(meta.name as string, object);
    emit(type, bucketOf(r), object);
    return object;
  }

  function openWatch(req: IncomingMessage, res: ServerResponse, r: Route, url: URL, name: string | undefined): void {
    const from = url.searchParams.get('resourceVersion');
    const timeoutSeconds = Number(url.searchParams.get('timeoutSeconds') ?? 0);
    // Headers at once, as the API server sends them: a client waits for them before it watches.
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' }).flushHeaders();
    const w: OpenWatch = {
      bucket: bucketOf(r),
      name,
      bookmarks: url.searchParams.get('allowWatchBookmarks') === 'true',
      res,
      end: () => {
        clearTimeout(timer);
        watches.delete(w);
        res.end();
      },
    };
    const timer = timeoutSeconds > 0 ? setTimeout(() => w.end(), timeoutSeconds * 1000) : undefined;
    req.on('close', () => {
      clearTimeout(timer);
      watches.delete(w);
    });
    if (from && from !== '0' && Number(from) < oldestKept) {
      res.write(
        JSON.stringify({
          type: 'ERROR',
          object: {
            kind: 'Status',
            apiVersion: 'v1',
            metadata: {},
            status: 'Failure',
            message: `too old resource version: ${from} (${oldestKept})`,
            reason: 'Expired',
            code: 410,
          },
        }) + '\n',
      );
      w.end();
      return;
    }
    if (!from || from === '0') {
      for (const object of objectsIn(w.bucket).values())
        send(w, { rv: 0, type: 'ADDED', bucket: w.bucket, object: structuredClone(object) });
    } else {
      for (const event of history) if (event.rv > Number(from)) send(w, event);
    }
    watches.add(w);
  }

  async function handle(
    req: IncomingMessage,
    res: ServerResponse,
    call: RecordedCall,
  ): Promise<{ code: number; body: unknown } | 'streaming'> {
    const url = new URL(req.url ?? '/', 'http://double');
    if (req.method === 'GET') {
      const found = discovery(url.pathname);
      if (found) return { code: 200, body: found };
    }
    const r = route(url.pathname);
    if (!r) {
      Object.assign(call, { verb: (req.method ?? '').toLowerCase(), resource: url.pathname });
      throw new ApiError(
        404,
        'NotFound',
        `the server could not find the requested resource (${req.method} ${url.pathname})`,
      );
    }
    const watch = ['true', '1'].includes(url.searchParams.get('watch') ?? '');
    const selected = /^metadata\.name=(.+)$/.exec(url.searchParams.get('fieldSelector') ?? '')?.[1];
    const verb = r.name
      ? ({ GET: 'get', PATCH: 'patch', PUT: 'update', DELETE: 'delete' }[req.method ?? ''] ?? '?')
      : req.method === 'POST'
        ? 'create'
        : req.method === 'GET'
          ? watch
            ? 'watch'
            : 'list'
          : '?';
    // RBAC reads the name of a list or watch from its fieldSelector, as the API server does.
    const name = r.name ?? (verb === 'list' || verb === 'watch' ? selected : undefined);
    Object.assign(call, { verb, apiGroup: r.group, resource: r.plural, namespace: r.namespace, name });

    if (forbidden.has(`${verb} ${r.plural}`)) {
      const object = name ? `${qualified(r)} "${name}"` : qualified(r);
      throw new ApiError(
        403,
        'Forbidden',
        `${object} is forbidden: User "system:serviceaccount:default:istiowatcher" cannot ${verb} resource "${r.plural}" in API group "${r.group}" in the namespace "${r.namespace}"`,
      );
    }
    const objects = objectsIn(bucketOf(r));

    if (verb === 'watch') {
      openWatch(req, res, r, url, selected);
      return 'streaming';
    }
    if (verb === 'list') {
      const items = [...objects.values()].filter(
        (o) => selected === undefined || (o.metadata as Json).name === selected,
      );
      return {
        code: 200,
        body: {
          kind: `${kindOf(r.gv, r.plural)}List`,
          apiVersion: r.gv,
          metadata: { resourceVersion: String(resourceVersion) },
          items,
        },
      };
    }
    if (verb === 'create') {
      const body = (await readBody(req)) as Json | undefined;
      call.body = body;
      const meta = (body?.metadata ?? {}) as Json;
      const objectName =
        (meta.name as string | undefined) ??
        (meta.generateName ? `${meta.generateName}${randomBytes(5).toString('hex')}` : undefined);
      if (!body || !objectName)
        throw new ApiError(
          422,
          'Invalid',
          `${kindOf(r.gv, r.plural)} is invalid: metadata.name: Required value: name or generateName is required`,
        );
      if (objects.has(objectName))
        throw new ApiError(409, 'AlreadyExists', `${qualified(r)} "${objectName}" already exists`);
      const object: Json = {
        ...body,
        apiVersion: r.gv,
        kind: kindOf(r.gv, r.plural),
        metadata: {
          ...meta,
          name: objectName,
          ...(r.namespace ? { namespace: r.namespace } : {}),
          uid: randomBytes(8).toString('hex'),
          generation: 1,
          creationTimestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
        },
      };
      return { code: 201, body: save(r, object, 'ADDED') };
    }

    const objectName = r.name ?? '';
    const stored = objects.get(objectName);
    if (verb === 'get') {
      if (!stored) throw notFound(r, objectName);
      return { code: 200, body: stored };
    }
    if (verb === 'delete') {
      if (!stored) throw notFound(r, objectName);
      objects.delete(objectName);
      const meta = stored.metadata as Json;
      meta.resourceVersion = String(nextVersion());
      emit('DELETED', bucketOf(r), stored);
      return { code: 200, body: { kind: 'Status', apiVersion: 'v1', status: 'Success', metadata: {} } };
    }
    if (verb === 'update') {
      const body = (await readBody(req)) as Json;
      call.body = body;
      if (!stored) throw notFound(r, objectName);
      if ((body.metadata as Json | undefined)?.resourceVersion !== (stored.metadata as Json).resourceVersion)
        throw conflict(r, objectName);
      const object: Json = { ...body, metadata: { ...(stored.metadata as Json), ...(body.metadata as Json) } };
      if (!isDeepStrictEqual(object.spec, stored.spec))
        (object.metadata as Json).generation = (((stored.metadata as Json).generation as number) ?? 1) + 1;
      return { code: 200, body: save(r, object, 'MODIFIED') };
    }
    if (verb === 'patch') {
      const type = (req.headers['content-type'] ?? '').split(';')[0] ?? '';
      const custom = r.group.endsWith('istio.io');
      // Custom resources take no strategic merge patch, as on the API server. For built-in kinds
      // it is applied as a JSON merge patch: the same for the maps kubectl sends here (a list
      // with merge keys would be replaced whole, not merged).
      const accepted = ['application/json-patch+json', 'application/merge-patch+json'];
      if (!custom) accepted.push('application/strategic-merge-patch+json');
      if (!accepted.includes(type))
        throw new ApiError(
          415,
          'UnsupportedMediaType',
          `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`,
        );
      const body = await readBody(req);
      call.body = body;
      await stalled('patch', r.plural, req);
      beforePatch?.();
      beforePatch = undefined;
      const current = objects.get(objectName);
      if (!current) throw notFound(r, objectName);
      if (conflictsToInject > 0) {
        conflictsToInject--;
        throw conflict(r, objectName);
      }
      if (invalidNext) {
        // As a CRD's schema validation (or an admission webhook) refuses an object: 422 naming the field.
        const { field, message } = invalidNext;
        invalidNext = undefined;
        throw new ApiError(
          422,
          'Invalid',
          `${kindOf(r.gv, r.plural)}.${r.group} "${objectName}" is invalid: ${field}: ${message}`,
          [{ reason: 'FieldValueInvalid', message, field }],
        );
      }
      const patched =
        type === 'application/json-patch+json'
          ? applyJsonPatch(current, body as Array<{ op: string; path: string; value?: unknown }>)
          : (mergePatch(current, body) as Json);
      const meta = patched.metadata as Json;
      // A resourceVersion in the patched object is a precondition, as for an update.
      if (meta.resourceVersion !== undefined && meta.resourceVersion !== (current.metadata as Json).resourceVersion)
        throw conflict(r, objectName);
      if (!isDeepStrictEqual(patched.spec, current.spec)) meta.generation = ((meta.generation as number) ?? 1) + 1;
      return { code: 200, body: save(r, patched, 'MODIFIED') };
    }
    throw new ApiError(405, 'MethodNotAllowed', `${req.method} is not supported by this double`);
  }

  /** Holds a request the test asked to stall until it is released (or the client gives up). */
  async function stalled(verb: string, resource: string, req: IncomingMessage): Promise<void> {
    const at = stalls.findIndex((s) => s.verb === verb && s.resource === resource);
    const entry = stalls[at];
    if (!entry) return;
    stalls.splice(at, 1);
    req.socket.once('close', () => entry.aborted());
    entry.arrived();
    await entry.hold;
  }

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const call: RecordedCall = {
      apiGroup: '?',
      resource: '?',
      verb: '?',
      namespace: '?',
      user: (req.headers.authorization ?? '').replace(/^Bearer /, ''),
      status: 0,
      request: `${req.method} ${req.url}`,
    };
    handle(req, res, call)
      .catch((err: unknown) => {
        const e = err instanceof ApiError ? err : new ApiError(500, 'InternalError', String(err));
        return {
          code: e.code,
          body: {
            kind: 'Status',
            apiVersion: 'v1',
            metadata: {},
            status: 'Failure',
            message: e.message,
            reason: e.reason,
            ...(e.causes.length ? { details: { causes: e.causes } } : {}),
            code: e.code,
          },
        };
      })
      .then((answer) => {
        if (answer === 'streaming') {
          call.status = 200;
          calls.push(call);
          return;
        }
        call.status = answer.code;
        calls.push(call);
        if (!res.destroyed)
          res.writeHead(answer.code, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body));
      });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  /** A kubeconfig for the double: one context per name in `contexts` (kubectl --context), `user` as the bearer token. */
  function kubeconfigYaml(user = 'watcher-a', contexts = ['double']): string {
    return [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      // Plain HTTP on loopback: client-node allows http:// only with TLS verification off.
      `  - name: double\n    cluster:\n      server: ${url}\n      insecure-skip-tls-verify: true`,
      'users:',
      `  - name: ${user}\n    user:\n      token: ${user}`,
      'contexts:',
      ...contexts.map(
        (c) => `  - name: ${c}\n    context:\n      cluster: double\n      user: ${user}\n      namespace: default`,
      ),
      `current-context: ${contexts[0]}`,
      '',
    ].join('\n');
  }

  const VS: Route = {
    gv: 'networking.istio.io/v1',
    group: 'networking.istio.io',
    plural: 'virtualservices',
    namespace: '',
  };
  const vsRoute = (namespace: string) => ({ ...VS, namespace });
  const LEASES = (namespace: string): Route => ({
    gv: 'coordination.k8s.io/v1',
    group: 'coordination.k8s.io',
    plural: 'leases',
    namespace,
  });
  const isWrite = (c: RecordedCall) => ['create', 'update', 'patch', 'delete'].includes(c.verb);

  return {
    url,
    calls,
    /** Every Event created, in order. */
    get events(): Json[] {
      return [...store]
        .filter(([bucket]) => bucket.startsWith('/events/'))
        .flatMap(([, objects]) => [...objects.values()]);
    },
    kubeconfigYaml,
    /** A KubeConfig pointing at the double; `user` is sent as the bearer token and recorded. */
    kubeConfig(user = 'watcher-a'): KubeConfig {
      const kc = new KubeConfig();
      kc.loadFromString(kubeconfigYaml(user));
      return kc;
    },
    /** Every write (create, update, patch, delete) to `resource`, with its writer and answer, in order. */
    writes: (resource = 'virtualservices') => calls.filter((c) => c.resource === resource && isWrite(c)),
    /** Stores a VirtualService as `kubectl create` would (a new object). */
    putVirtualService(object: Json): void {
      const meta = object.metadata as Json;
      const stored = structuredClone(object);
      Object.assign(stored.metadata as Json, { uid: 'vs-uid-1', generation: 1 });
      save(vsRoute((meta.namespace as string) ?? 'default'), stored, 'ADDED');
    },
    /** An edit by someone else (kubectl edit): a new resourceVersion, seen by watches. */
    editVirtualService(namespace: string, name: string, edit: (object: Json) => void): void {
      const current = objectsIn(bucketOf(vsRoute(namespace))).get(name);
      if (!current) throw new Error(`no VirtualService ${namespace}/${name} to edit`);
      const object = structuredClone(current);
      edit(object);
      save(vsRoute(namespace), object, 'MODIFIED');
    },
    virtualService: (namespace: string, name: string) =>
      structuredClone(objectsIn(bucketOf(vsRoute(namespace))).get(name)),
    deleteVirtualService(namespace: string, name: string): void {
      const r = vsRoute(namespace);
      const stored = objectsIn(bucketOf(r)).get(name);
      if (!stored) return;
      objectsIn(bucketOf(r)).delete(name);
      (stored.metadata as Json).resourceVersion = String(nextVersion());
      emit('DELETED', bucketOf(r), stored);
    },
    /** Any stored object, by API group, plural, namespace and name. */
    object: (group: string, plural: string, namespace: string, name: string) =>
      structuredClone(objectsIn(`${group}/${plural}/${namespace}`).get(name)),
    lease: (namespace: string, name: string) => objectsIn(bucketOf(LEASES(namespace))).get(name),
    forbid: (verb: string, resource: string) => forbidden.add(`${verb} ${resource}`),
    allow: (verb: string, resource: string) => forbidden.delete(`${verb} ${resource}`),
    /** The next `n` patches answer 409 Conflict. */
    injectConflicts: (n: number) => (conflictsToInject = n),
    /** The next patch is refused as invalid (422 naming `field`), as schema validation would. */
    refuseNextPatchAsInvalid: (field: string, message: string) => (invalidNext = { field, message }),
    /** Runs once, between the arrival of the next patch and its application (a concurrent edit). */
    onNextPatch: (fn: () => void) => (beforePatch = fn),
    /** The next `verb` on `resource` is held, unanswered, until released. */
    stallNext(verb: 'patch', resource: string): StalledRequest {
      let release = () => {};
      let arrived = () => {};
      let aborted = () => {};
      const stall: StalledRequest = {
        arrived: new Promise<void>((resolve) => (arrived = resolve)),
        aborted: new Promise<void>((resolve) => (aborted = resolve)),
        release: () => release(),
      };
      const hold = new Promise<void>((resolve) => (release = resolve));
      stalls.push({ verb, resource, hold, stall, arrived, aborted });
      return stall;
    },
    /**
     * As after an etcd compaction: the history is forgotten and every open watch ends, so a watch
     * resumed from any version seen so far gets 410 Expired; one from a fresh list is fine.
     */
    expireWatches(): void {
      history.length = 0;
      oldestKept = nextVersion();
      for (const w of [...watches]) w.end();
    },
    /** Ends every open watch, as the API server does at its timeout. */
    closeWatches(): void {
      for (const w of [...watches]) w.end();
    },
    /** Sends a BOOKMARK with the current resourceVersion to the watches that allow them. */
    bookmark(): void {
      for (const w of watches)
        if (w.bookmarks)
          w.res.write(
            JSON.stringify({
              type: 'BOOKMARK',
              object: {
                kind: kindOf(VS.gv, VS.plural),
                apiVersion: VS.gv,
                metadata: { resourceVersion: String(resourceVersion) },
              },
            }) + '\n',
          );
    },
    /** How many watches are open now. */
    openWatches: () => watches.size,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const w of [...watches]) w.end();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export type ApiServerDouble = Awaited<ReturnType<typeof startApiServerDouble>>;
