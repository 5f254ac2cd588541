import { describe, expect, it } from 'vitest';
import { ALL_BURST, NATURAL } from '@string-hashr/policy';
import {
  annotationReason,
  formatChangedAt,
  parseChangedAt,
  pointerToken,
  readRouteState,
  statePatch,
  type StateWrite,
} from './route-state.js';
import type { VirtualServiceLike } from './virtual-service.js';

const host = 'worker-service.default.svc.cluster.local';
const T = Date.parse('2025-03-01T12:00:00.000Z');

function vs(annotations?: Record<string, unknown>, weights: [number, number] = [100, 0]): VirtualServiceLike {
  return {
    metadata: {
      name: 'worker-virtual-service',
      resourceVersion: '42',
      ...(annotations ? { annotations } : {}),
    },
    spec: {
      http: [
        {
          route: [
            { destination: { host, subset: 'primary' }, weight: weights[0] },
            { destination: { host, subset: 'burst' }, weight: weights[1] },
          ],
        },
      ],
    },
  };
}

const A = (key: string) => `burst.string-hashr.dev/${key}`;

describe('readRouteState', () => {
  it.each([
    ['no annotations', undefined, {}, { suspend: false }, undefined, []],
    [
      "the watcher's record",
      { [A('phase')]: 'burst', [A('changed-at')]: '2025-03-01T12:00:00Z', [A('reason')]: 'why', [A('owner')]: 'w-0/3' },
      { phase: 'burst', changedAt: T, reason: 'why' },
      { suspend: false },
      'w-0/3',
      [],
    ],
    [
      'a changed-at with an offset',
      { [A('changed-at')]: '2025-03-01T13:00:00+01:00' },
      { changedAt: T },
      { suspend: false },
      undefined,
      [],
    ],
    [
      'a record it cannot read is ignored, saying so',
      { [A('phase')]: 'maybe', [A('changed-at')]: 'yesterday' },
      {},
      { suspend: false },
      undefined,
      [/phase="maybe" is not one of natural, burst, unhealthy/, /changed-at="yesterday" is not an RFC 3339 time/],
    ],
    ['suspend', { [A('suspend')]: 'true' }, {}, { suspend: true }, undefined, []],
    ['suspend false', { [A('suspend')]: 'false' }, {}, { suspend: false }, undefined, []],
    [
      'a suspend it does not understand suspends',
      { [A('suspend')]: 'yes' },
      {},
      { suspend: true },
      undefined,
      [/suspend="yes" is not "true" or "false": taken as "true"/],
    ],
    ['pin natural', { [A('pin')]: 'natural' }, {}, { suspend: false, pin: 'natural' }, undefined, []],
    ['pin burst', { [A('pin')]: 'burst' }, {}, { suspend: false, pin: 'burst' }, undefined, []],
    [
      'a pin it does not understand holds still',
      { [A('pin')]: 'cloud' },
      {},
      { suspend: true },
      undefined,
      [/pin="cloud" is not one of natural, burst: no change is made/],
    ],
    ['annotations that are not strings are ignored', { [A('suspend')]: true }, {}, { suspend: false }, undefined, []],
  ])('%s', (_name, annotations, record, control, owner, problems) => {
    const state = readRouteState(vs(annotations as Record<string, unknown> | undefined));
    expect(state.weights).toEqual(NATURAL);
    expect(state.version).toBe('42');
    expect(state.record).toEqual(record);
    expect(state.control).toEqual(control);
    expect(state.owner).toBe(owner);
    expect(state.problems).toHaveLength(problems.length);
    problems.forEach((p, i) => expect(state.problems[i]).toMatch(p));
  });

  it('annotations that are not a map count as none', () => {
    expect(readRouteState({ ...vs(), metadata: { annotations: ['x'] } }).control).toEqual({ suspend: false });
  });
});

describe('the annotation values', () => {
  it.each([
    ['burst.string-hashr.dev/owner', 'burst.string-hashr.dev~1owner'],
    ['a~b/c', 'a~0b~1c'],
    ['~1', '~01'],
    ['plain', 'plain'],
  ])('pointerToken(%j) = %j', (key, token) => expect(pointerToken(key)).toBe(token));

  it.each([
    ['2025-03-01T12:00:00Z', T],
    ['2025-03-01T12:00:00.000Z', T],
    ['2025-03-01t12:00:00z', T],
    ['2025-03-01 12:00:00Z', undefined],
    ['2025-03-01', undefined],
    ['1740830400000', undefined],
    ['2025-02-30T12:00:00Z', undefined],
    ['2024-02-29T12:00:00Z', Date.parse('2024-02-29T12:00:00Z')],
    ['2025-03-01T24:00:00Z', undefined],
    ['2025-13-01T12:00:00Z', undefined],
  ])('parseChangedAt(%j)', (text, ms) => expect(parseChangedAt(text)).toBe(ms));

  it('formatChangedAt is RFC 3339 UTC and reads back', () => {
    expect(formatChangedAt(T + 5)).toBe('2025-03-01T12:00:00.005Z');
    expect(parseChangedAt(formatChangedAt(T + 5))).toBe(T + 5);
  });

  it.each([
    ['short', 'short'],
    ['x'.repeat(256), 'x'.repeat(256)],
    ['x'.repeat(257), 'x'.repeat(253) + '...'],
    ['😀'.repeat(300), '😀'.repeat(253) + '...'],
  ])('annotationReason keeps at most 256 characters (%#)', (reason, written) => {
    expect(annotationReason(reason)).toBe(written);
    expect(Array.from(annotationReason(reason)).length).toBeLessThanOrEqual(256);
  });
});

describe('statePatch', () => {
  const change = (weights = ALL_BURST) => ({
    weights,
    record: { phase: 'burst' as const, changedAt: T, reason: 'above 15 req/s' },
  });
  const owner = '/metadata/annotations/burst.string-hashr.dev~1owner';
  const weightOps = [
    { op: 'test', path: '/spec/http/0/route/0/weight', value: 100 },
    { op: 'replace', path: '/spec/http/0/route/0/weight', value: 0 },
    { op: 'test', path: '/spec/http/0/route/1/weight', value: 0 },
    { op: 'replace', path: '/spec/http/0/route/1/weight', value: 100 },
  ];
  const record = {
    'burst.string-hashr.dev/phase': 'burst',
    'burst.string-hashr.dev/changed-at': '2025-03-01T12:00:00.000Z',
    'burst.string-hashr.dev/reason': 'above 15 req/s',
  };

  it.each<[string, VirtualServiceLike, StateWrite, unknown[]]>([
    [
      'a change by the owner: tests version and owner, then the annotations that change, then weights',
      vs({ [A('owner')]: 'w-0/3', keep: 'x' }),
      { owner: 'w-0/3', change: change(), expect: { version: '42', owner: 'w-0/3' } },
      [
        { op: 'test', path: '/metadata/resourceVersion', value: '42' },
        { op: 'test', path: owner, value: 'w-0/3' },
        ...Object.entries(record).map(([k, value]) => ({
          op: 'add',
          path: `/metadata/annotations/${k.replace('/', '~1')}`,
          value,
        })),
        ...weightOps,
      ],
    ],
    [
      'annotations already at their value are not written again (only changed-at moves)',
      vs({ [A('owner')]: 'w-0/3', [A('phase')]: 'burst', [A('reason')]: 'above 15 req/s' }, [50, 50]),
      { owner: 'w-0/3', change: change(), expect: { owner: 'w-0/3' } },
      [
        { op: 'test', path: owner, value: 'w-0/3' },
        {
          op: 'add',
          path: '/metadata/annotations/burst.string-hashr.dev~1changed-at',
          value: '2025-03-01T12:00:00.000Z',
        },
        { op: 'test', path: '/spec/http/0/route/0/weight', value: 50 },
        { op: 'replace', path: '/spec/http/0/route/0/weight', value: 0 },
        { op: 'test', path: '/spec/http/0/route/1/weight', value: 50 },
        { op: 'replace', path: '/spec/http/0/route/1/weight', value: 100 },
      ],
    ],
    [
      'a claim by the owner already written: only its tests, no change to the object',
      vs({ [A('owner')]: 'w-0/3' }),
      { owner: 'w-0/3', expect: { version: '42', owner: 'w-0/3' } },
      [
        { op: 'test', path: '/metadata/resourceVersion', value: '42' },
        { op: 'test', path: owner, value: 'w-0/3' },
      ],
    ],
    [
      'the first write on an object without annotations adds the map',
      vs(),
      { owner: 'w-0/3', change: change(), expect: { version: '42' } },
      [
        { op: 'test', path: '/metadata/resourceVersion', value: '42' },
        { op: 'add', path: '/metadata/annotations', value: { ...record, 'burst.string-hashr.dev/owner': 'w-0/3' } },
        ...weightOps,
      ],
    ],
    [
      'a claim: the owner only, guarded by the version',
      vs({ [A('owner')]: 'w-1/2' }),
      { owner: 'w-0/3', expect: { version: '42' } },
      [
        { op: 'test', path: '/metadata/resourceVersion', value: '42' },
        { op: 'add', path: owner, value: 'w-0/3' },
      ],
    ],
    [
      'an omitted weight is added, not tested',
      {
        ...vs(),
        spec: {
          http: [
            { route: [{ destination: { subset: 'primary' } }, { destination: { subset: 'burst' }, weight: 100 }] },
          ],
        },
      },
      { owner: 'w', change: change(NATURAL), expect: {} },
      [
        { op: 'add', path: '/metadata/annotations', value: expect.any(Object) },
        { op: 'add', path: '/spec/http/0/route/0/weight', value: 100 },
        { op: 'test', path: '/spec/http/0/route/1/weight', value: 100 },
        { op: 'replace', path: '/spec/http/0/route/1/weight', value: 0 },
      ],
    ],
  ])('%s', (_name, object, write, ops) => {
    expect(statePatch(object, write)).toEqual(ops);
  });

  it('a long reason is cut to 256 characters in the patch', () => {
    const ops = statePatch(vs({}), {
      owner: 'w',
      change: { weights: ALL_BURST, record: { phase: 'burst', changedAt: T, reason: 'r'.repeat(1000) } },
      expect: {},
    });
    const reason = ops.find((o) => o.path.endsWith('~1reason'));
    expect((reason?.value as string).length).toBe(256);
  });

  it('refuses weights that do not sum to 100', () => {
    expect(() => statePatch(vs(), { owner: 'w', change: change({ primary: 0, burst: 0 }), expect: {} })).toThrow(
      /invalid weights/,
    );
  });
});
