import { describe, expect, it } from 'vitest';
import { BURST_AUTOSCALER_ANNOTATIONS as A } from '@string-hashr/contract';
import {
  burstPods,
  heldMinReplicas,
  holdPatch,
  isLaterTerm,
  readAutoscalerHold,
  type AutoscalerObject,
} from './burst-autoscaler.js';

const hpa = (minReplicas: number | undefined, annotations?: Record<string, string>, maxReplicas = 10) =>
  ({
    metadata: { name: 'worker-deployment', ...(annotations ? { annotations } : {}) },
    spec: { ...(minReplicas === undefined ? {} : { minReplicas }), maxReplicas },
  }) satisfies AutoscalerObject;

const AT = Date.parse('2025-03-01T12:00:00.000Z');
const write = (pods: number, owner = 'watcher-0/3') => ({
  pods,
  owner,
  changedAt: AT,
  reason: `${pods} burst pods wanted`,
});

describe('readAutoscalerHold', () => {
  it.each([
    [
      'never held: the natural floor is minReplicas',
      hpa(2),
      { minReplicas: 2, naturalMinReplicas: 2, naturalRecorded: false },
    ],
    ['no minReplicas: the API default, 1', hpa(undefined), { minReplicas: 1, naturalMinReplicas: 1 }],
    [
      'held: the floor from its annotation, the owner',
      hpa(5, { [A.naturalMinReplicas]: '1', [A.owner]: 'watcher-0/3' }),
      { minReplicas: 5, maxReplicas: 10, naturalMinReplicas: 1, naturalRecorded: true, owner: 'watcher-0/3' },
    ],
  ])('%s', (_name, object, expected) => {
    expect(readAutoscalerHold(object)).toMatchObject(expected);
  });

  it.each([
    ['a floor that is not a number', hpa(1, { [A.naturalMinReplicas]: 'one' }), /natural-min-replicas="one"/],
    ['a floor of 0', hpa(1, { [A.naturalMinReplicas]: '0' }), /natural-min-replicas="0"/],
    ['a floor above maxReplicas', hpa(1, { [A.naturalMinReplicas]: '11' }), /from 1 to maxReplicas/],
    ['no maxReplicas', { spec: { minReplicas: 1 } }, /spec.maxReplicas undefined/],
    ['maxReplicas below minReplicas', hpa(4, undefined, 3), /spec.maxReplicas 3/],
  ])('refuses %s', (_name, object, message) => {
    expect(() => readAutoscalerHold(object)).toThrow(message);
  });
});

describe('heldMinReplicas', () => {
  const hold = readAutoscalerHold(hpa(5, { [A.naturalMinReplicas]: '2' }, 8));
  it.each([
    [0, 2],
    [1, 2],
    [2, 2],
    [4, 4],
    [4.2, 5],
    [8, 8],
    [30, 8],
    [Number.NaN, 2],
  ])('%s pods asked: minReplicas %s', (pods, expected) => {
    expect(heldMinReplicas(hold, pods)).toBe(expected);
  });
});

describe('isLaterTerm', () => {
  it.each([
    ['watcher-1/4', 'watcher-0/3', true],
    ['watcher-0/3', 'watcher-0/3', false],
    ['watcher-0/2', 'watcher-1/3', false],
    [undefined, 'watcher-0/3', false],
    ['watcher-0', 'watcher-0/3', false],
    ['watcher-1/4', 'watcher-0', false],
  ])('owner %s, ours %s: %s', (owner, token, expected) => {
    expect(isLaterTerm(owner, token)).toBe(expected);
  });
});

describe('holdPatch', () => {
  it('raises a never-held autoscaler: tests what it read, records the floor, who, when and why', () => {
    expect(holdPatch(hpa(1, {}), write(4))).toEqual([
      { op: 'test', path: '/spec/minReplicas', value: 1 },
      { op: 'add', path: '/metadata/annotations/burst.string-hashr.dev~1natural-min-replicas', value: '1' },
      { op: 'add', path: '/metadata/annotations/burst.string-hashr.dev~1owner', value: 'watcher-0/3' },
      {
        op: 'add',
        path: '/metadata/annotations/burst.string-hashr.dev~1changed-at',
        value: '2025-03-01T12:00:00.000Z',
      },
      { op: 'add', path: '/metadata/annotations/burst.string-hashr.dev~1reason', value: '4 burst pods wanted' },
      { op: 'replace', path: '/spec/minReplicas', value: 4 },
    ]);
  });

  it('an object without annotations gets them in one op', () => {
    expect(holdPatch(hpa(1), write(3))?.find((op) => op.path === '/metadata/annotations')).toEqual({
      op: 'add',
      path: '/metadata/annotations',
      value: {
        [A.naturalMinReplicas]: '1',
        [A.owner]: 'watcher-0/3',
        [A.changedAt]: '2025-03-01T12:00:00.000Z',
        [A.reason]: '3 burst pods wanted',
      },
    });
  });

  it('gives back exactly to the recorded floor, testing the owner it read', () => {
    const held = hpa(6, { [A.naturalMinReplicas]: '2', [A.owner]: 'watcher-0/3' });
    const ops = holdPatch(held, write(0, 'watcher-1/4'));
    expect(ops?.slice(0, 2)).toEqual([
      { op: 'test', path: '/spec/minReplicas', value: 6 },
      { op: 'test', path: '/metadata/annotations/burst.string-hashr.dev~1owner', value: 'watcher-0/3' },
    ]);
    expect(ops?.at(-1)).toEqual({ op: 'replace', path: '/spec/minReplicas', value: 2 });
    expect(ops?.some((op) => op.path.endsWith('natural-min-replicas'))).toBe(false);
  });

  it.each([
    ['at the floor, none asked', hpa(1, {}), 0],
    ['held as asked', hpa(4, { [A.naturalMinReplicas]: '1' }), 4],
    ['at maxReplicas, more asked', hpa(10, { [A.naturalMinReplicas]: '1' }), 40],
  ])('writes nothing %s', (_name, object, pods) => {
    expect(holdPatch(object, write(pods))).toBeUndefined();
  });

  it('cuts a long reason as the route does', () => {
    const ops = holdPatch(hpa(1, {}), { ...write(2), reason: 'x'.repeat(400) });
    const reason = ops?.find((op) => op.path.endsWith('reason'))?.value as string;
    expect(reason).toHaveLength(256);
    expect(reason.endsWith('...')).toBe(true);
  });
});

describe('burstPods', () => {
  const hold = readAutoscalerHold(hpa(1, undefined, 7));
  it.each([
    [
      'ready and asked',
      { spec: { replicas: 4 }, status: { replicas: 4, readyReplicas: 3 } },
      { readyPods: 3, desiredPods: 4 },
    ],
    [
      'none ready yet (no readyReplicas)',
      { spec: { replicas: 2 }, status: { replicas: 1 } },
      { readyPods: 0, desiredPods: 2 },
    ],
    [
      'no spec.replicas: the status count',
      { status: { replicas: 2, readyReplicas: 2 } },
      { readyPods: 2, desiredPods: 2 },
    ],
    ['nothing known', {}, { readyPods: 0, desiredPods: 0 }],
  ])('%s', (_name, deployment, expected) => {
    expect(burstPods(deployment)).toEqual(expected);
    expect(burstPods(deployment, hold)).toEqual({ ...expected, maxPods: 7 });
  });

  it('the floor held above the natural one, for a watcher that starts without a warm state', () => {
    const natural = A.naturalMinReplicas;
    const deployment = { spec: { replicas: 4 }, status: { readyReplicas: 4 } };
    const pods = (minReplicas: number, annotations?: Record<string, string>) =>
      burstPods(deployment, readAutoscalerHold(hpa(minReplicas, annotations)));
    expect(pods(4, { [natural]: '1' })).toEqual({ readyPods: 4, desiredPods: 4, maxPods: 10, heldPods: 4 });
    expect(pods(1, { [natural]: '1' })).not.toHaveProperty('heldPods');
    // Never held: no natural floor recorded, minReplicas is the natural floor.
    expect(pods(4)).not.toHaveProperty('heldPods');
  });
});
