/**
 * The Gateway API objects of the `gateway-api` flavour (gateway.networking.k8s.io/v1, standard
 * channel): the worker HTTPRoute (mesh routing, its parent the worker Service, GAMMA) and the
 * page's public entrance (a Gateway bound to Istio's ingress gateway, its HTTPRoutes, and the
 * ReferenceGrant that lets it read its certificate).
 *
 * No models package for these is installed, so each object is checked here against the rules of
 * the v1 CRDs for the fields we set (required fields, names, durations, weights, path values);
 * the API server checks the whole schema when they are applied.
 */
import {
  PUBLIC_PAGE_PATHS,
  SECRETS,
  SERVICES,
  WORKER_BACKENDS,
  WORKER_HTTP_ROUTE,
  WORKER_ROUTE_PARENT,
  fqdn,
  routeApiVersion,
} from '@string-hashr/contract';
import { httpRouteFlavour, withRouteWeights, type HttpRouteLike } from '@string-hashr/kube-objects';
import { NATURAL, type Weights } from '@string-hashr/policy';
import type { ManifestConfig } from './config.js';
import type { Resource } from './render.js';
import { requestTimeout } from './safety-net.js';

const GATEWAY_API = routeApiVersion('HTTPRoute');
/** Istio's GatewayClass. */
const GATEWAY_CLASS = 'istio';
/** The ingress gateway Istio installs (istio-system), which the public Gateway is bound to. */
const INGRESS_GATEWAY_SERVICE = fqdn('istio-ingressgateway', 'istio-system');

type Metadata = { name: string; namespace: string; [key: string]: unknown };
type Doc = { metadata: Metadata; [key: string]: unknown };

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** Gateway API's Duration (GEP-2257). */
const GATEWAY_DURATION = /^([0-9]{1,5}(h|m|s|ms)){1,4}$/;
/** What the HTTPRoute CRD allows as a path value: absolute, no `//`, `/./`, `/../`, `%2f`, `#`. */
const PATH_VALUE = /^\/[^#?]*$/;
const BAD_PATH = /(\/\/|\/\.\/|\/\.\.\/|%2f|%2F|#|\/\.\.?$)/;

type Check = (doc: Doc, problems: string[]) => void;

const each = <T>(items: unknown, what: string, problems: string[], check: (item: T, at: string) => void) => {
  if (!Array.isArray(items)) problems.push(`${what} must be a list`);
  else items.forEach((item, i) => check(item as T, `${what}[${i}]`));
};

type Ref = { group?: string; kind?: string; name?: string; namespace?: string; port?: number; weight?: number };

function checkRef(ref: Ref, at: string, problems: string[]): void {
  if (!ref.name || ref.name.length > 253) problems.push(`${at}.name is required (at most 253 characters)`);
  if (ref.port !== undefined && (!Number.isInteger(ref.port) || ref.port < 1 || ref.port > 65535))
    problems.push(`${at}.port must be 1..65535`);
  if (ref.weight !== undefined && (!Number.isInteger(ref.weight) || ref.weight < 0 || ref.weight > 1_000_000))
    problems.push(`${at}.weight must be an integer 0..1000000`);
  if (
    (ref.kind ?? 'Service') === 'Service' &&
    (ref.group ?? '') === '' &&
    ref.port === undefined &&
    !at.includes('parentRefs')
  )
    problems.push(`${at}.port is required for a Service`);
}

const checkHttpRoute: Check = (doc, problems) => {
  const spec = (doc.spec ?? {}) as { parentRefs?: unknown; rules?: unknown };
  each<Ref>(spec.parentRefs, 'spec.parentRefs', problems, (ref, at) => checkRef(ref, at, problems));
  each<Record<string, unknown>>(spec.rules, 'spec.rules', problems, (rule, at) => {
    if (rule.backendRefs !== undefined)
      each<Ref>(rule.backendRefs, `${at}.backendRefs`, problems, (ref, refAt) => checkRef(ref, refAt, problems));
    const timeouts = rule.timeouts as { request?: string; backendRequest?: string } | undefined;
    for (const key of ['request', 'backendRequest'] as const)
      if (timeouts?.[key] !== undefined && !GATEWAY_DURATION.test(timeouts[key]))
        problems.push(`${at}.timeouts.${key} "${timeouts[key]}" is not a Gateway API duration`);
    if (rule.retry !== undefined) problems.push(`${at}.retry is in the experimental channel only`);
    if (rule.matches !== undefined)
      each<{ path?: { type?: string; value?: string } }>(rule.matches, `${at}.matches`, problems, (match, matchAt) => {
        const path = match.path;
        if (!path) return;
        if (!['Exact', 'PathPrefix'].includes(path.type ?? ''))
          problems.push(`${matchAt}.path.type "${path.type}" is not Exact or PathPrefix`);
        if (!PATH_VALUE.test(path.value ?? '') || BAD_PATH.test(path.value ?? ''))
          problems.push(`${matchAt}.path.value "${path.value}" is not a valid path`);
      });
  });
};

const checkGateway: Check = (doc, problems) => {
  const spec = (doc.spec ?? {}) as { gatewayClassName?: string; listeners?: unknown; addresses?: unknown };
  if (!spec.gatewayClassName) problems.push('spec.gatewayClassName is required');
  if (spec.addresses !== undefined)
    each<{ type?: string; value?: string }>(spec.addresses, 'spec.addresses', problems, (a, at) => {
      if (a.type === 'Hostname' && !DNS_SUBDOMAIN.test(a.value ?? '')) problems.push(`${at}.value is not a hostname`);
    });
  each<{ name?: string; port?: number; protocol?: string; tls?: { certificateRefs?: Ref[] } }>(
    spec.listeners,
    'spec.listeners',
    problems,
    (l, at) => {
      if (!l.name || !DNS_SUBDOMAIN.test(l.name)) problems.push(`${at}.name is required (a DNS name)`);
      if (!Number.isInteger(l.port) || (l.port ?? 0) < 1 || (l.port ?? 0) > 65535)
        problems.push(`${at}.port must be 1..65535`);
      if (!['HTTP', 'HTTPS', 'TLS', 'TCP', 'UDP'].includes(l.protocol ?? ''))
        problems.push(`${at}.protocol is not known`);
      if (l.protocol === 'HTTPS' && !l.tls?.certificateRefs?.length)
        problems.push(`${at}: HTTPS needs tls.certificateRefs`);
    },
  );
};

const checkReferenceGrant: Check = (doc, problems) => {
  const spec = (doc.spec ?? {}) as { from?: unknown; to?: unknown };
  each<{ group?: string; kind?: string; namespace?: string }>(spec.from, 'spec.from', problems, (f, at) => {
    if (f.group === undefined || !f.kind || !f.namespace) problems.push(`${at} needs group, kind and namespace`);
  });
  each<{ group?: string; kind?: string }>(spec.to, 'spec.to', problems, (t, at) => {
    if (t.group === undefined || !t.kind) problems.push(`${at} needs group and kind`);
  });
};

const CHECKS: Record<string, Check> = {
  HTTPRoute: checkHttpRoute,
  Gateway: checkGateway,
  ReferenceGrant: checkReferenceGrant,
};

/** A Gateway API object as a generator Resource: its own check, then plain JSON. */
export class GatewayApiObject implements Resource {
  readonly apiVersion = GATEWAY_API;
  constructor(
    readonly kind: 'HTTPRoute' | 'Gateway' | 'ReferenceGrant',
    private readonly body: Doc,
  ) {}
  get metadata() {
    return this.body.metadata;
  }
  validate(): void {
    const problems: string[] = [];
    const { name, namespace } = this.body.metadata;
    if (!DNS_SUBDOMAIN.test(name ?? '') || name.length > 253) problems.push('metadata.name is not a DNS subdomain');
    if (!namespace) problems.push('metadata.namespace is required');
    CHECKS[this.kind]?.(this.body, problems);
    if (problems.length) throw new Error(problems.join('; '));
  }
  toJSON(): unknown {
    return { apiVersion: this.apiVersion, kind: this.kind, ...this.body };
  }
}

/** The worker HTTPRoute at the given weights; its shape is what libs/kube-objects reads and edits. */
export function workerHttpRoute(config: ManifestConfig, weights: Weights = NATURAL): GatewayApiObject {
  const backend = (name: string) => ({ name, port: SERVICES.worker.port, weight: 0 });
  const base: HttpRouteLike = {
    metadata: { name: WORKER_HTTP_ROUTE, namespace: config.namespace },
    spec: {
      // GAMMA: a Service as parent routes the mesh's calls to it.
      parentRefs: [{ group: '', kind: 'Service', name: WORKER_ROUTE_PARENT, port: SERVICES.worker.port }],
      rules: [
        {
          backendRefs: [backend(WORKER_BACKENDS.primary), backend(WORKER_BACKENDS.burst)],
          timeouts: { request: requestTimeout(config) },
        },
      ],
    },
  };
  const routed = withRouteWeights(base, weights, httpRouteFlavour());
  return new GatewayApiObject('HTTPRoute', routed as unknown as Doc);
}

export const FRONTEND_GATEWAY = 'frontend-gateway';

/**
 * The public entrance as Gateway API: a Gateway bound to the ingress gateway Istio installs (so its
 * address, its identity in the AuthorizationPolicies and its NetworkPolicies stay as they are),
 * HTTPS with the certificate in SECRETS.gatewayTls (granted across namespaces by a ReferenceGrant),
 * the page, its assets and socket.io routed to the frontend, and plain HTTP redirected to HTTPS.
 * Any other path finds no route: the gateway's 404.
 */
export function frontendGatewayApi(config: ManifestConfig): GatewayApiObject[] {
  const { namespace } = config;
  const gateway = new GatewayApiObject('Gateway', {
    metadata: { name: FRONTEND_GATEWAY, namespace },
    spec: {
      gatewayClassName: GATEWAY_CLASS,
      addresses: [{ type: 'Hostname', value: INGRESS_GATEWAY_SERVICE }],
      listeners: [
        {
          name: 'https',
          port: 443,
          protocol: 'HTTPS',
          tls: {
            mode: 'Terminate',
            certificateRefs: [{ group: '', kind: 'Secret', ...SECRETS.gatewayTls }],
          },
          allowedRoutes: { namespaces: { from: 'Same' } },
        },
        { name: 'http', port: 80, protocol: 'HTTP', allowedRoutes: { namespaces: { from: 'Same' } } },
      ],
    },
  });
  const certificateGrant = new GatewayApiObject('ReferenceGrant', {
    metadata: { name: `${FRONTEND_GATEWAY}-${namespace}-certificate`, namespace: SECRETS.gatewayTls.namespace },
    spec: {
      from: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace }],
      to: [{ group: '', kind: 'Secret', name: SECRETS.gatewayTls.name }],
    },
  });
  const page = new GatewayApiObject('HTTPRoute', {
    metadata: { name: 'frontend-route', namespace },
    spec: {
      parentRefs: [{ name: FRONTEND_GATEWAY, sectionName: 'https' }],
      rules: [
        {
          name: 'page-assets-socket-io',
          matches: [
            ...PUBLIC_PAGE_PATHS.exact.map((value) => ({ path: { type: 'Exact', value } })),
            ...PUBLIC_PAGE_PATHS.prefixes.map((value) => ({ path: { type: 'PathPrefix', value } })),
          ],
          backendRefs: [{ name: SERVICES.frontend.name, port: SERVICES.frontend.port }],
        },
      ],
    },
  });
  const redirect = new GatewayApiObject('HTTPRoute', {
    metadata: { name: 'frontend-https-redirect', namespace },
    spec: {
      parentRefs: [{ name: FRONTEND_GATEWAY, sectionName: 'http' }],
      rules: [{ filters: [{ type: 'RequestRedirect', requestRedirect: { scheme: 'https', statusCode: 301 } }] }],
    },
  });
  return [gateway, certificateGrant, page, redirect];
}
