import { CoordinationV1Api, V1MicroTime, type KubeConfig, type V1Lease } from '@kubernetes/client-node';
import type { Logger } from '@string-hashr/runtime';
import { apiFailure, describeApiError, withDeadline } from './kubernetes-api.js';

/** Whether this replica may act now. */
export interface Leadership {
  isLeader(): boolean;
  stop(): Promise<void>;
}

/** Without leader election (file router, dry run, or switched off) the one replica always acts. */
export const ALWAYS_LEADER: Leadership = { isLeader: () => true, stop: async () => {} };

/**
 * Leader election on a coordination.k8s.io Lease, as client-go does it: the holder renews every
 * `retryPeriod`; another replica takes over once it has seen the same record unchanged for a whole
 * lease duration (measured on its own clock). A leader counts itself leader only until
 * `renewDeadline` (2/3 of the lease duration) after its last successful renewal, so it stops
 * acting before anyone else may start; a renewal that finds another holder ends it at once.
 * On stop the lease is released (holder cleared) so a standby takes over without waiting.
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
  },
): Leadership {
  const { namespace, name, identity, log } = options;
  const durationMs = options.leaseDurationSeconds * 1000;
  const renewDeadlineMs = (durationMs * 2) / 3;
  const client = kc.makeApiClient(CoordinationV1Api);
  // Each call is bounded by the renew deadline: an answer later than that is no use to a leader.
  const within = <T>(call: Promise<T>, what: string) => withDeadline(call, Math.max(500, renewDeadlineMs), what);
  const api = {
    readNamespacedLease: (p: { name: string; namespace: string }) => within(client.readNamespacedLease(p), 'get lease'),
    createNamespacedLease: (p: { namespace: string; body: V1Lease }) =>
      within(client.createNamespacedLease(p), 'create lease'),
    replaceNamespacedLease: (p: { name: string; namespace: string; body: V1Lease }) =>
      within(client.replaceNamespacedLease(p), 'update lease'),
  };
  const retryPeriodMs = Math.max(100, durationMs / 7.5);
  let leaderUntil = 0;
  let observed = { key: '', at: 0 };
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  let wasLeader = false;

  const isLeader = () => !stopped && Date.now() < leaderUntil;
  const report = () => {
    const now = isLeader();
    if (now !== wasLeader) {
      wasLeader = now;
      log.info(now ? 'became leader' : 'not the leader any more: stopped acting', {
        lease: `${namespace}/${name}`,
        identity,
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

  async function tryAcquireOrRenew(): Promise<boolean> {
    const now = new V1MicroTime();
    let lease: V1Lease;
    try {
      lease = await api.readNamespacedLease({ name, namespace });
    } catch (err) {
      if (apiFailure(err).code !== 404) throw describeApiError(err, leaseCall('get'));
      try {
        await api.createNamespacedLease({
          namespace,
          body: {
            metadata: { name, namespace },
            spec: {
              holderIdentity: identity,
              leaseDurationSeconds: options.leaseDurationSeconds,
              acquireTime: now,
              renewTime: now,
              leaseTransitions: 0,
            },
          },
        });
        return true;
      } catch (createErr) {
        if (apiFailure(createErr).code === 409) return false;
        throw describeApiError(createErr, leaseCall('create'));
      }
    }
    const spec = lease.spec ?? {};
    const holder = spec.holderIdentity ?? '';
    const key = `${holder}|${String(spec.renewTime)}|${lease.metadata?.resourceVersion}`;
    if (key !== observed.key) observed = { key, at: Date.now() };
    const theirDurationMs = (spec.leaseDurationSeconds ?? options.leaseDurationSeconds) * 1000;
    if (holder && holder !== identity && Date.now() - observed.at < theirDurationMs) return false;
    const takingOver = holder !== identity;
    const body: V1Lease = {
      ...lease,
      spec: {
        ...spec,
        holderIdentity: identity,
        leaseDurationSeconds: options.leaseDurationSeconds,
        renewTime: now,
        acquireTime: takingOver ? now : spec.acquireTime,
        leaseTransitions: (spec.leaseTransitions ?? 0) + (takingOver && holder ? 1 : 0),
      },
    };
    try {
      await api.replaceNamespacedLease({ name, namespace, body });
      return true;
    } catch (err) {
      // Someone else wrote the lease between our read and write: they hold it.
      if (apiFailure(err).code === 409) return false;
      throw describeApiError(err, leaseCall('update'));
    }
  }

  async function round(): Promise<void> {
    const started = Date.now();
    try {
      if (await tryAcquireOrRenew()) leaderUntil = started + renewDeadlineMs;
      else leaderUntil = 0;
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
    async stop() {
      const held = isLeader();
      stopped = true;
      clearTimeout(timer);
      await running;
      report();
      if (!held) return;
      try {
        const lease = await api.readNamespacedLease({ name, namespace });
        if (lease.spec?.holderIdentity !== identity) return;
        await api.replaceNamespacedLease({
          name,
          namespace,
          body: {
            ...lease,
            spec: { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: new V1MicroTime() },
          },
        });
        log.info('released the leader lease', { lease: `${namespace}/${name}` });
      } catch (err) {
        log.warn(`could not release the leader lease: ${(err as Error).message}`);
      }
    },
  };
}
