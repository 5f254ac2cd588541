import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG_PATH, loadConfig } from './config.js';
import { GatewayApiObject, frontendGatewayApi, workerHttpRoute } from './gateway-api.js';

const config = loadConfig(path.resolve(import.meta.dirname, '../../..', DEFAULT_CONFIG_PATH));
const meta = { name: 'r', namespace: 'default' };
const route = (
  rule: Record<string, unknown>,
  parentRefs: unknown = [{ group: '', kind: 'Service', name: 's', port: 80 }],
) => new GatewayApiObject('HTTPRoute', { metadata: meta, spec: { parentRefs, rules: [rule] } });

describe('the Gateway API objects pass their own check', () => {
  it('every object generated', () => {
    for (const object of [workerHttpRoute(config), ...frontendGatewayApi(config)])
      expect(() => object.validate(), `${object.kind} ${object.metadata.name}`).not.toThrow();
  });
});

describe('and the check refuses what the v1 CRDs refuse', () => {
  it.each<[string, GatewayApiObject, RegExp]>([
    [
      'a name that is not a DNS subdomain',
      new GatewayApiObject('HTTPRoute', { metadata: { name: 'Worker_Route', namespace: 'd' }, spec: { rules: [] } }),
      /metadata.name/,
    ],
    [
      'no namespace',
      new GatewayApiObject('Gateway', {
        metadata: { name: 'g', namespace: '' },
        spec: { gatewayClassName: 'istio', listeners: [] },
      }),
      /metadata.namespace/,
    ],
    [
      'a duration Gateway API does not write',
      route({ timeouts: { request: '1.5s' } }),
      /timeouts.request "1.5s" is not a Gateway API duration/,
    ],
    [
      'retry, experimental channel only',
      route({ retry: { attempts: 2 } }),
      /retry is in the experimental channel only/,
    ],
    [
      'a weight out of range',
      route({ backendRefs: [{ name: 'b', port: 80, weight: -1 }] }),
      /weight must be an integer 0..1000000/,
    ],
    [
      'a Service backend without a port',
      route({ backendRefs: [{ name: 'b' }] }),
      /backendRefs\[0\].port is required for a Service/,
    ],
    [
      'a path that is not absolute',
      route({ matches: [{ path: { type: 'PathPrefix', value: 'vendor' } }] }),
      /path.value "vendor" is not a valid path/,
    ],
    ['a path with //', route({ matches: [{ path: { type: 'Exact', value: '/a//b' } }] }), /is not a valid path/],
    [
      'a regex path (not in the standard core)',
      route({ matches: [{ path: { type: 'RegularExpression', value: '/a' } }] }),
      /is not Exact or PathPrefix/,
    ],
    ['no parentRefs list', route({}, 'worker-service'), /spec.parentRefs must be a list/],
    [
      'HTTPS without a certificate',
      new GatewayApiObject('Gateway', {
        metadata: meta,
        spec: { gatewayClassName: 'istio', listeners: [{ name: 'https', port: 443, protocol: 'HTTPS' }] },
      }),
      /HTTPS needs tls.certificateRefs/,
    ],
    [
      'a listener port out of range',
      new GatewayApiObject('Gateway', {
        metadata: meta,
        spec: { gatewayClassName: 'istio', listeners: [{ name: 'http', port: 0, protocol: 'HTTP' }] },
      }),
      /port must be 1..65535/,
    ],
    [
      'no gatewayClassName',
      new GatewayApiObject('Gateway', { metadata: meta, spec: { listeners: [] } }),
      /gatewayClassName is required/,
    ],
    [
      'a grant without namespace',
      new GatewayApiObject('ReferenceGrant', {
        metadata: meta,
        spec: { from: [{ group: '', kind: 'Gateway' }], to: [{ group: '', kind: 'Secret' }] },
      }),
      /needs group, kind and namespace/,
    ],
  ])('%s', (_name, object, message) => {
    expect(() => object.validate()).toThrow(message);
  });
});
