/**
 * What the burst scaler assumes of the burst cluster's API, as one table: run by a unit test against
 * the in-memory fake (memory-burst-cluster.ts) and by an integration test against a real
 * kube-apiserver (test/burst-scaler.test.ts), so the fake cannot drift from the server. Each case
 * acts on a fresh subject and returns what it observed; both runs must observe `expected`.
 */
import { BURST_AUTOSCALER_ANNOTATIONS as A, BURST_AUTOSCALER_EVENTS } from '@string-hashr/contract';
import { RouterError } from '../routers/router.js';
import type { BurstScaler } from '../burst-side.js';
import type { BurstApi } from './burst-scaler.js';
import { describeApiError } from './errors.js';

/** The autoscaler as a case starts it (maxReplicas 10 unless given), the Deployment at minReplicas pods, none ready. */
export interface BurstSubjectStart {
  minReplicas?: number;
  maxReplicas?: number;
  /** Exactly these annotations (none unless given). */
  annotations?: Record<string, string>;
}

export interface BurstSubject {
  /** The watcher's burst scaler, `changed-at` at BURST_T0. */
  scaler: BurstScaler;
  /** Its calls, raw. */
  api: BurstApi;
  /** Someone else's edit of the autoscaler (kubectl): minReplicas, annotations (undefined removes one). */
  edit(change: { minReplicas?: number; annotations?: Record<string, string | undefined> }): Promise<void>;
  /** The autoscaler's own status write, as every sync makes one. */
  touchStatus(): Promise<void>;
  /** The Deployment's replicas and ready pods, as its controller reports them. */
  setPods(pods: { replicas: number; readyReplicas: number }): Promise<void>;
  stored(): Promise<{ minReplicas?: number; annotations: Record<string, string>; version?: string }>;
  /** The Events recorded, oldest first. */
  events(): Promise<Array<{ type?: string; reason?: string; message?: string; kind?: string; name?: string }>>;
}

export interface BurstApiAssumption {
  name: string;
  start?: BurstSubjectStart;
  act(subject: BurstSubject): Promise<Record<string, unknown>>;
  expected: Record<string, unknown>;
}

export const BURST_T0 = Date.parse('2025-03-01T12:00:00.000Z');
const TOKEN = 'watcher-0/3';

/** `ok`, or the RouterError kind the scaler made of a failure (a raw API error as describeApiError reads it). */
async function outcomeOf(action: () => Promise<unknown>): Promise<string> {
  try {
    await action();
    return 'ok';
  } catch (err) {
    if (err instanceof RouterError) return err.kind;
    return describeApiError(err, {
      verb: 'patch',
      resource: 'horizontalpodautoscalers',
      group: 'autoscaling',
      namespace: '',
    }).kind;
  }
}

const ours = (annotations: Record<string, string>) =>
  Object.fromEntries(Object.entries(annotations).filter(([key]) => key.startsWith('burst.string-hashr.dev/')));

export const BURST_API_ASSUMPTIONS: BurstApiAssumption[] = [
  {
    name: 'a hold on a never-held autoscaler lands: minReplicas, the floor, who, when and why, "/" escaped as ~1',
    async act({ scaler, stored }) {
      await scaler.read();
      const outcome = await outcomeOf(() => scaler.hold(4, TOKEN, '4 burst pods wanted'));
      const { minReplicas, annotations } = await stored();
      return { outcome, minReplicas, annotations: ours(annotations) };
    },
    expected: {
      outcome: 'ok',
      minReplicas: 4,
      annotations: {
        [A.naturalMinReplicas]: '1',
        [A.owner]: TOKEN,
        [A.changedAt]: '2025-03-01T12:00:00.000Z',
        [A.reason]: '4 burst pods wanted',
      },
    },
  },
  {
    name: 'a give-back restores the recorded floor exactly',
    start: { minReplicas: 6, annotations: { [A.naturalMinReplicas]: '2', [A.owner]: TOKEN } },
    async act({ scaler, stored }) {
      await scaler.read();
      const outcome = await outcomeOf(() => scaler.hold(0, TOKEN, 'given back'));
      return { outcome, minReplicas: (await stored()).minReplicas };
    },
    expected: { outcome: 'ok', minReplicas: 2 },
  },
  {
    name: "another writer's minReplicas between read and hold: the test fails, a conflict, theirs kept and read again",
    async act({ scaler, stored, edit }) {
      await scaler.read();
      await edit({ minReplicas: 3 });
      const first = await outcomeOf(() => scaler.hold(5, TOKEN, '5 wanted'));
      const kept = (await stored()).minReplicas;
      const second = await outcomeOf(() => scaler.hold(5, TOKEN, '5 wanted'));
      return { first, kept, second, after: (await stored()).minReplicas };
    },
    expected: { first: 'conflict', kept: 3, second: 'ok', after: 5 },
  },
  {
    name: 'a later term took the autoscaler over: the owner test fails, then the later term is refused unsent',
    start: { minReplicas: 4, annotations: { [A.naturalMinReplicas]: '1', [A.owner]: TOKEN } },
    async act({ scaler, stored, edit }) {
      await scaler.read();
      await edit({ annotations: { [A.owner]: 'watcher-1/4' } });
      const first = await outcomeOf(() => scaler.hold(6, TOKEN, '6 wanted'));
      const second = await outcomeOf(() => scaler.hold(6, TOKEN, '6 wanted'));
      const { minReplicas, annotations } = await stored();
      return { first, second, minReplicas, owner: annotations[A.owner] };
    },
    expected: { first: 'conflict', second: 'conflict', minReplicas: 4, owner: 'watcher-1/4' },
  },
  {
    name: "the autoscaler's own status writes between read and hold do not make it conflict",
    async act({ scaler, stored, touchStatus }) {
      await scaler.read();
      const before = (await stored()).version;
      await touchStatus();
      const moved = (await stored()).version !== before;
      const outcome = await outcomeOf(() => scaler.hold(3, TOKEN, '3 wanted'));
      return { moved, outcome, minReplicas: (await stored()).minReplicas };
    },
    expected: { moved: true, outcome: 'ok', minReplicas: 3 },
  },
  {
    name: 'a hold already in force sends nothing: the resourceVersion stays',
    start: { minReplicas: 4, annotations: { [A.naturalMinReplicas]: '1', [A.owner]: TOKEN } },
    async act({ scaler, stored }) {
      await scaler.read();
      const before = (await stored()).version;
      const held = await scaler.hold(4, TOKEN, '4 wanted');
      return { held, sameVersion: (await stored()).version === before };
    },
    expected: { held: { changed: false, minReplicas: 4 }, sameVersion: true },
  },
  {
    name: 'a JSON Patch test that does not hold: 422 with no detail, read as a conflict',
    async act({ api, stored }) {
      const outcome = await outcomeOf(() =>
        api.patchAutoscaler([
          { op: 'test', path: '/spec/minReplicas', value: 7 },
          { op: 'replace', path: '/spec/minReplicas', value: 2 },
        ]),
      );
      return { outcome, minReplicas: (await stored()).minReplicas };
    },
    expected: { outcome: 'conflict', minReplicas: 1 },
  },
  {
    name: 'minReplicas above maxReplicas is refused as invalid (422), nothing changed',
    start: { maxReplicas: 5 },
    async act({ api, stored }) {
      const outcome = await outcomeOf(() =>
        api.patchAutoscaler([{ op: 'replace', path: '/spec/minReplicas', value: 6 }]),
      );
      return { outcome, minReplicas: (await stored()).minReplicas };
    },
    expected: { outcome: 'invalid', minReplicas: 1 },
  },
  {
    name: "the burst pods as the Deployment's status says, the autoscaler's maximum beside them",
    start: { maxReplicas: 7 },
    async act({ scaler, setPods }) {
      await setPods({ replicas: 4, readyReplicas: 3 });
      return { pods: await scaler.read() };
    },
    expected: { pods: { readyPods: 3, desiredPods: 4, maxPods: 7 } },
  },
  {
    name: 'an Event on the autoscaler for each change: warmed, then given back',
    async act({ scaler, events }) {
      await scaler.read();
      await scaler.hold(4, TOKEN, '4 wanted');
      await scaler.settled();
      await scaler.hold(0, TOKEN, 'none wanted');
      await scaler.settled();
      return { events: await events() };
    },
    expected: {
      events: [
        {
          type: 'Normal',
          reason: BURST_AUTOSCALER_EVENTS.warmed,
          message: `minReplicas 1 -> 4 (natural 1, max 10) by ${TOKEN}: 4 wanted`,
          kind: 'HorizontalPodAutoscaler',
          name: 'worker-deployment',
        },
        {
          type: 'Normal',
          reason: BURST_AUTOSCALER_EVENTS.givenBack,
          message: `minReplicas 4 -> 1 (natural 1, max 10) by ${TOKEN}: none wanted`,
          kind: 'HorizontalPodAutoscaler',
          name: 'worker-deployment',
        },
      ],
    },
  },
];
