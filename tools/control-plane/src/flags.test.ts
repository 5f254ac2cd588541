import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseCommandLine } from './cli.js';
import { AUDIT_POLICY, apiServerArgs, controlPlaneFiles, etcdArgs, tokenFile, tokenKubeconfig } from './flags.js';

const ports = { etcdClient: 2379, etcdPeer: 2380, apiServer: 6443 };
const files = controlPlaneFiles('/tmp/cp');

describe('the control plane flags', () => {
  it.each([
    ['etcd on loopback', '--etcd-servers=http://127.0.0.1:2379'],
    ['HTTPS on loopback', '--secure-port=6443'],
    ['ServiceAccount tokens signed and checked', '--service-account-signing-key-file=/tmp/cp/service-account.key'],
    ['their issuer', '--service-account-issuer=https://kubernetes.default.svc.cluster.local'],
    ['RBAC', '--authorization-mode=RBAC'],
    ['PodSecurity', '--enable-admission-plugins=PodSecurity'],
    ['an audit log', '--audit-log-path=/tmp/cp/audit.log'],
    ['written before the answer', '--audit-log-mode=blocking'],
  ])('kube-apiserver gets %s', (_, flag) => {
    expect(apiServerArgs(ports, files, { watchCache: true })).toContain(flag);
  });

  it.each([
    [true, false],
    [false, true],
  ])('with the watch cache %s, --watch-cache=false is given: %s', (watchCache, given) => {
    expect(apiServerArgs(ports, files, { watchCache }).includes('--watch-cache=false')).toBe(given);
  });

  it('etcd is one member on loopback, its data in the run folder', () => {
    expect(etcdArgs(ports, files)).toEqual(
      expect.arrayContaining([
        '--data-dir=/tmp/cp/etcd',
        '--listen-client-urls=http://127.0.0.1:2379',
        '--initial-cluster=control-plane=http://127.0.0.1:2380',
      ]),
    );
  });

  it('the admin token is in system:masters', () => {
    expect(tokenFile('abc')).toBe('abc,control-plane-admin,control-plane-admin,"system:masters"\n');
  });

  it('the audit policy logs every request at Metadata', () => {
    expect(parse(AUDIT_POLICY)).toMatchObject({ kind: 'Policy', rules: [{ level: 'Metadata' }] });
  });

  it('a token kubeconfig names the server, the token and the namespace', () => {
    const config = parse(tokenKubeconfig('https://127.0.0.1:6443', 'watcher', 't0k', 'string-hashr'));
    expect(config.clusters[0].cluster.server).toBe('https://127.0.0.1:6443');
    expect(config.users[0]).toEqual({ name: 'watcher', user: { token: 't0k' } });
    expect(config.contexts[0].context).toEqual({
      cluster: 'control-plane',
      user: 'watcher',
      namespace: 'string-hashr',
    });
    expect(config['current-context']).toBe('watcher');
  });
});

describe('the command line', () => {
  it.each([
    [[], { ports: {}, options: { watchCache: true }, build: true }],
    [
      ['--etcd-port', '1', '--etcd-peer-port', '2', '--apiserver-port', '3', '--no-watch-cache', '--no-build'],
      { ports: { etcdClient: 1, etcdPeer: 2, apiServer: 3 }, options: { watchCache: false }, build: false },
    ],
    [
      ['--crds', 'a.example.com,b.example.com'],
      { ports: {}, options: { watchCache: true, crds: ['a.example.com', 'b.example.com'] }, build: true },
    ],
    [['--crds', 'none'], { ports: {}, options: { watchCache: true, crds: [] }, build: true }],
  ])('%j', (args, expected) => {
    expect(parseCommandLine(args)).toEqual(expected);
  });

  it.each([
    [['--etcd-port'], /--etcd-port: expected a port number/],
    [['--apiserver-port', '70000'], /--apiserver-port: expected a port number/],
    [['--verbose'], /unknown argument "--verbose"/],
    [['--crds'], /--crds: expected CRD names \(a,b\) or none/],
    [['--crds', ','], /--crds: expected CRD names/],
  ])('refuses %j', (args, message) => {
    expect(() => parseCommandLine(args)).toThrow(message);
  });
});
