import { describe, expect, it } from 'vitest';
import { announceControlPlane, readControlPlaneAnnouncement, type ControlPlaneEndpoints } from './control-plane.js';

const endpoints: ControlPlaneEndpoints = {
  etcd: 'http://127.0.0.1:2379',
  apiServer: 'https://127.0.0.1:6443',
  auditLog: '/tmp/cp/audit.log',
  bin: '/cache/bin',
  kubeconfig: '/tmp/cp/admin.kubeconfig',
};

describe('the control plane announcement', () => {
  it('prints one NAME=value line each, KUBECONFIG last', () => {
    expect(announceControlPlane(endpoints)).toEqual([
      'ETCD_ENDPOINT=http://127.0.0.1:2379',
      'KUBE_APISERVER=https://127.0.0.1:6443',
      'AUDIT_LOG=/tmp/cp/audit.log',
      'CONTROL_PLANE_BIN=/cache/bin',
      'KUBECONFIG=/tmp/cp/admin.kubeconfig',
    ]);
  });

  it.each([
    ['the lines alone', announceControlPlane(endpoints).join('\n'), endpoints],
    ['among progress lines', `building\n${announceControlPlane(endpoints).join('\n')}\nstopping\n`, endpoints],
    ['before the KUBECONFIG line', announceControlPlane(endpoints).slice(0, 4).join('\n'), undefined],
    ['nothing', '', undefined],
  ])('reads %s', (_, output, expected) => {
    expect(readControlPlaneAnnouncement(output)).toEqual(expected);
  });
});
