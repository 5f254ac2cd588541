import { describe, expect, it } from 'vitest';
import { ALL_BURST, NATURAL } from '@string-hashr/policy';
import { httpRouteFlavour, readBackendWeights, type HttpRouteLike } from './http-route.js';
import { routeFlavour, virtualServiceFlavour, withRouteWeights } from './route-flavour.js';
import { findRoute, findVirtualService } from './route-yaml.js';
import { readRouteState, statePatch } from './route-state.js';
import { isAllowed, watcherRbacRules } from './rbac.js';

const T = Date.parse('2025-03-01T12:00:00.000Z');

function workerRoute(primary?: number, burst?: number, annotations?: Record<string, string>): HttpRouteLike {
  const ref = (name: string, weight?: number) => ({ name, port: 80, ...(weight === undefined ? {} : { weight }) });
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: {
      name: 'worker-route',
      namespace: 'default',
      resourceVersion: '7',
      ...(annotations ? { annotations } : {}),
    },
    spec: {
      parentRefs: [{ group: '', kind: 'Service', name: 'worker-service', port: 80 }],
      rules: [
        { matches: [{ path: { type: 'PathPrefix', value: '/admin' } }], backendRefs: [ref('worker-primary')] },
        {
          timeouts: { request: '10s' },
          backendRefs: [ref('worker-primary', primary), { ...ref('worker-burst', burst), filters: [] }],
        },
      ],
    },
  };
}

describe('readBackendWeights', () => {
  it.each([
    [100, 0, NATURAL],
    [0, 100, ALL_BURST],
    [70, 30, { primary: 70, burst: 30 }],
  ])('reads primary=%s burst=%s from the rule with both backends', (p, b, weights) => {
    expect(readBackendWeights(workerRoute(p, b))).toEqual(weights);
  });

  it.each([
    // Gateway API weights are proportions: these route traffic, but not in whole percent the watcher writes.
    [undefined, undefined, /primary=1 burst=1/],
    [1, 1, /primary=1 burst=1/],
    [0, 0, /primary=0 burst=0/],
    [60, 60, /primary=60 burst=60/],
    [undefined, 100, /primary=1 burst=100/],
    [33.5, 66.5, /primary=33.5/],
  ])('refuses primary=%s burst=%s (an omitted weight is 1), naming the route', (p, b, message) => {
    expect(() => readBackendWeights(workerRoute(p, b))).toThrow(message);
    expect(() => readBackendWeights(workerRoute(p, b))).toThrow(/^worker-route: invalid weights/);
  });

  it.each<[string, HttpRouteLike]>([
    ['no rules', { metadata: { name: 'r' } }],
    [
      'a backend of another kind with the same name',
      {
        metadata: { name: 'r' },
        spec: {
          rules: [
            {
              backendRefs: [
                { name: 'worker-primary', weight: 100 },
                { group: 'networking.istio.io', kind: 'Hostname', name: 'worker-burst', weight: 0 },
              ],
            },
          ],
        },
      },
    ],
  ])('says what is missing: %s', (_name, route) => {
    expect(() => readBackendWeights(route)).toThrow(
      /^r has no rule with backendRefs to both Services "worker-primary" and "worker-burst"/,
    );
  });
});

describe('the two flavours behind one seam', () => {
  it('withRouteWeights changes the two weights and nothing else, in either kind', () => {
    const before = workerRoute(100, 0);
    const snapshot = structuredClone(before);
    const after = withRouteWeights(before, { primary: 30, burst: 70 }, httpRouteFlavour());
    expect(before).toEqual(snapshot);
    const expected = structuredClone(snapshot);
    Object.assign(expected.spec?.rules?.[1]?.backendRefs?.[0] ?? {}, { weight: 30 });
    Object.assign(expected.spec?.rules?.[1]?.backendRefs?.[1] ?? {}, { weight: 70 });
    expect(after).toEqual(expected);
    expect(() => withRouteWeights(before, { primary: 30, burst: 30 }, httpRouteFlavour())).toThrow(/invalid weights/);
  });

  it('routeFlavour picks the kind', () => {
    expect(routeFlavour('HTTPRoute').kind).toBe('HTTPRoute');
    expect(routeFlavour('VirtualService').kind).toBe('VirtualService');
    expect(virtualServiceFlavour().kind).toBe('VirtualService');
  });

  it('readRouteState reads the weights, annotations and version of an HTTPRoute', () => {
    const state = readRouteState(
      workerRoute(0, 100, { 'burst.string-hashr.dev/phase': 'burst', 'burst.string-hashr.dev/owner': 'w-0/1' }),
      httpRouteFlavour(),
    );
    expect(state).toMatchObject({ weights: ALL_BURST, record: { phase: 'burst' }, owner: 'w-0/1', version: '7' });
  });

  it('statePatch writes the backendRefs weights in the same fenced patch', () => {
    const ops = statePatch(
      workerRoute(100, 0, { 'burst.string-hashr.dev/owner': 'w-0/1' }),
      {
        owner: 'w-0/1',
        change: { weights: ALL_BURST, record: { phase: 'burst', changedAt: T, reason: 'above 15 req/s' } },
        expect: { version: '7', owner: 'w-0/1' },
      },
      httpRouteFlavour(),
    );
    expect(ops).toEqual([
      { op: 'test', path: '/metadata/resourceVersion', value: '7' },
      { op: 'test', path: '/metadata/annotations/burst.string-hashr.dev~1owner', value: 'w-0/1' },
      { op: 'add', path: '/metadata/annotations/burst.string-hashr.dev~1phase', value: 'burst' },
      {
        op: 'add',
        path: '/metadata/annotations/burst.string-hashr.dev~1changed-at',
        value: '2025-03-01T12:00:00.000Z',
      },
      { op: 'add', path: '/metadata/annotations/burst.string-hashr.dev~1reason', value: 'above 15 req/s' },
      { op: 'test', path: '/spec/rules/1/backendRefs/0/weight', value: 100 },
      { op: 'replace', path: '/spec/rules/1/backendRefs/0/weight', value: 0 },
      { op: 'test', path: '/spec/rules/1/backendRefs/1/weight', value: 0 },
      { op: 'replace', path: '/spec/rules/1/backendRefs/1/weight', value: 100 },
    ]);
  });

  it('statePatch adds an omitted weight rather than testing it', () => {
    const route = workerRoute(undefined, 100);
    const ops = statePatch(
      route,
      { owner: 'w', change: { weights: NATURAL, record: { phase: 'natural', changedAt: T, reason: 'r' } }, expect: {} },
      httpRouteFlavour(),
    );
    expect(ops.filter((o) => o.path.startsWith('/spec'))).toEqual([
      { op: 'add', path: '/spec/rules/1/backendRefs/0/weight', value: 100 },
      { op: 'test', path: '/spec/rules/1/backendRefs/1/weight', value: 100 },
      { op: 'replace', path: '/spec/rules/1/backendRefs/1/weight', value: 0 },
    ]);
  });
});

describe('findRoute', () => {
  const service = 'apiVersion: v1\nkind: Service\nmetadata: { name: worker-burst }\n';
  const route = (kind: string, name: string) => `apiVersion: x/v1\nkind: ${kind}\nmetadata: { name: ${name} }\n`;
  it.each([
    [`${service}---\n${route('HTTPRoute', 'worker-route')}`, {}, 1, 'HTTPRoute'],
    [
      `${route('VirtualService', 'worker-virtual-service')}---\n${route('HTTPRoute', 'worker-route')}`,
      { kind: 'HTTPRoute' as const },
      1,
      'HTTPRoute',
    ],
    [
      `${route('HTTPRoute', 'other')}---\n${route('HTTPRoute', 'worker-route')}`,
      { name: 'worker-route' },
      1,
      'HTTPRoute',
    ],
    [`${route('VirtualService', 'v')}---\n${route('HTTPRoute', 'worker-route')}`, {}, 0, 'VirtualService'],
  ])(
    '%#: finds the route of the kind asked (any when not asked), by name, else the first',
    (text, options, index, kind) => {
      const found = findRoute(text, options);
      expect(found.index).toBe(index);
      expect(found.kind).toBe(kind);
      expect(found.route.kind).toBe(kind);
    },
  );

  it.each([
    [service, {}, /no VirtualService or HTTPRoute in the file/],
    [route('VirtualService', 'v'), { kind: 'HTTPRoute' as const }, /no HTTPRoute in the file/],
  ])('%#: says what is missing', (text, options, message) => {
    expect(() => findRoute(text, options)).toThrow(message);
  });

  it('findVirtualService finds only VirtualServices', () => {
    expect(() => findVirtualService(route('HTTPRoute', 'worker-route'))).toThrow(/no VirtualService in the file/);
  });
});

describe('RBAC for each kind', () => {
  it.each([
    ['VirtualService', 'worker-virtual-service', 'networking.istio.io', 'virtualservices'],
    ['HTTPRoute', 'worker-route', 'gateway.networking.k8s.io', 'httproutes'],
  ] as const)(
    '%s: get, list, watch and patch of that one object, nothing of the other kind',
    (kind, name, group, resource) => {
      const rules = watcherRbacRules(name, 'istiowatcher-leader', kind);
      for (const verb of ['get', 'list', 'watch', 'patch'])
        expect(isAllowed(rules, { apiGroup: group, resource, verb, name })).toBe(true);
      expect(isAllowed(rules, { apiGroup: group, resource, verb: 'update', name })).toBe(false);
      expect(isAllowed(rules, { apiGroup: group, resource, verb: 'get', name: 'other' })).toBe(false);
      const other =
        kind === 'HTTPRoute' ? ['networking.istio.io', 'virtualservices'] : ['gateway.networking.k8s.io', 'httproutes'];
      expect(isAllowed(rules, { apiGroup: other[0]!, resource: other[1]!, verb: 'get', name })).toBe(false);
    },
  );
});
