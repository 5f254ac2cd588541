// A test double of the Kubernetes API server: a real HTTP server that @kubernetes/client-node
// talks to through an ordinary KubeConfig. It behaves like the API server for the calls the
// watcher makes, and only those: GET and JSON-Patch PATCH of the VirtualService (resourceVersion
// bumped on every write, `test` ops that fail with 422, resourceVersion conflicts with 409),
// Leases (create, get, update with a resourceVersion precondition), Events (create), and errors
// as `Status` objects. Every call is recorded with its RBAC verb, resource and user, so tests can
// check them against libs/kube-objects watcherRbacRules.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isDeepStrictEqual } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';

export interface RecordedCall {
  apiGroup: string;
  resource: string;
  verb: string;
  namespace: string;
  name?: string;
  /** The bearer token, which stands for the caller. */
  user: string;
  status: number;
}

type Json = Record<string, unknown>;

class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

const GROUP_PLURAL: Record<string, string> = {
  'networking.istio.io': 'virtualservices.networking.istio.io',
  'coordination.k8s.io': 'leases.coordination.k8s.io',
  '': 'events',
};

export async function startApiServerDouble() {
  let resourceVersion = 1000;
  const nextVersion = () => String(++resourceVersion);
  const virtualServices = new Map<string, Json>();
  const leases = new Map<string, Json>();
  const events: Json[] = [];
  const calls: RecordedCall[] = [];
  const forbidden = new Set<string>();
  let conflictsToInject = 0;
  let beforePatch: (() => void) | undefined;

  const key = (namespace: string, name: string) => `${namespace}/${name}`;
  const readBody = async (req: IncomingMessage) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString();
    return text ? JSON.parse(text) : undefined;
  };
  const notFound = (what: string, name: string) => new ApiError(404, 'NotFound', `${what} "${name}" not found`);

  /** RFC 6902 add/replace/test on a copy, as the API server applies a json-patch+json body. */
  function applyJsonPatch(object: Json, ops: Array<{ op: string; path: string; value?: unknown }>): Json {
    const doc = structuredClone(object);
    for (const op of ops) {
      const parts = op.path
        .split('/')
        .slice(1)
        .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
      const last = parts.pop()!;
      let parent: unknown = doc;
      for (const part of parts) {
        parent = (parent as Record<string, unknown> | undefined)?.[part];
        if (parent === undefined || parent === null)
          throw new ApiError(
            422,
            'Invalid',
            `the server rejected our request due to an error in our request: doc is missing path: ${op.path}`,
          );
      }
      const container = parent as Record<string, unknown>;
      if (op.op === 'test') {
        if (!isDeepStrictEqual(container[last], op.value))
          throw new ApiError(
            422,
            'Invalid',
            `the server rejected our request due to an error in our request: testing value ${op.path} failed: test failed`,
          );
      } else if (op.op === 'replace') {
        if (!(last in container))
          throw new ApiError(
            422,
            'Invalid',
            `the server rejected our request due to an error in our request: replace operation does not apply: doc is missing key: ${op.path}`,
          );
        container[last] = op.value;
      } else if (op.op === 'add') {
        container[last] = op.value;
      } else {
        throw new ApiError(
          422,
          'Invalid',
          `the server rejected our request due to an error in our request: unexpected op ${op.op}`,
        );
      }
    }
    return doc;
  }

  async function handle(req: IncomingMessage, call: RecordedCall): Promise<{ code: number; body: unknown }> {
    const url = new URL(req.url ?? '/', 'http://double');
    const vsMatch =
      /^\/apis\/networking\.istio\.io\/(v1|v1beta1|v1alpha3)\/namespaces\/([^/]+)\/virtualservices\/([^/]+)$/.exec(
        url.pathname,
      );
    const leaseMatch = /^\/apis\/coordination\.k8s\.io\/v1\/namespaces\/([^/]+)\/leases(?:\/([^/]+))?$/.exec(
      url.pathname,
    );
    const eventMatch = /^\/api\/v1\/namespaces\/([^/]+)\/events$/.exec(url.pathname);
    const verb =
      { GET: 'get', PATCH: 'patch', PUT: 'update', POST: 'create', DELETE: 'delete' }[req.method ?? ''] ??
      (req.method ?? '').toLowerCase();
    Object.assign(call, { verb });
    if (vsMatch)
      Object.assign(call, {
        apiGroup: 'networking.istio.io',
        resource: 'virtualservices',
        namespace: vsMatch[2],
        name: vsMatch[3],
      });
    else if (leaseMatch)
      Object.assign(call, {
        apiGroup: 'coordination.k8s.io',
        resource: 'leases',
        namespace: leaseMatch[1],
        name: leaseMatch[2],
      });
    else if (eventMatch) Object.assign(call, { apiGroup: '', resource: 'events', namespace: eventMatch[1] });
    else
      throw new ApiError(
        404,
        'NotFound',
        `the server could not find the requested resource (${req.method} ${url.pathname})`,
      );

    if (forbidden.has(`${verb} ${call.resource}`)) {
      const object = call.name ? `${GROUP_PLURAL[call.apiGroup]} "${call.name}"` : GROUP_PLURAL[call.apiGroup];
      throw new ApiError(
        403,
        'Forbidden',
        `${object} is forbidden: User "system:serviceaccount:default:istiowatcher" cannot ${verb} resource "${call.resource}" in API group "${call.apiGroup}" in the namespace "${call.namespace}"`,
      );
    }

    if (vsMatch) {
      const name = call.name ?? '';
      const id = key(call.namespace, name);
      const stored = virtualServices.get(id);
      if (!stored) throw notFound(GROUP_PLURAL['networking.istio.io'] ?? '', name);
      if (verb === 'get') return { code: 200, body: stored };
      if (verb !== 'patch') throw new ApiError(405, 'MethodNotAllowed', `${verb} is not supported by this double`);
      if (req.headers['content-type'] !== 'application/json-patch+json')
        throw new ApiError(
          415,
          'UnsupportedMediaType',
          `the body of the request was in an unknown format - accepted media types include: application/json-patch+json`,
        );
      const ops = await readBody(req);
      beforePatch?.();
      beforePatch = undefined;
      const current = virtualServices.get(id)!;
      if (conflictsToInject > 0) {
        conflictsToInject--;
        throw new ApiError(
          409,
          'Conflict',
          `Operation cannot be fulfilled on virtualservices.networking.istio.io "${call.name}": the object has been modified; please apply your changes to the latest version and try again`,
        );
      }
      const patched = applyJsonPatch(current, ops);
      const meta = patched.metadata as Json;
      if (meta.resourceVersion !== (current.metadata as Json).resourceVersion) {
        throw new ApiError(
          409,
          'Conflict',
          `Operation cannot be fulfilled on virtualservices.networking.istio.io "${call.name}": the object has been modified; please apply your changes to the latest version and try again`,
        );
      }
      meta.resourceVersion = nextVersion();
      if (!isDeepStrictEqual(patched.spec, current.spec)) meta.generation = ((meta.generation as number) ?? 1) + 1;
      virtualServices.set(id, patched);
      return { code: 200, body: patched };
    }

    if (leaseMatch) {
      if (verb === 'create' && !call.name) {
        const body = (await readBody(req)) as Json;
        const name = (body.metadata as Json).name as string;
        const id = key(call.namespace, name);
        if (leases.has(id))
          throw new ApiError(409, 'AlreadyExists', `leases.coordination.k8s.io "${name}" already exists`);
        const lease = {
          ...body,
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: {
            ...(body.metadata as Json),
            namespace: call.namespace,
            resourceVersion: nextVersion(),
            uid: randomBytes(8).toString('hex'),
          },
        };
        leases.set(id, lease);
        return { code: 201, body: lease };
      }
      const id = key(call.namespace, call.name ?? '');
      const stored = leases.get(id);
      if (!stored) throw notFound('leases.coordination.k8s.io', call.name ?? '');
      if (verb === 'get') return { code: 200, body: stored };
      if (verb !== 'update') throw new ApiError(405, 'MethodNotAllowed', `${verb} is not supported by this double`);
      const body = (await readBody(req)) as Json;
      if ((body.metadata as Json)?.resourceVersion !== (stored.metadata as Json).resourceVersion) {
        throw new ApiError(
          409,
          'Conflict',
          `Operation cannot be fulfilled on leases.coordination.k8s.io "${call.name}": the object has been modified; please apply your changes to the latest version and try again`,
        );
      }
      const lease = { ...body, metadata: { ...(body.metadata as Json), resourceVersion: nextVersion() } };
      leases.set(id, lease);
      return { code: 200, body: lease };
    }

    // events
    if (verb !== 'create') throw new ApiError(405, 'MethodNotAllowed', `${verb} is not supported by this double`);
    const body = (await readBody(req)) as Json;
    const meta = body.metadata as Json;
    const event = {
      ...body,
      apiVersion: 'v1',
      kind: 'Event',
      metadata: {
        ...meta,
        name: (meta.name as string) ?? `${meta.generateName}${randomBytes(5).toString('hex')}`,
        namespace: call.namespace,
        resourceVersion: nextVersion(),
      },
    };
    events.push(event);
    return { code: 201, body: event };
  }

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const call: RecordedCall = {
      apiGroup: '?',
      resource: '?',
      verb: '?',
      namespace: '?',
      user: (req.headers.authorization ?? '').replace(/^Bearer /, ''),
      status: 0,
    };
    handle(req, call)
      .catch((err: unknown) => {
        if (!(err instanceof ApiError))
          return {
            code: 500,
            body: {
              kind: 'Status',
              apiVersion: 'v1',
              metadata: {},
              status: 'Failure',
              message: String(err),
              reason: 'InternalError',
              code: 500,
            },
          };
        return {
          code: err.code,
          body: {
            kind: 'Status',
            apiVersion: 'v1',
            metadata: {},
            status: 'Failure',
            message: err.message,
            reason: err.reason,
            code: err.code,
          },
        };
      })
      .then(({ code, body }) => {
        call.status = code;
        calls.push(call);
        res.writeHead(code, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  function kubeconfigYaml(user = 'watcher-a'): string {
    return [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      // Plain HTTP on loopback: client-node allows http:// only with TLS verification off.
      `  - name: double\n    cluster:\n      server: ${url}\n      insecure-skip-tls-verify: true`,
      'users:',
      `  - name: ${user}\n    user:\n      token: ${user}`,
      'contexts:',
      `  - name: double\n    context:\n      cluster: double\n      user: ${user}\n      namespace: default`,
      'current-context: double',
      '',
    ].join('\n');
  }

  return {
    url,
    calls,
    events,
    kubeconfigYaml,
    /** A KubeConfig pointing at the double; `user` is sent as the bearer token and recorded. */
    kubeConfig(user = 'watcher-a'): KubeConfig {
      const kc = new KubeConfig();
      kc.loadFromString(kubeconfigYaml(user));
      return kc;
    },
    putVirtualService(object: Json): void {
      const meta = object.metadata as Json;
      const stored = structuredClone(object);
      Object.assign(stored.metadata as Json, { resourceVersion: nextVersion(), uid: 'vs-uid-1', generation: 1 });
      virtualServices.set(key((meta.namespace as string) ?? 'default', meta.name as string), stored);
    },
    /** An edit by someone else (kubectl): bumps the resourceVersion. */
    editVirtualService(namespace: string, name: string, edit: (object: Json) => void): void {
      const object = structuredClone(virtualServices.get(key(namespace, name))!);
      edit(object);
      (object.metadata as Json).resourceVersion = nextVersion();
      virtualServices.set(key(namespace, name), object);
    },
    virtualService: (namespace: string, name: string) => structuredClone(virtualServices.get(key(namespace, name))),
    deleteVirtualService: (namespace: string, name: string) => virtualServices.delete(key(namespace, name)),
    lease: (namespace: string, name: string) => leases.get(key(namespace, name)),
    forbid: (verb: string, resource: string) => forbidden.add(`${verb} ${resource}`),
    allow: (verb: string, resource: string) => forbidden.delete(`${verb} ${resource}`),
    /** The next `n` patches answer 409 Conflict. */
    injectConflicts: (n: number) => (conflictsToInject = n),
    /** Runs once, between the arrival of the next patch and its application (a concurrent edit). */
    onNextPatch: (fn: () => void) => (beforePatch = fn),
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export type ApiServerDouble = Awaited<ReturnType<typeof startApiServerDouble>>;
