import { performance } from 'node:perf_hooks';
import { CoordinationV1Api, V1MicroTime, type KubeConfig, type V1Lease } from '@kubernetes/client-node';
import type { Logger } from '@string-hashr/runtime';
import { fencingToken, type Leadership } from '../leadership.js';
import { apiFailure, describeApiError } from './errors.js';
import { withDeadline } from './requests.js';

/** The three calls on one Lease that leader election makes; errors as client-node throws them (`code`, Status `body`). */
export interface LeaseApi {
  read(): Promise<V1Lease>;
  create(body: V1Lease): Promise<V1Lease>;
  /** An update (PUT): refused with 409 when `body`'s resourceVersion is not the stored one. */
  replace(body: V1Lease): Promise<V1Lease>;
}

/** The Lease `namespace/name` through the Kubernetes API, every call aborted after `deadlineMs`. */
export function kubernetesLeaseApi(
  kc: KubeConfig,
  { namespace, name }: { namespace: string; name: string },
  deadlineMs: number,
): LeaseApi {
  const client = kc.makeApiClient(CoordinationV1Api);
  return {
    read: () => withDeadline(deadlineMs, 'get lease', (o) => client.readNamespacedLease({ name, namespace }, o)),
    create: (body) =>
      withDeadline(deadlineMs, 'create lease', (o) => client.createNamespacedLease({ namespace, body }, o)),
    replace: (body) =>
      withDeadline(deadlineMs, 'update lease', (o) => client.replaceNamespacedLease({ name, namespace, body }, o)),
  };
}

/**
 * Leader election on a coordination.k8s.io Lease, as client-go does it: the holder renews every
 * `retryPeriod`; another replica takes over once it has seen the same record unchanged for a whole
 * lease duration (measured on its own clock). A leader counts itself leader only until
 * `renewDeadline` (2/3 of the lease duration) after the start of its last successful renewal, so
 * it stops acting before anyone else may start; a renewal that finds another holder ends it at once.
 * Every change of holder (from nobody too) adds one to leaseTransitions, so each term has its own
 * fencing token. All timing is on a monotonic clock: an NTP step neither stretches nor shortens
 * leadership. On stop the lease is released (holder cleared) so a standby takes over without waiting.
 *
 * Leader election alone does not fence (a paused leader can wake up and act on an old belief):
 * the token does, because the API server refuses a write whose `test` of the owner fails.
 */
export function leaseLeadership(
  kc: KubeConfig,
  options: {
    namespace: string;
    name: string;
    identity: string;
    leaseDurationSeconds: number;
    log: Logger;
    onChange?: (leader: boolean) => void;
    /** Monotonic milliseconds; tests pass their own. */
    clock?: () => number;
    /** The Lease's store; the Kubernetes API unless a test gives one. */
    api?: LeaseApi;
  },
): Leadership {
  const { namespace, name, identity, log } = options;
  const clock = options.clock ?? (() => performance.now());
  const durationMs = options.leaseDurationSeconds * 1000;
  const renewDeadlineMs = (durationMs * 2) / 3;
  // Each call is bounded by the renew deadline: an answer later than that is no use to a leader.
  const api = options.api ?? kubernetesLeaseApi(kc, { namespace, name }, Math.max(500, renewDeadlineMs));
  const retryPeriodMs = Math.max(100, durationMs / 7.5);
  let leaderUntil = 0;
  let term: number | undefined;
  let observed = { key: '', at: 0 };
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  let wasLeader = false;

  const isLeader = () => !stopped && term !== undefined && clock() < leaderUntil;
  const report = () => {
    const now = isLeader();
    if (now !== wasLeader) {
      wasLeader = now;
      log.info(now ? 'became leader' : 'not the leader any more: stopped acting', {
        lease: `${namespace}/${name}`,
        identity,
        ...(now && term !== undefined ? { token: fencingToken(identity, term) } : {}),
      });
      options.onChange?.(now);
    }
  };
  const leaseCall = (verb: string) => ({
    verb,
    resource: 'leases',
    group: 'coordination.k8s.io',
    namespace,
    name: verb === 'create' ? undefined : name,
  });

  /** The term won or kept (its leaseTransitions), or undefined when another replica holds the Lease. */
  async function tryAcquireOrRenew(): Promise<number | undefined> {
    const now = new V1MicroTime();
    let lease: V1Lease;
    try {
      lease = await api.read();
    } catch (err) {
      if (apiFailure(err).code !== 404) throw describeApiError(err, leaseCall('get'));
      try {
        await api.create({
          metadata: { name, namespace },
          spec: {
            holderIdentity: identity,
            leaseDurationSeconds: options.leaseDurationSeconds,
            acquireTime: now,
            renewTime: now,
            leaseTransitions: 0,
          },
        });
        return 0;
      } catch (createErr) {
        if (apiFailure(createErr).code === 409) return undefined;
        throw describeApiError(createErr, leaseCall('create'));
      }
    }
    const spec = lease.spec ?? {};
    const holder = spec.holderIdentity ?? '';
    const key = `${holder}|${String(spec.renewTime)}|${lease.metadata?.resourceVersion}`;
    if (key !== observed.key) observed = { key, at: clock() };
    const theirDurationMs = (spec.leaseDurationSeconds ?? options.leaseDurationSeconds) * 1000;
    if (holder && holder !== identity && clock() - observed.at < theirDurationMs) return undefined;
    const takingOver = holder !== identity;
    const transitions = (spec.leaseTransitions ?? 0) + (takingOver ? 1 : 0);
    try {
      await api.replace({
        ...lease,
        spec: {
          ...spec,
          holderIdentity: identity,
          leaseDurationSeconds: options.leaseDurationSeconds,
          renewTime: now,
          acquireTime: takingOver ? now : spec.acquireTime,
          leaseTransitions: transitions,
        },
      });
      return transitions;
    } catch (err) {
      // Someone else wrote the lease between our read and write: they hold it.
      if (apiFailure(err).code === 409) return undefined;
      throw describeApiError(err, leaseCall('update'));
    }
  }

  async function round(): Promise<void> {
    const started = clock();
    try {
      const won = await tryAcquireOrRenew();
      if (won !== undefined && !stopped) {
        term = won;
        leaderUntil = started + renewDeadlineMs;
      } else {
        leaderUntil = 0;
        term = undefined;
      }
    } catch (err) {
      // Cannot tell: keep leading only until the renew deadline runs out.
      log.warn(`leader election: ${(err as Error).message}`);
    }
    report();
  }

  function schedule(): void {
    if (stopped) return;
    timer = setTimeout(() => {
      running = round().finally(schedule);
    }, retryPeriodMs);
  }

  running = round().finally(schedule);

  return {
    isLeader,
    token: () => (isLeader() && term !== undefined ? fencingToken(identity, term) : undefined),
    remainingMs: () => (isLeader() ? Math.max(0, leaderUntil - clock()) : 0),
    async confirm() {
      if (!isLeader()) return false;
      const held = term;
      try {
        const lease = await api.read();
        const still = lease.spec?.holderIdentity === identity && (lease.spec?.leaseTransitions ?? 0) === held;
        if (!still) {
          leaderUntil = 0;
          term = undefined;
          report();
        }
        return still && isLeader();
      } catch (err) {
        log.warn(`leader election: cannot confirm the lease: ${describeApiError(err, leaseCall('get')).message}`);
        return false;
      }
    },
    async stop() {
      const held = isLeader();
      stopped = true;
      clearTimeout(timer);
      await running;
      report();
      if (!held) return;
      try {
        const lease = await api.read();
        if (lease.spec?.holderIdentity !== identity) return;
        await api.replace({
          ...lease,
          spec: { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: new V1MicroTime() },
        });
        log.info('released the leader lease', { lease: `${namespace}/${name}` });
      } catch (err) {
        log.warn(`could not release the leader lease: ${(err as Error).message}`);
      }
    },
  };
}
