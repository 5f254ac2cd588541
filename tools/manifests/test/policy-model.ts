/**
 * Just enough of Kubernetes NetworkPolicy and Istio AuthorizationPolicy semantics to ask the
 * generated policies "is this connection / request allowed?". Anything the generator does not use
 * (matchExpressions, DENY or CUSTOM actions, notPrincipals...) throws, so a new construct cannot
 * slip through unevaluated.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Doc = Record<string, any>;

export type Cluster = 'primary' | 'burst';

export interface Pod {
  name: string;
  cluster: Cluster;
  namespace: string;
  labels: Record<string, string>;
  ip: string;
  /** The mTLS identity of its sidecar; none for a pod outside the mesh. */
  principal?: string;
}

/** A destination that is not a pod of either cluster (the Kubernetes API, a load balancer). */
export interface Address {
  name: string;
  ip: string;
}

const toNumber = (ip: string) => ip.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);

export function inCidr(ip: string, cidr: string): boolean {
  const [base = '', bitsText = '32'] = cidr.split('/');
  const bits = Number(bitsText);
  const size = 2 ** (32 - bits);
  return Math.floor(toNumber(ip) / size) === Math.floor(toNumber(base) / size);
}

function selects(selector: Doc | undefined, labels: Record<string, string>): boolean {
  if (selector === undefined) return true;
  if (selector.matchExpressions) throw new Error('matchExpressions are not modelled');
  return Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
}

const namespaceLabels = (namespace: string) => ({ 'kubernetes.io/metadata.name': namespace });

function portMatches(ports: Doc[] | undefined, port: number, protocol: string): boolean {
  if (ports === undefined || ports.length === 0) return true;
  return ports.some((p) => (p.protocol ?? 'TCP') === protocol && (p.port === undefined || p.port === port));
}

/** Does `peer` (a from/to entry of a policy in `policyCluster`/`policyNamespace`) match `other`? */
function peerMatches(peer: Doc, policyCluster: Cluster, policyNamespace: string, other: Pod | Address): boolean {
  if (peer.ipBlock) {
    const { cidr, except = [] } = peer.ipBlock as { cidr: string; except?: string[] };
    return inCidr(other.ip, cidr) && !except.some((e) => inCidr(other.ip, e));
  }
  // Pod and namespace selectors see the pods of their own cluster only.
  if (!('cluster' in other) || other.cluster !== policyCluster) return false;
  const namespaceOk = peer.namespaceSelector
    ? selects(peer.namespaceSelector, namespaceLabels(other.namespace))
    : other.namespace === policyNamespace;
  return namespaceOk && selects(peer.podSelector, other.labels);
}

function side(
  policies: Doc[],
  cluster: Cluster,
  subject: Pod,
  type: 'Ingress' | 'Egress',
  other: Pod | Address,
  port: number,
  protocol: string,
): boolean {
  const applicable = policies.filter(
    (p) =>
      p.kind === 'NetworkPolicy' &&
      p.metadata.namespace === subject.namespace &&
      selects(p.spec.podSelector, subject.labels) &&
      (p.spec.policyTypes ?? ['Ingress']).includes(type),
  );
  if (applicable.length === 0) return true;
  return applicable.some((p) =>
    ((type === 'Ingress' ? p.spec.ingress : p.spec.egress) ?? []).some((rule: Doc) => {
      const peers: Doc[] | undefined = type === 'Ingress' ? rule.from : rule.to;
      const peerOk =
        peers === undefined ||
        peers.length === 0 ||
        peers.some((peer) => peerMatches(peer, cluster, p.metadata.namespace, other));
      return peerOk && portMatches(rule.ports, port, protocol);
    }),
  );
}

/** Whether the NetworkPolicies of both ends let `from` open a connection to `to` on `port`. */
export function networkAllows(
  policies: Record<Cluster, Doc[]>,
  from: Pod,
  to: Pod | Address,
  port: number,
  protocol = 'TCP',
): boolean {
  const egress = side(policies[from.cluster], from.cluster, from, 'Egress', to, port, protocol);
  const ingress = 'cluster' in to ? side(policies[to.cluster], to.cluster, to, 'Ingress', from, port, protocol) : true;
  return egress && ingress;
}

export interface MeshRequest {
  principal?: string;
  port: number;
  /** HTTP only; absent for a TCP connection. */
  method?: string;
  path?: string;
}

function stringMatches(patterns: string[], value: string | undefined): boolean {
  if (value === undefined) return false;
  return patterns.some((p) =>
    p === '*'
      ? true
      : p.endsWith('*')
        ? value.startsWith(p.slice(0, -1))
        : p.startsWith('*')
          ? value.endsWith(p.slice(1))
          : value === p,
  );
}

function ruleMatches(rule: Doc, request: MeshRequest): boolean {
  const sources: Doc[] | undefined = rule.from;
  const sourceOk =
    sources === undefined ||
    sources.some(({ source }: Doc) => {
      const known = new Set(['principals']);
      for (const key of Object.keys(source)) if (!known.has(key)) throw new Error(`source.${key} is not modelled`);
      return source.principals === undefined || stringMatches(source.principals, request.principal);
    });
  const operations: Doc[] | undefined = rule.to;
  const operationOk =
    operations === undefined ||
    operations.some(({ operation }: Doc) => {
      const known = new Set(['ports', 'methods', 'paths']);
      for (const key of Object.keys(operation))
        if (!known.has(key)) throw new Error(`operation.${key} is not modelled`);
      // HTTP-only fields never match a TCP connection (Istio leaves such a rule out for TCP).
      return (
        (operation.ports === undefined || operation.ports.includes(String(request.port))) &&
        (operation.methods === undefined || stringMatches(operation.methods, request.method)) &&
        (operation.paths === undefined || stringMatches(operation.paths, request.path))
      );
    });
  if (rule.when) throw new Error('when is not modelled');
  return sourceOk && operationOk;
}

/** Istio's decision for `request` reaching a workload labelled `labels` in `namespace`. */
export function meshAllows(
  policies: Doc[],
  destination: { namespace: string; labels: Record<string, string> },
  request: MeshRequest,
): boolean {
  const applicable = policies.filter(
    (p) =>
      p.kind === 'AuthorizationPolicy' &&
      p.metadata.namespace === destination.namespace &&
      selects(p.spec.selector, destination.labels),
  );
  for (const p of applicable)
    if ((p.spec.action ?? 'ALLOW') !== 'ALLOW') throw new Error(`action ${p.spec.action} is not modelled`);
  if (applicable.length === 0) return true;
  return applicable.some((p) => (p.spec.rules ?? []).some((rule: Doc) => ruleMatches(rule, request)));
}

/** The route a VirtualService gives an HTTP path (uri exact / prefix matches), or undefined. */
export function routeFor(virtualService: Doc, path: string): Doc | undefined {
  const bare = path.replace(/[?#].*$/, '');
  return (virtualService.spec.http as Doc[]).find(
    (route) =>
      route.match === undefined ||
      (route.match as Doc[]).some(
        ({ uri }) =>
          (uri.exact !== undefined && uri.exact === bare) || (uri.prefix !== undefined && bare.startsWith(uri.prefix)),
      ),
  );
}

/**
 * The HTTPRoute rule that a path (with its query) takes, if any: Gateway API matching, where
 * Exact is the whole path and PathPrefix matches whole path elements (`/vendor/` takes
 * `/vendor/x`, never `/vendorx`).
 */
export function httpRouteFor(route: Doc, path: string): Doc | undefined {
  const bare = path.replace(/[?#].*$/, '');
  return ((route.spec?.rules ?? []) as Doc[]).find((rule) =>
    ((rule.matches ?? [{ path: { type: 'PathPrefix', value: '/' } }]) as Doc[]).some(({ path: match }) => {
      if (match.type === 'Exact') return bare === match.value;
      const prefix = String(match.value).replace(/\/+$/, '');
      return prefix === '' || bare === prefix || bare.startsWith(`${prefix}/`);
    }),
  );
}
