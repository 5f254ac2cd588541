import { describe, expect, it } from 'vitest';
import { ALL_BURST, NATURAL, checkWeights } from '@string-hashr/policy';
import { readWeights, withWeights, type VirtualServiceLike } from './virtual-service.js';
import { findVirtualService } from './route-yaml.js';

const host = 'worker-service.default.svc.cluster.local';
function workerVs(primary?: number, burst?: number): VirtualServiceLike {
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: {
      name: 'worker-virtual-service',
      namespace: 'default',
      resourceVersion: '42',
      labels: { app: 'worker' },
    },
    spec: {
      hosts: ['worker-service'],
      http: [
        { match: [{ uri: { prefix: '/admin' } }], route: [{ destination: { host, subset: 'primary' } }] },
        {
          timeout: '5s',
          route: [
            { destination: { host, subset: 'primary' }, ...(primary === undefined ? {} : { weight: primary }) },
            {
              destination: { host, subset: 'burst' },
              ...(burst === undefined ? {} : { weight: burst }),
              headers: { request: { set: { x: 'y' } } },
            },
          ],
        },
      ],
    },
  };
}

describe('readWeights', () => {
  it.each([
    [100, 0, NATURAL],
    [0, 100, ALL_BURST],
    [60, 40, { primary: 60, burst: 40 }],
    [undefined, 100, { primary: 0, burst: 100 }],
  ])('reads primary=%s burst=%s from the route that has both subsets', (p, b, expected) => {
    expect(readWeights(workerVs(p, b))).toEqual(expected);
  });

  it('refuses weights that are not whole percentages summing to 100 (a file with weight: "abc" too)', () => {
    const vs = workerVs(100, 0);
    const burst = vs.spec?.http?.[1]?.route?.[1];
    if (burst) (burst as { weight?: unknown }).weight = 'abc';
    expect(() => readWeights(vs)).toThrow(/^worker-virtual-service has weights primary=100 burst="abc"/);
    expect(() => readWeights(workerVs(50, 40))).toThrow(/primary=50 burst=40: expected whole numbers/);
  });

  it('says which subsets are missing', () => {
    expect(() => readWeights(workerVs(100, 0), { primary: 'primary', burst: 'cloud' })).toThrow(
      /both subsets "primary" and "cloud"/,
    );
    expect(() => readWeights({ metadata: { name: 'x' } })).toThrow(/^x has no HTTP route/);
  });
});

describe('withWeights', () => {
  it('changes the two weights and nothing else, leaving the input alone', () => {
    const before = workerVs(100, 0);
    const snapshot = structuredClone(before);
    const after = withWeights(before, { primary: 30, burst: 70 });
    expect(before).toEqual(snapshot);
    const expected = structuredClone(snapshot);
    Object.assign(expected.spec?.http?.[1]?.route?.[0] ?? {}, { weight: 30 });
    Object.assign(expected.spec?.http?.[1]?.route?.[1] ?? {}, { weight: 70 });
    expect(after).toEqual(expected);
  });
});

describe('checkWeights', () => {
  it.each([
    [{ primary: 100, burst: 0 }, true],
    [{ primary: 50, burst: 50 }, true],
    [{ primary: 0, burst: 0 }, false],
    [{ primary: 60, burst: 60 }, false],
    [{ primary: -10, burst: 110 }, false],
    [{ primary: 33.5, burst: 66.5 }, false],
  ])('%j valid: %s', (weights, valid) => {
    if (valid) expect(() => checkWeights(weights)).not.toThrow();
    else expect(() => checkWeights(weights)).toThrow(/invalid weights/);
  });
});

describe('findVirtualService', () => {
  const dr = 'apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: { name: worker-destination-rule }\n';
  const vs = (name: string) =>
    `apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: { name: ${name} }\nspec: { hosts: [x] }\n`;
  it.each([
    [`${dr}---\n${vs('worker-virtual-service')}`, 'worker-virtual-service', 1],
    [`${vs('other')}---\n${vs('worker-virtual-service')}`, 'worker-virtual-service', 1],
    [`${vs('other')}---\n${dr}`, 'worker-virtual-service', 0],
    [`${dr}---\n${vs('only')}`, undefined, 1],
  ])('%#: finds the VirtualService by name, else the first', (text, name, index) => {
    const found = findVirtualService(text, name);
    expect(found.index).toBe(index);
    expect(found.vs.kind).toBe('VirtualService');
    expect(found.docs).toHaveLength(2);
  });

  it.each([
    [dr, /no VirtualService/],
    ['kind: [unclosed', /not valid YAML/],
  ])('%#: says what is wrong', (text, message) => {
    expect(() => findVirtualService(text)).toThrow(message);
  });
});
