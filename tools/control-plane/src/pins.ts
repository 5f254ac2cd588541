/**
 * The upstream releases the control plane is built from (versions.json, their one home) and what
 * follows from them: the cache folder, the wrapper modules' go.mod files, the version stamps.
 * Pure: the build (build.ts) does the I/O.
 */
import { createHash } from 'node:crypto';

export interface Pins {
  /** k8s.io/kubernetes: kube-apiserver and kubectl. */
  kubernetes: string;
  /** go.etcd.io/etcd/server/v3. */
  etcd: string;
  /** istio.io/istio (istioctl): the proxy serves only pseudo-versions of it. */
  istio: string;
  /** The version istioctl reports, stamped at link time (a pseudo-version carries none). */
  istioLabel: string;
  /** istio.io/api: Istio's CRDs. */
  istioApi: string;
  /** sigs.k8s.io/gateway-api: the standard channel CRDs. */
  gatewayApi: string;
  /** github.com/prometheus-operator/prometheus-operator: the PrometheusRule CRD. */
  prometheusOperator: string;
}

const SEMVER = /^v\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/;
const FIELDS = ['kubernetes', 'etcd', 'istio', 'istioLabel', 'istioApi', 'gatewayApi', 'prometheusOperator'] as const;

/** Reads versions.json's content; a missing or malformed pin is an error naming it. */
export function parsePins(value: unknown): Pins {
  if (typeof value !== 'object' || value === null) throw new Error('versions.json: expected an object of pins');
  const record = value as Record<string, unknown>;
  const pins = {} as Pins;
  for (const field of FIELDS) {
    const pin = record[field];
    if (typeof pin !== 'string' || pin === '') throw new Error(`versions.json: "${field}" is missing`);
    if (field !== 'istioLabel' && !SEMVER.test(pin)) {
      throw new Error(`versions.json: "${field}" is ${JSON.stringify(pin)}, expected a module version such as v1.2.3`);
    }
    pins[field] = pin;
  }
  if (!/^v1\.\d+\.\d+$/.test(pins.kubernetes)) {
    throw new Error(`versions.json: "kubernetes" is ${pins.kubernetes}, expected a release such as v1.35.4`);
  }
  return pins;
}

/**
 * Bumped when the way the binaries are built changes (flags, stamps, wrappers), so a cache built
 * the old way is not taken for the new one.
 */
export const RECIPE = 1;

/** The cache folder's name: readable, and different for every set of pins, recipe and Go version. */
export function cacheKey(pins: Pins, goVersion: string): string {
  const hash = createHash('sha256')
    .update(JSON.stringify({ pins, recipe: RECIPE, go: goVersion }))
    .digest('hex');
  return `k8s-${pins.kubernetes}-${hash.slice(0, 12)}`;
}

/** k8s.io/kubernetes v1.X.Y publishes its staging modules (k8s.io/api, ...) as v0.X.Y. */
export function stagingVersion(kubernetes: string): string {
  return kubernetes.replace(/^v1\./, 'v0.');
}

/** The staging modules k8s.io/kubernetes maps to its own folders (`k8s.io/api => ./staging/...`). */
export function stagingModules(kubernetesGoMod: string): string[] {
  const modules = [...kubernetesGoMod.matchAll(/^\s*(k8s\.io\/[\w.-]+)\s+=>\s+\.\/staging\//gm)].map((m) => m[1] ?? '');
  if (modules.length === 0) throw new Error('k8s.io/kubernetes go.mod: no replace of a staging module found');
  return modules;
}

/**
 * The wrapper module for kube-apiserver and kubectl: it requires k8s.io/kubernetes and replaces
 * each staging module with its published twin, which `go install` of k8s.io/kubernetes cannot do.
 */
export function kubernetesGoMod(pins: Pins, upstreamGoMod: string): string {
  const twin = stagingVersion(pins.kubernetes);
  return goMod({
    name: 'kubernetes',
    go: '1.25.0',
    require: `k8s.io/kubernetes ${pins.kubernetes}`,
    replace: stagingModules(upstreamGoMod).map((module) => `${module} => ${module} ${twin}`),
    tools: [KUBE_APISERVER_PACKAGE, KUBECTL_PACKAGE],
  });
}

/** A wrapper module's go.mod: one requirement, the replacements and the tools it builds. */
function goMod(mod: { name: string; go: string; require: string; replace?: string[]; tools?: string[] }): string {
  const block = (keyword: string, lines: string[] = []) =>
    lines.length === 0 ? [] : [`${keyword} (`, ...lines.map((line) => `\t${line}`), ')', ''];
  return [
    `module string-hashr.dev/control-plane/${mod.name}`,
    '',
    `go ${mod.go}`,
    '',
    `require ${mod.require}`,
    '',
    ...block('replace', mod.replace),
    ...block('tool', mod.tools),
  ].join('\n');
}

export const KUBE_APISERVER_PACKAGE = 'k8s.io/kubernetes/cmd/kube-apiserver';
export const KUBECTL_PACKAGE = 'k8s.io/kubernetes/cmd/kubectl';
export const ISTIOCTL_PACKAGE = 'istio.io/istio/istioctl/cmd/istioctl';

/** The etcd wrapper: the etcd root module (its `main`) is not served, so a one-line main calls etcdmain. */
export function etcdGoMod(pins: Pins): string {
  return goMod({ name: 'etcd', go: '1.26.0', require: `go.etcd.io/etcd/server/v3 ${pins.etcd}` });
}

export const ETCD_MAIN = [
  'package main',
  '',
  'import (',
  '\t"os"',
  '',
  '\t"go.etcd.io/etcd/server/v3/etcdmain"',
  ')',
  '',
  'func main() { etcdmain.Main(os.Args) }',
  '',
].join('\n');

export function istioctlGoMod(pins: Pins): string {
  return goMod({ name: 'istioctl', go: '1.26.0', require: `istio.io/istio ${pins.istio}`, tools: [ISTIOCTL_PACKAGE] });
}

/** A pseudo-version's commit (its last 12 characters), or the version itself for a release. */
export function revisionOf(version: string): string {
  const pseudo = /-\d{14}-([0-9a-f]{12})$/.exec(version);
  return pseudo?.[1] ?? version;
}

/**
 * Version stamps: a binary built from a module carries none, and `kubectl version` would name
 * v0.0.0-master instead of the pinned release.
 */
export function kubernetesLdflags(pins: Pins): string {
  const [, major = '', minor = ''] = /^v(\d+)\.(\d+)\./.exec(pins.kubernetes) ?? [];
  const stamps = ['k8s.io/component-base/version', 'k8s.io/client-go/pkg/version'].flatMap((pkg) => [
    `-X ${pkg}.gitVersion=${pins.kubernetes}`,
    `-X ${pkg}.gitMajor=${major}`,
    `-X ${pkg}.gitMinor=${minor}`,
    `-X ${pkg}.gitTreeState=clean`,
  ]);
  return ['-s -w', ...stamps].join(' ');
}

export function istioctlLdflags(pins: Pins): string {
  const pkg = 'istio.io/istio/pkg/version';
  return [
    '-s -w',
    `-X ${pkg}.buildVersion=${pins.istioLabel}`,
    `-X ${pkg}.buildGitRevision=${revisionOf(pins.istio)}`,
    `-X ${pkg}.buildStatus=Clean`,
  ].join(' ');
}
