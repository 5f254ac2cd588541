import { describe, expect, it } from 'vitest';
import versions from '../versions.json';
import {
  cacheKey,
  etcdGoMod,
  istioctlLdflags,
  kubernetesGoMod,
  kubernetesLdflags,
  parsePins,
  revisionOf,
  stagingModules,
  stagingVersion,
  type Pins,
} from './pins.js';

const pins: Pins = {
  kubernetes: 'v1.35.4',
  etcd: 'v3.6.16',
  istio: 'v0.0.0-20260827124520-eed52ebb66ad',
  istioLabel: '1.31-dev',
  istioApi: 'v1.31.4',
  gatewayApi: 'v1.6.0',
  prometheusOperator: 'v0.85.0',
};

const UPSTREAM_GO_MOD = `module k8s.io/kubernetes

require (
	k8s.io/api v0.0.0
	github.com/spf13/cobra v1.10.0
)

replace (
	k8s.io/api => ./staging/src/k8s.io/api
	k8s.io/client-go => ./staging/src/k8s.io/client-go
	github.com/example/forked => github.com/example/forked v1.0.0
)
`;

describe('pins', () => {
  it('versions.json is a valid set of pins', () => {
    expect(parsePins(versions)).toEqual(versions);
  });

  it.each([
    ['not an object', 'v1', /expected an object/],
    ['a missing pin', { ...pins, etcd: undefined }, /"etcd" is missing/],
    ['a version without its v', { ...pins, istioApi: '1.31.4' }, /"istioApi" is "1.31.4", expected a module version/],
    ['a Kubernetes pre-release', { ...pins, kubernetes: 'v1.36.0-alpha.1' }, /"kubernetes" is v1.36.0-alpha.1/],
  ])('refuses %s', (_, value, message) => {
    expect(() => parsePins(value)).toThrow(message);
  });

  it.each([
    ['the same pins and Go', pins, 'go1.26.8', true],
    ['another etcd', { ...pins, etcd: 'v3.6.15' }, 'go1.26.8', false],
    ['another Go', pins, 'go1.26.9', false],
  ])('the cache key is the same only for %s', (_, other, go, same) => {
    expect(cacheKey(other, go) === cacheKey(pins, 'go1.26.8')).toBe(same);
    expect(cacheKey(other, go)).toMatch(/^k8s-v1\.35\.4-[0-9a-f]{12}$/);
  });

  it.each([
    ['v1.35.4', 'v0.35.4'],
    ['v1.34.0', 'v0.34.0'],
  ])('Kubernetes %s publishes its staging modules as %s', (release, twin) => {
    expect(stagingVersion(release)).toBe(twin);
  });

  it('finds only the replaces that point into staging/', () => {
    expect(stagingModules(UPSTREAM_GO_MOD)).toEqual(['k8s.io/api', 'k8s.io/client-go']);
    expect(() => stagingModules('module x\n')).toThrow(/no replace of a staging module/);
  });

  it('the Kubernetes wrapper requires the release and replaces each staging module with its twin', () => {
    const goMod = kubernetesGoMod(pins, UPSTREAM_GO_MOD);
    expect(goMod).toContain('require k8s.io/kubernetes v1.35.4\n');
    expect(goMod).toContain('\tk8s.io/api => k8s.io/api v0.35.4\n\tk8s.io/client-go => k8s.io/client-go v0.35.4\n');
    expect(goMod).toContain('\tk8s.io/kubernetes/cmd/kube-apiserver\n\tk8s.io/kubernetes/cmd/kubectl\n');
    expect(goMod).not.toContain('forked');
  });

  it('the etcd wrapper requires the server module', () => {
    expect(etcdGoMod(pins)).toContain('require go.etcd.io/etcd/server/v3 v3.6.16');
  });

  it.each([
    ['v0.0.0-20260827124520-eed52ebb66ad', 'eed52ebb66ad'],
    ['v1.31.4', 'v1.31.4'],
  ])('the revision of %s is %s', (version, revision) => {
    expect(revisionOf(version)).toBe(revision);
  });

  it('stamps the pinned versions into the binaries', () => {
    expect(kubernetesLdflags(pins)).toContain('-X k8s.io/component-base/version.gitVersion=v1.35.4');
    expect(kubernetesLdflags(pins)).toContain('-X k8s.io/client-go/pkg/version.gitMinor=35');
    expect(istioctlLdflags(pins)).toContain('-X istio.io/istio/pkg/version.buildVersion=1.31-dev');
    expect(istioctlLdflags(pins)).toContain('-X istio.io/istio/pkg/version.buildGitRevision=eed52ebb66ad');
  });
});
