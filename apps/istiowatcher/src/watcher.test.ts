import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { ALL_BURST, DEFAULT_POLICY, NATURAL, type Weights } from '@string-hashr/policy';
import type { HealthReading, Reading } from '@string-hashr/metric-reading';
import { createLogger } from '@string-hashr/runtime';
import { BURST_AUTOSCALER_ANNOTATIONS, ROUTE_KIND_NAMES } from '@string-hashr/contract';
import { routeFlavour as flavour } from '@string-hashr/kube-objects';
import { burstScaler } from './kubernetes/burst-scaler.js';
import { memoryBurstCluster } from './kubernetes/memory-burst-cluster.js';
import { watcherMetrics } from './metrics.js';
import { RouterError } from './routers/router.js';
import { createWatcher } from './watcher.js';
import { A, T0, fail, harness, many, rate, testLeadership } from './watcher-harness.js';

describe('createWatcher', () => {
  it('reads the state in force first, logs the value on every tick, changes after K samples', async () => {
    const h = harness({ readings: [rate(20), rate(20), rate(20)] });
    await h.ticks(3);
    expect(h.changes()).toEqual([ALL_BURST]);
    expect(h.lines[0]).toMatch(/read the state in force weights=100\/0 phase=none/);
    expect(h.lines[1]).toMatch(/took ownership of the worker route owner=test-host previous=none/);
    expect(h.lines[2]).toMatch(/tick rps=20\.000 weights=100\/0 reason=".*1\/2 fresh samples/);
    expect(h.lines[3]).toMatch(/weights changed rps=20\.000 weights=0\/100 .*phase=burst owner=test-host/);
    expect(await h.metric('istiowatcher_transitions_total')).toMatch(/direction="up"} 1/);
  });

  it('writes the weights and the record in one write: phase, changed-at (RFC 3339), reason, owner', async () => {
    const h = harness({ readings: [rate(20), rate(20)] });
    await h.ticks(2);
    expect(h.memory.annotations()).toEqual({
      [A('phase')]: 'burst',
      [A('changed-at')]: new Date(T0 + 1000).toISOString(),
      [A('reason')]: expect.stringMatching(/above high threshold 15/),
      [A('owner')]: 'test-host',
    });
    expect(h.memory.events).toEqual([
      expect.objectContaining({
        type: 'Normal',
        reason: 'BurstIncreased',
        message: expect.stringMatching(/100\/0 -> 0\/100/),
      }),
    ]);
  });

  it('a failure and warming up leave the weights alone', async () => {
    const h = harness({ start: ALL_BURST, readings: [fail, { kind: 'warming-up' }, fail] });
    await h.ticks(3);
    expect(h.changes()).toEqual([]);
    expect(h.watcher.isReady()).toBe(true);
    expect(await h.metric('istiowatcher_errors_total')).toMatch(/kind="timeout"} 2/);
    expect(await h.metric('istiowatcher_decisions_total')).toMatch(/kind="read-failure"} 2/);
  });

  it('no data holds the weights for the hold, says so in its own line and metric, then counts as no traffic', async () => {
    const empty: Reading = { kind: 'no-data' };
    const h = harness({ start: ALL_BURST, readings: many(6, empty) });
    await h.ticks(3);
    expect(h.changes()).toEqual([]);
    expect(h.lines.filter((l) => / warn test: no data: the weights are held .*kind=no-data-hold/.test(l))).toHaveLength(
      3,
    );
    expect(await h.metric('istiowatcher_no_data_seconds')).toMatch(/istiowatcher_no_data_seconds 2/);
    expect(await h.metric('istiowatcher_decisions_total')).toMatch(/kind="no-data-hold"} 3/);
    expect(await h.metric('istiowatcher_observed_rps')).toMatch(/istiowatcher_observed_rps NaN/i);
    await h.ticks(3);
    // Hold 3 s: empty from t=0, no traffic from t=3 s, two samples: back at t=4 s.
    expect(h.changes()).toEqual([NATURAL]);
  });

  it('reads the burst side only while some weight is on burst', async () => {
    const h = harness({ readings: many(4, rate(20)) });
    await h.ticks(2);
    expect(h.changes()).toEqual([ALL_BURST]);
    expect(h.healthReads()).toBe(0);
    await h.ticks(2);
    expect(h.healthReads()).toBe(2);
    expect(h.lines.at(-1)).toMatch(/health=success=1\.000,requests=100/);
    expect(await h.metric('istiowatcher_burst_success_ratio')).toMatch(/ratio 1$/);
  });

  it("the leader reads the burst side's pods every tick: the report, the log and the metrics; a standby does not", async () => {
    const cluster = memoryBurstCluster({ maxReplicas: 10 });
    cluster.setPods({ replicas: 4, readyReplicas: 3 });
    let reads = 0;
    const scaler = burstScaler(
      { ...cluster.api, readDeployment: () => (reads++, cluster.api.readDeployment()) },
      {
        target: { namespace: 'default', autoscaler: 'worker-deployment', deployment: 'worker-deployment' },
        identity: 'test-host',
        log: createLogger('test', () => {}),
      },
    );
    const { leadership, s } = testLeadership();
    const h = harness({ readings: many(3, rate(5)), burst: scaler, leadership });
    const [report] = await h.ticks(1);
    expect(report?.burst).toEqual({ readyPods: 3, desiredPods: 4, maxPods: 10 });
    expect(h.lines.at(-1)).toMatch(/burst="3\/4 ready, max 10"/);
    expect(await h.metric('istiowatcher_burst_ready_pods')).toMatch(/istiowatcher_burst_ready_pods 3$/);
    expect(await h.metric('istiowatcher_burst_desired_pods')).toMatch(/istiowatcher_burst_desired_pods 4$/);
    s.leading = false;
    const [standby] = await h.ticks(1);
    expect(standby?.burst).toBeUndefined();
    expect(reads).toBe(1);
    expect(await h.metric('istiowatcher_burst_ready_pods')).toMatch(/istiowatcher_burst_ready_pods NaN$/i);
  });

  it('warms the burst side first: raises its floor, waits for ready pods, then bursts; gives back after the delay', async () => {
    const cluster = memoryBurstCluster({ maxReplicas: 10, annotations: {} });
    const scaler = burstScaler(cluster.api, {
      target: { namespace: 'default', autoscaler: 'worker-deployment', deployment: 'worker-deployment' },
      identity: 'test-host',
      log: createLogger('test', () => {}),
      now: () => T0,
    });
    const h = harness({
      readings: [...many(4, rate(25)), ...many(6, rate(2))],
      burst: scaler,
      policy: { warm: 'min-replicas', burstPodCapacityRps: 10, warmHeadroom: 0, warmGiveBackMs: 3000 },
    });
    await h.ticks(2);
    // 25 req/s all to burst: 3 pods of 10 req/s asked for at once; none ready, so the move waits.
    expect(cluster.autoscaler().spec?.minReplicas).toBe(3);
    expect(cluster.autoscaler().metadata?.annotations?.[A('owner')]).toBe('test-host');
    expect(h.changes()).toEqual([]);
    cluster.setPods({ replicas: 3, readyReplicas: 3 });
    await h.ticks(2);
    expect(h.changes()).toEqual([ALL_BURST]);
    // The load falls: back to primary, and the floor is given back once the delay has passed.
    await h.ticks(6);
    expect(h.changes()).toEqual([ALL_BURST, NATURAL]);
    expect(cluster.autoscaler().spec?.minReplicas).toBe(1);
    await scaler.settled();
    expect(cluster.events.map((e) => e.reason)).toEqual(['BurstWarmed', 'BurstGivenBack']);
  });

  it('a restarted watcher keeps the floor it finds held on the burst autoscaler until the give-back delay', async () => {
    const cluster = memoryBurstCluster({
      minReplicas: 3,
      maxReplicas: 10,
      annotations: { [BURST_AUTOSCALER_ANNOTATIONS.naturalMinReplicas]: '1', [A('owner')]: 'test-host' },
    });
    cluster.setPods({ replicas: 3, readyReplicas: 3 });
    const scaler = burstScaler(cluster.api, {
      target: { namespace: 'default', autoscaler: 'worker-deployment', deployment: 'worker-deployment' },
      identity: 'test-host',
      log: createLogger('test', () => {}),
      now: () => T0,
    });
    const h = harness({
      readings: many(6, rate(2)),
      burst: scaler,
      policy: { warm: 'min-replicas', burstPodCapacityRps: 10, warmHeadroom: 0, warmGiveBackMs: 3000 },
    });
    // A fresh start knows no warm state: the 3 pods held before it are kept, not given back at once.
    await h.ticks(2);
    expect(cluster.autoscaler().spec?.minReplicas).toBe(3);
    await h.ticks(4);
    expect(cluster.autoscaler().spec?.minReplicas).toBe(1);
    await scaler.settled();
    expect(cluster.events.map((e) => e.reason)).toEqual(['BurstGivenBack']);
  });

  it('a failing burst side: rollback at once, its own log line with why, an Event, phase unhealthy on the object; bursts again after the cool-down', async () => {
    const sick: HealthReading = { kind: 'health', requests: 80, successRate: 0.25 };
    const h = harness({ start: ALL_BURST, readings: many(12, rate(30)), healths: [sick, sick] });
    await h.ticks(2);
    expect(h.changes()).toEqual([NATURAL]);
    const rollback = h.lines.find((l) => l.includes('rolled back'));
    expect(rollback).toMatch(
      / warn test: rolled back: the burst side failed the health gate .*reason="burst side failing 2\/2: success rate 0\.250 < 0\.95 .*kind=rollback health=success=0\.250,requests=80/,
    );
    expect(h.memory.annotations()[A('phase')]).toBe('unhealthy');
    expect(h.memory.events.at(-1)).toMatchObject({ type: 'Warning', reason: 'RolledBack' });
    expect(await h.metric('istiowatcher_rollbacks_total')).toMatch(/istiowatcher_rollbacks_total 1/);
    expect(await h.metric('istiowatcher_phase')).toMatch(/phase="unhealthy"} 1/);
    await h.ticks(4);
    expect(h.changes()).toEqual([NATURAL]);
    expect(h.lines.at(-1)).toMatch(/kind=cooldown/);
    await h.ticks(2);
    expect(h.changes()).toEqual([NATURAL, ALL_BURST]);
    expect(await h.metric('istiowatcher_phase')).toMatch(/phase="burst"} 1/);
  });

  it('a restart during the cool-down keeps it (phase unhealthy and changed-at on the object)', async () => {
    const h = harness({
      start: NATURAL,
      annotations: { [A('phase')]: 'unhealthy', [A('changed-at')]: new Date(T0 - 1000).toISOString() },
      readings: many(8, rate(30)),
    });
    await h.ticks(3);
    expect(h.changes()).toEqual([]);
    expect(h.lines.at(-1)).toMatch(/kind=cooldown/);
    await h.ticks(3);
    expect(h.changes()).toEqual([ALL_BURST]);
  });

  it('a router failure is counted and the object is read again before the next decision', async () => {
    const h = harness({ readings: many(3, rate(30)) });
    await h.ticks(1);
    h.memory.failNext(new RouterError('forbidden', 'forbidden: needs patch'));
    await h.ticks(2);
    expect(h.lines.filter((l) => l.includes('read the state in force'))).toHaveLength(2);
    expect(await h.metric('istiowatcher_errors_total')).toMatch(/kind="router_forbidden"} 1/);
  });

  it.each([
    ['a word', 'abc', 0],
    ['a fraction', 50.5, 49.5],
    ['a sum that is not 100', 60, 60],
  ])(
    'an object whose weights are %s is router_invalid: logged, counted, never acted on; fixed, the watcher acts',
    async (_, primary, burst) => {
      const h = harness({ readings: many(6, rate(30)) });
      await h.ticks(1);
      // As kubectl could write it: the object's weights are whatever its YAML says.
      h.memory.edit({ weights: { primary, burst } as unknown as Weights });
      const reports = await h.ticks(3);
      expect(reports.map((r) => r.outcome)).toEqual(['router-error', 'router-error', 'router-error']);
      expect(h.changes()).toEqual([]);
      expect(await h.metric('istiowatcher_errors_total')).toMatch(/kind="router_invalid"} 3/);
      const logged = h.lines.filter((l) => l.includes('cannot read the worker route'));
      // Logged once, not on every tick.
      expect(logged).toHaveLength(1);
      expect(logged[0]).toMatch(/weights primary=.* burst=.*: expected whole numbers 0-100 that sum to 100/);
      expect(h.watcher.status().problem).toMatch(/expected whole numbers 0-100/);
      h.memory.edit({ weights: NATURAL });
      await h.ticks(2);
      expect(h.changes()).toEqual([ALL_BURST]);
    },
  );

  it('is not ready while reads fail', async () => {
    const h = harness({ readings: many(7, fail) });
    await h.ticks(7);
    expect(h.watcher.isReady()).toBe(false);
  });

  it('a standby reads the rate but never reads, claims or writes the object', async () => {
    const { leadership } = testLeadership({ leading: false, token: 'w-0/1', confirms: false });
    const h = harness({ readings: many(3, rate(30)), leadership });
    const reports = await h.ticks(3);
    expect(reports.map((r) => r.outcome)).toEqual(['standby', 'standby', 'standby']);
    expect(h.memory.writes).toEqual([]);
    expect(h.lines).toEqual([]);
    expect(await h.metric('istiowatcher_is_leader')).toMatch(/istiowatcher_is_leader 0/);
  });

  it('spill mode sends only the overflow to burst and follows the load', async () => {
    const h = harness({
      policy: { mode: 'spill' },
      readings: [rate(30), rate(30), rate(45), rate(45), rate(5), rate(5)],
    });
    await h.ticks(6);
    expect(h.changes()[0]).toEqual({ primary: 50, burst: 50 });
    expect(h.changes().at(-1)).toEqual(NATURAL);
  });

  it('dry run logs the change once and changes nothing', async () => {
    const h = harness({ readings: many(4, rate(30)), dryRun: true });
    await h.ticks(4);
    expect(h.memory.weights()).toEqual(NATURAL);
    expect(h.memory.writes).toEqual([]);
    expect(h.lines.filter((l) => l.includes('dry run: would set weights primary=0 burst=100'))).toHaveLength(1);
  });
});

describe('the state on the object', () => {
  const burstAt = (changedAt: number, owner = 'old-pod/3') => ({
    [A('phase')]: 'burst',
    [A('changed-at')]: new Date(changedAt).toISOString(),
    [A('reason')]: 'load',
    [A('owner')]: owner,
  });
  const dwell = { minDwellDownMs: 30_000, samplesDown: 2 };

  it('a restart during a burst with the load gone: no change before changed-at + dwell', async () => {
    const h = harness({
      start: ALL_BURST,
      annotations: burstAt(T0 - 10_000),
      readings: many(40, rate(0)),
      policy: dwell,
    });
    await h.ticks(19);
    expect(h.changes()).toEqual([]);
    expect(h.lines.find((l) => l.includes('dwell'))).toBeDefined();
    await h.ticks(2);
    expect(h.changes()).toEqual([NATURAL]);
    expect(Date.parse(h.memory.annotations()[A('changed-at')] ?? '')).toBeGreaterThanOrEqual(T0 + 20_000);
  });

  it('after a router error the dwell still holds (the state is rebuilt from changed-at)', async () => {
    const h = harness({ start: ALL_BURST, annotations: burstAt(T0), readings: many(60, rate(0)), policy: dwell });
    await h.ticks(5);
    h.memory.failNext(new RouterError('timeout', 'no answer within 10000 ms'));
    const [failed] = await h.ticks(1);
    expect(failed?.outcome).toBe('router-error');
    await h.ticks(20);
    expect(h.changes()).toEqual([]);
    expect(h.lines.filter((l) => l.includes('read the state in force'))).toHaveLength(2);
    await h.ticks(10);
    expect(h.changes()).toEqual([NATURAL]);
  });

  it("after a leader change the new leader honours the old one's dwell", async () => {
    const a = testLeadership({ leading: true, token: 'a/1', confirms: true });
    const h = harness({ readings: many(60, rate(30)), leadership: a.leadership, policy: { ...dwell, samplesUp: 1 } });
    await h.ticks(2);
    expect(h.changes()).toEqual([ALL_BURST]);
    const burstAtMs = Date.parse(h.memory.annotations()[A('changed-at')] ?? '');
    // The load goes; B takes over (same in-memory object, its own watcher).
    const b = testLeadership({ leading: true, token: 'b/2', confirms: true });
    a.s.leading = false;
    const hb = createWatcher({
      source: { description: 'script', read: async () => rate(0) },
      router: h.memory.router,
      policy: { ...DEFAULT_POLICY, ...dwell, minDwellUpMs: 0 },
      leadership: b.leadership,
      intervalMs: 1000,
      log: createLogger('b', () => {}),
      metrics: watcherMetrics(new Registry(), { mode: 'switch', source: 's', router: 'memory', dryRun: false }),
      now: () => h.at(),
    });
    for (let i = 0; i < 25; i++) {
      await hb.tick();
      h.advance(1000);
    }
    expect(h.changes()).toEqual([ALL_BURST]);
    expect(h.memory.annotations()[A('owner')]).toBe('b/2');
    while (h.at() < burstAtMs + 32_000) {
      await hb.tick();
      h.advance(1000);
    }
    expect(h.changes()).toEqual([ALL_BURST, NATURAL]);
  });

  it('a changed-at in the future (a skewed clock) counts as now, not as a dwell of days', async () => {
    const h = harness({
      start: ALL_BURST,
      annotations: burstAt(T0 + 86_400_000),
      readings: many(40, rate(0)),
      policy: dwell,
    });
    await h.ticks(35);
    expect(h.changes()).toEqual([NATURAL]);
  });
});

describe('fencing', () => {
  it('a new term claims the object (owner only) after the Lease confirms it, then writes with that token', async () => {
    const { leadership } = testLeadership({ leading: true, token: 'w-0/4', confirms: true });
    const h = harness({ readings: many(3, rate(30)), leadership, annotations: { [A('owner')]: 'w-1/3' } });
    await h.ticks(3);
    expect(h.memory.writes.map((w) => [w.owner, w.weights])).toEqual([
      ['w-0/4', undefined],
      ['w-0/4', ALL_BURST],
    ]);
  });

  it('a leader whose Lease says otherwise takes nothing over and writes nothing', async () => {
    const { leadership } = testLeadership({ leading: true, token: 'w-0/3', confirms: false });
    const h = harness({ readings: many(5, rate(30)), leadership, annotations: { [A('owner')]: 'w-1/4' } });
    const reports = await h.ticks(5);
    expect(reports.every((r) => r.outcome === 'lost-leadership')).toBe(true);
    expect(h.memory.writes).toEqual([]);
  });

  it('leadership is checked right before the write: lost in between, nothing is written', async () => {
    const lead = testLeadership();
    const h = harness({ readings: [rate(30), rate(30)], leadership: lead.leadership });
    await h.ticks(1);
    // The tick starts as leader (checked before its first await); leadership goes while it reads.
    const tick = h.ticks(1);
    lead.s.leading = false;
    const [report] = await tick;
    expect(report?.outcome).toBe('lost-leadership');
    expect(h.changes()).toEqual([]);
    expect(h.lines.some((l) => l.includes('lost leadership before acting'))).toBe(true);
  });

  it('a conflict drops the decision: the object is read again and the policy decides again on what it says', async () => {
    const h = harness({ readings: many(10, rate(30)), policy: { samplesUp: 2, minDwellUpMs: 30_000 } });
    await h.ticks(1);
    // Someone sets 50/50 between our read and our write: the write's version no longer matches.
    const realWrite = h.memory.router.write;
    h.memory.router.write = async (write, opts) => {
      if (write.change) {
        h.memory.edit({
          weights: { primary: 50, burst: 50 },
          annotations: { [A('changed-at')]: new Date(h.at()).toISOString(), [A('phase')]: 'burst' },
        });
        h.memory.router.write = realWrite;
      }
      return realWrite(write, opts);
    };
    const [conflict] = await h.ticks(1);
    expect(conflict?.outcome).toBe('conflict');
    expect(h.memory.weights()).toEqual({ primary: 50, burst: 50 });
    expect(await h.metric('istiowatcher_write_conflicts_total')).toMatch(/ 1$/m);
    // Read again: 50/50 is the state, and its changed-at starts a dwell; the old 0/100 is never written.
    await h.ticks(10);
    expect(h.changes()).toEqual([]);
    expect(h.lines.some((l) => l.includes('the decision is dropped'))).toBe(true);
    expect(h.lines.some((l) => /read the state in force weights=50\/50 phase=burst/.test(l))).toBe(true);
  });
});

describe('outside edits and the operator', () => {
  it('an outside edit of the weights is logged, recorded as an Event, and taken as the new state', async () => {
    const h = harness({ readings: many(10, rate(12)) });
    await h.ticks(2);
    h.memory.edit({ weights: { primary: 50, burst: 50 } });
    await h.ticks(2);
    expect(
      h.lines.some((l) => l.includes('the weights were changed outside the watcher') && l.includes('weights=50/50')),
    ).toBe(true);
    expect(h.memory.events).toContainEqual(expect.objectContaining({ type: 'Warning', reason: 'OutsideEdit' }));
    expect(await h.metric('istiowatcher_outside_edits_total')).toMatch(/ 1$/m);
    // 12 req/s is between the thresholds: the new weights stay.
    expect(h.changes()).toEqual([]);
    expect(h.watcher.weights()).toEqual({ primary: 50, burst: 50 });
  });

  it('suspend: no change whatever the load; logs, /metrics and an Event say so; removing it resumes', async () => {
    const h = harness({ readings: many(20, rate(30)), annotations: { [A('suspend')]: 'true' } });
    const reports = await h.ticks(5);
    expect(h.changes()).toEqual([]);
    expect(reports.at(-1)?.outcome).toBe('suspended');
    expect(h.lines.some((l) => l.includes('suspended: burst.string-hashr.dev/suspend is set'))).toBe(true);
    expect(await h.metric('istiowatcher_suspended')).toMatch(/istiowatcher_suspended 1/);
    expect(h.memory.events).toEqual([expect.objectContaining({ reason: 'Suspended' })]);
    h.memory.edit({ annotations: { [A('suspend')]: undefined } });
    await h.ticks(3);
    expect(h.changes()).toEqual([ALL_BURST]);
    expect(await h.metric('istiowatcher_suspended')).toMatch(/istiowatcher_suspended 0/);
    expect(h.memory.events.map((e) => e.reason)).toEqual(['Suspended', 'Resumed', 'BurstIncreased']);
  });

  it('pin: the pinned weights at once, held whatever the load; unpinned, the policy resumes with the dwell from the pin', async () => {
    const h = harness({ readings: many(40, rate(0)), policy: { minDwellDownMs: 20_000 } });
    h.memory.edit({ annotations: { [A('pin')]: 'burst' } });
    await h.ticks(1);
    expect(h.changes()).toEqual([ALL_BURST]);
    expect(h.memory.annotations()[A('reason')]).toMatch(/pinned burst/);
    expect(h.memory.events.at(-1)).toMatchObject({ reason: 'Pinned' });
    expect(await h.metric('istiowatcher_pinned')).toMatch(/pin="burst"} 1/);
    await h.ticks(5);
    expect(h.changes()).toEqual([ALL_BURST]);
    h.memory.edit({ annotations: { [A('pin')]: undefined } });
    await h.ticks(10);
    expect(h.changes()).toEqual([ALL_BURST]);
    await h.ticks(10);
    expect(h.changes()).toEqual([ALL_BURST, NATURAL]);
  });

  it('an order it does not understand holds still and says why', async () => {
    const h = harness({ readings: many(5, rate(30)), annotations: { [A('pin')]: 'cloud' } });
    await h.ticks(5);
    expect(h.changes()).toEqual([]);
    expect(h.lines.some((l) => l.includes('pin="cloud" is not one of natural, burst'))).toBe(true);
    expect(h.memory.events).toEqual([
      expect.objectContaining({ reason: 'Suspended', message: expect.stringMatching(/pin="cloud"/) }),
    ]);
  });
});

describe('a readable log (WATCHER_LOG_TICKS off, the default)', () => {
  it('logs the changes, a line when the kind of tick changes, and a summary every 30 s; no line per tick', async () => {
    const empty: Reading = { kind: 'no-data' };
    const h = harness({
      logTicks: false,
      summaryMs: 30_000,
      policy: { noDataHoldMs: 60_000 },
      readings: [...many(20, rate(12)), ...many(5, rate(30)), ...many(10, empty), ...many(26, rate(30))],
    });
    await h.ticks(61);
    const lines = h.lines.filter((l) => !/read the state in force|took ownership/.test(l));
    expect(lines.map((l) => l.replace(/^\S+ (\w+) test: (\S+( \S+)*?) (rps|ticks)=.*/, '$1 $2'))).toEqual([
      'info weights changed',
      'warn no data: the weights are held',
      'info summary',
      'info summary',
    ]);
    // The summary says what the 30 ticks read and did.
    expect(lines[2]).toMatch(
      /summary ticks=30 role=leader rps=no-data rpsMin=12\.000 rpsMax=30\.000 unread=no-data:5 weights=0\/100 phase=burst changes=1 outcomes=held:29,changed:1 kind=no-data-hold reason=/,
    );
    expect(lines[3]).toMatch(
      /summary ticks=30 role=leader rps=30\.000 rpsMin=30\.000 rpsMax=30\.000 unread=no-data:5 weights=0\/100 phase=burst changes=0 outcomes=held:30 kind=hold reason="30\.00 req\/s above high threshold 15: stay 0\/100"/,
    );
  });

  it('with WATCHER_LOG_TICKS every tick has its line', async () => {
    const h = harness({ logTicks: true, readings: many(5, rate(12)) });
    await h.ticks(5);
    expect(h.lines.filter((l) => / info test: tick rps=12\.000/.test(l))).toHaveLength(5);
  });
});

describe('the status (GET /status)', () => {
  it('says what the loop did: the weights, the decision, the pending change, and the changes made, newest first', async () => {
    const h = harness({ readings: [rate(30), rate(30), rate(30), rate(3)], policy: { samplesDown: 3 } });
    await h.ticks(1);
    let status = h.watcher.status();
    expect(status).toMatchObject({
      leadership: { role: 'leader', identity: 'test-host', token: 'test-host' },
      phase: 'natural',
      weights: NATURAL,
      pending: { direction: 'up', samples: 1, samplesNeeded: 2 },
      changes: [],
      rate: { reading: 'value', rps: 30 },
    });
    await h.ticks(3);
    status = h.watcher.status();
    expect(status).toMatchObject({
      phase: 'burst',
      weights: ALL_BURST,
      pending: { direction: 'down', samples: 1, samplesNeeded: 3 },
      changes: [
        { from: NATURAL, to: ALL_BURST, reason: '30.00 req/s above high threshold 15', kind: 'change', by: 'watcher' },
      ],
    });
    expect(status.changes[0]?.at).toBe(new Date(T0 + 1000).toISOString());
  });

  it('an outside edit is among the changes; the record read at start is too, once', async () => {
    const h = harness({
      start: ALL_BURST,
      annotations: {
        [A('phase')]: 'burst',
        [A('changed-at')]: new Date(T0 - 5000).toISOString(),
        [A('reason')]: '31.00 req/s above high threshold 15: 100/0 -> 0/100',
      },
      readings: many(6, rate(12)),
    });
    await h.ticks(2);
    h.memory.failNext(new RouterError('timeout', 'no answer'));
    await h.ticks(1);
    expect(h.watcher.status().problem).toMatch(/cannot read the worker route: no answer/);
    await h.ticks(1);
    expect(h.watcher.status().problem).toBeNull();
    h.memory.edit({ weights: { primary: 50, burst: 50 } });
    await h.ticks(1);
    expect(h.watcher.status().changes.map((c) => [c.by, c.kind, c.from, c.to])).toEqual([
      ['outside', 'outside-edit', ALL_BURST, { primary: 50, burst: 50 }],
      ['record', 'recorded', null, ALL_BURST],
    ]);
  });

  it('a standby says so, with the rate it reads and no object', async () => {
    const { leadership } = testLeadership({ leading: false, token: 'w-0/1', confirms: false });
    const h = harness({ readings: many(2, rate(30)), leadership });
    await h.ticks(2);
    expect(h.watcher.status()).toMatchObject({
      leadership: { role: 'standby', token: null },
      phase: null,
      weights: null,
      pending: null,
      rate: { reading: 'value', rps: 30 },
    });
  });
});

describe.each(ROUTE_KIND_NAMES)('on a %s', (kind) => {
  it('bursts and returns with the same record, Events and status, the weights where the kind keeps them', async () => {
    const h = harness({ kind, readings: [...many(2, rate(30)), ...many(2, rate(3))] });
    await h.ticks(2);
    expect(h.changes()).toEqual([ALL_BURST]);
    expect(flavour(kind).read(h.memory.object())).toEqual(ALL_BURST);
    expect(h.memory.annotations()).toMatchObject({ [A('phase')]: 'burst', [A('owner')]: 'test-host' });
    expect(h.watcher.status()).toMatchObject({ phase: 'burst', weights: ALL_BURST });
    await h.ticks(2);
    expect(h.changes()).toEqual([ALL_BURST, NATURAL]);
    expect(flavour(kind).read(h.memory.object())).toEqual(NATURAL);
    expect(h.memory.annotations()[A('phase')]).toBe('natural');
    expect(h.memory.events.map((e) => e.reason)).toEqual(['BurstIncreased', 'BurstDecreased']);
  });
});
