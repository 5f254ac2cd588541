/**
 * What the watcher assumes of the Kubernetes API, as one table: run by a unit test against the
 * in-memory fakes (routers/memory.ts, memory-lease.ts) and by an integration test against a real
 * kube-apiserver, so a fake cannot drift from the server it stands for. Each case acts on a subject
 * and returns what it observed; both runs must observe `expected`.
 */
import type { V1Lease } from '@kubernetes/client-node';
import { BURST_ANNOTATIONS } from '@string-hashr/contract';
import { ALL_BURST, NATURAL, type Weights } from '@string-hashr/policy';
import { RouterError, type RouteEvent, type Router, type RouterErrorKind } from '../routers/router.js';
import { apiFailure } from './errors.js';
import type { LeaseApi } from './lease.js';

/** The route object as a case starts it: NATURAL weights, these annotations besides `note`. */
export interface SubjectStart {
  annotations?: Record<string, string>;
}

/** One object and one Lease, fresh for each case. */
export interface ApiSubject {
  /** The watcher's router on the object. */
  router: Router;
  /** Someone else's edit (kubectl): weights and annotations, undefined removes one. */
  edit(change: { weights?: Weights; annotations?: Record<string, string | undefined> }): Promise<void>;
  /** The object as stored now. */
  stored(): Promise<{ weights: Weights; annotations: Record<string, string>; version?: string }>;
  /** The Events recorded on the object, oldest first. */
  events(): Promise<RouteEvent[]>;
  /** The leader Lease, not yet created. */
  lease: LeaseApi;
}

/** `ok`, the RouterError kind the watcher made of a failure, or the HTTP code of a Lease call. */
export type Outcome = 'ok' | RouterErrorKind | `HTTP ${number}`;

export interface ApiAssumption {
  name: string;
  start?: SubjectStart;
  /** The HTTP status of the case's last write, where a real server answers it. */
  status?: number;
  act(subject: ApiSubject): Promise<Record<string, unknown>>;
  expected: Record<string, unknown>;
}

const OWNER = BURST_ANNOTATIONS.owner;
const record = { phase: 'burst' as const, changedAt: Date.parse('2025-03-01T12:00:00.000Z'), reason: 'table' };

async function outcomeOf(action: () => Promise<unknown>): Promise<Outcome> {
  try {
    await action();
    return 'ok';
  } catch (err) {
    if (err instanceof RouterError) return err.kind;
    const { code } = apiFailure(err);
    if (code === undefined) throw err;
    return `HTTP ${code}`;
  }
}

/** The watcher's write: on the version it read, expecting `owner` when given. */
async function writeBurst(subject: ApiSubject, owner: string, expectOwner?: string, before?: () => Promise<void>) {
  const read = await subject.router.read({ fresh: true });
  await before?.();
  return outcomeOf(() =>
    subject.router.write({
      owner,
      change: { weights: ALL_BURST, record },
      expect: { version: read.version, ...(expectOwner === undefined ? {} : { owner: expectOwner }) },
    }),
  );
}

const pick = (annotations: Record<string, string>, keys: string[]) =>
  Object.fromEntries(keys.filter((key) => key in annotations).map((key) => [key, annotations[key]]));

const leaseSpec = (holderIdentity: string, leaseTransitions: number): V1Lease => ({
  metadata: { name: 'istiowatcher-leader' },
  spec: { holderIdentity, leaseDurationSeconds: 4, leaseTransitions },
});

export const API_ASSUMPTIONS: ApiAssumption[] = [
  {
    name: 'a write on the version read lands: the weights and the annotations, "/" in their keys escaped as ~1',
    status: 200,
    async act(subject) {
      const outcome = await writeBurst(subject, 'watcher-a/0');
      const { weights, annotations } = await subject.stored();
      return {
        outcome,
        weights,
        annotations: pick(annotations, [OWNER, BURST_ANNOTATIONS.phase, BURST_ANNOTATIONS.changedAt, 'note']),
      };
    },
    expected: {
      outcome: 'ok',
      weights: ALL_BURST,
      annotations: {
        [OWNER]: 'watcher-a/0',
        [BURST_ANNOTATIONS.phase]: 'burst',
        [BURST_ANNOTATIONS.changedAt]: '2025-03-01T12:00:00.000Z',
        note: 'kept as is',
      },
    },
  },
  {
    name: 'an edit between read and write: the resourceVersion test fails, a conflict, their edit kept',
    status: 422,
    async act(subject) {
      const outcome = await writeBurst(subject, 'watcher-a/0', undefined, () =>
        subject.edit({ weights: { primary: 50, burst: 50 } }),
      );
      return { outcome, weights: (await subject.stored()).weights };
    },
    expected: { outcome: 'conflict', weights: { primary: 50, burst: 50 } },
  },
  {
    name: 'another term owns the object: the owner test fails, a conflict',
    start: { annotations: { [OWNER]: 'watcher-b/2' } },
    status: 422,
    async act(subject) {
      const outcome = await writeBurst(subject, 'watcher-a/1', 'watcher-a/1');
      return { outcome, weights: (await subject.stored()).weights };
    },
    expected: { outcome: 'conflict', weights: NATURAL },
  },
  {
    name: 'an owner expected on an object that has none (a test of a missing member): a conflict',
    status: 422,
    async act(subject) {
      return { outcome: await writeBurst(subject, 'watcher-a/1', 'watcher-a/1') };
    },
    expected: { outcome: 'conflict' },
  },
  {
    name: 'the owner as expected: the write lands',
    start: { annotations: { [OWNER]: 'watcher-a/1' } },
    status: 200,
    async act(subject) {
      const outcome = await writeBurst(subject, 'watcher-a/1', 'watcher-a/1');
      return { outcome, weights: (await subject.stored()).weights };
    },
    expected: { outcome: 'ok', weights: ALL_BURST },
  },
  {
    name: 'a write that changes nothing keeps the resourceVersion',
    start: { annotations: { [OWNER]: 'watcher-a/1' } },
    status: 200,
    async act(subject) {
      const read = await subject.router.read({ fresh: true });
      const outcome = await outcomeOf(() =>
        subject.router.write({ owner: 'watcher-a/1', expect: { version: read.version, owner: 'watcher-a/1' } }),
      );
      return { outcome, sameVersion: (await subject.stored()).version === read.version };
    },
    expected: { outcome: 'ok', sameVersion: true },
  },
  {
    name: "the operator's annotations are read by their keys",
    start: { annotations: { [BURST_ANNOTATIONS.suspend]: 'true', [BURST_ANNOTATIONS.pin]: 'natural' } },
    async act(subject) {
      const { control } = await subject.router.read({ fresh: true });
      return { outcome: 'ok', control };
    },
    expected: { outcome: 'ok', control: { suspend: true, pin: 'natural' } },
  },
  {
    name: 'an Event is stored with its type, reason and message',
    async act(subject) {
      await subject.router.record({ type: 'Warning', reason: 'OutsideEdit', message: 'weights 50/50 by someone' });
      return { events: await subject.events() };
    },
    expected: { events: [{ type: 'Warning', reason: 'OutsideEdit', message: 'weights 50/50 by someone' }] },
  },
  {
    name: 'Lease: a read before it exists is 404',
    async act({ lease }) {
      return { outcome: await outcomeOf(() => lease.read()) };
    },
    expected: { outcome: 'HTTP 404' },
  },
  {
    name: 'Lease: created as written; a second create is 409',
    async act({ lease }) {
      await lease.create(leaseSpec('watcher-a', 0));
      const second = await outcomeOf(() => lease.create(leaseSpec('watcher-b', 0)));
      const { spec } = await lease.read();
      return { second, holder: spec?.holderIdentity, transitions: spec?.leaseTransitions };
    },
    expected: { second: 'HTTP 409', holder: 'watcher-a', transitions: 0 },
  },
  {
    name: 'Lease: an update on the version read lands with a new version; holder and transitions as written',
    async act({ lease }) {
      const created = await lease.create(leaseSpec('watcher-a', 0));
      const updated = await lease.replace({
        ...created,
        spec: { ...created.spec, holderIdentity: 'watcher-b', leaseTransitions: 1 },
      });
      const { spec } = await lease.read();
      return {
        newVersion: updated.metadata?.resourceVersion !== created.metadata?.resourceVersion,
        holder: spec?.holderIdentity,
        transitions: spec?.leaseTransitions,
      };
    },
    expected: { newVersion: true, holder: 'watcher-b', transitions: 1 },
  },
  {
    name: "Lease: an update on a stale version is 409 and the other replica's write is kept",
    async act({ lease }) {
      const created = await lease.create(leaseSpec('watcher-a', 0));
      await lease.replace({ ...created, spec: { ...created.spec, holderIdentity: 'watcher-b', leaseTransitions: 1 } });
      const stale = await outcomeOf(() =>
        lease.replace({ ...created, spec: { ...created.spec, renewTime: undefined } }),
      );
      return { stale, holder: (await lease.read()).spec?.holderIdentity };
    },
    expected: { stale: 'HTTP 409', holder: 'watcher-b' },
  },
  {
    name: 'Lease: released with an empty holder, read back empty',
    async act({ lease }) {
      const created = await lease.create(leaseSpec('watcher-a', 3));
      await lease.replace({ ...created, spec: { ...created.spec, holderIdentity: '', leaseDurationSeconds: 1 } });
      const { spec } = await lease.read();
      return { holder: spec?.holderIdentity ?? '', transitions: spec?.leaseTransitions };
    },
    expected: { holder: '', transitions: 3 },
  },
];
