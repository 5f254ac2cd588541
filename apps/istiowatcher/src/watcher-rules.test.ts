// The watcher's rules that the built watcher's tests (test/) once proved by racing real processes
// against the wall clock, proven here tick by tick through the real policy, loop and router seam,
// on a clock the test moves: every time below is exact.
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { ALL_BURST, DEFAULT_POLICY, NATURAL, type Weights } from '@string-hashr/policy';
import type { HealthReading, Reading } from '@string-hashr/metric-reading';
import { createLogger } from '@string-hashr/runtime';
import { watcherMetrics } from './metrics.js';
import { memoryRouter } from './routers/memory.js';
import { createWatcher } from './watcher.js';
import { A, T0, fail, harness, many, rate, testLeadership } from './watcher-harness.js';

const sick: HealthReading = { kind: 'health', requests: 80, successRate: 0 };
const w = (primary: number): Weights => ({ primary, burst: 100 - primary });
/** The changes the watcher made, as `[ms after T0, weights]`. */
const changesAt = (h: ReturnType<typeof harness>) =>
  h.watcher
    .status()
    .changes.filter((c) => c.by === 'watcher')
    .map((c) => [Date.parse(c.at) - T0, c.to])
    .reverse();

describe('K fresh samples', () => {
  it('with a 15 s scrape, K=3 is three scrapes: re-reads of one scrape do not count', async () => {
    // Tick i (at T0 + i s) reads the rate of the last scrape, taken every 15 s from T0.
    const readings: Reading[] = Array.from({ length: 40 }, (_, i) => ({
      kind: 'value',
      rps: 30,
      dataAt: T0 + Math.floor(i / 15) * 15_000,
    }));
    const h = harness({ readings, policy: { samplesUp: 3 } });
    await h.ticks(30);
    expect(h.changes()).toEqual([]);
    expect(h.lines.filter((l) => /2\/3 fresh samples toward 0\/100, no new data/.test(l))).toHaveLength(14);
    await h.ticks(1);
    // The third scrape (at T0 + 30 s) is the third sample.
    expect(changesAt(h)).toEqual([[30_000, ALL_BURST]]);
  });
});

describe('steps', () => {
  it('climbs a step at a time, comes back in one move, stops climbing and rolls back when the burst side fails, bursts again after the cool-down', async () => {
    const readings: Reading[] = many(14, rate(30));
    const healths: HealthReading[] = [];
    const h = harness({ readings, healths, policy: { stepPercent: 25, stepMs: 4000 } });
    await h.ticks(14);
    // Two samples, then one step every 4 s.
    expect(changesAt(h)).toEqual([
      [1000, w(75)],
      [5000, w(50)],
      [9000, w(25)],
      [13_000, w(0)],
    ]);
    expect(h.lines.some((l) => /weights changed .*weights=50\/50 .*step 75\/25 -> 50\/50.*kind=step/.test(l))).toBe(
      true,
    );

    readings.push(...many(2, rate(5)));
    await h.ticks(2);
    expect(changesAt(h).at(-1)).toEqual([15_000, NATURAL]);

    // The second climb: the burst side fails as soon as it gets its first 25%.
    readings.push(...many(12, rate(30)));
    await h.ticks(2);
    expect(changesAt(h).at(-1)).toEqual([17_000, w(75)]);
    healths.push(sick, sick);
    await h.ticks(2);
    expect(changesAt(h).slice(-2)).toEqual([
      [17_000, w(75)],
      [19_000, NATURAL],
    ]);
    expect(h.lines.find((l) => l.includes('rolled back'))).toMatch(
      /warn test: rolled back: the burst side failed the health gate .*reason="burst side failing 2\/2: success rate 0\.000 < 0\.95/,
    );
    expect(await h.metric('istiowatcher_rollbacks_total')).toMatch(/istiowatcher_rollbacks_total 1/);
    expect(await h.metric('istiowatcher_phase')).toMatch(/phase="unhealthy"} 1/);
    // The load stays high: no climb in the 5 s cool-down, then the climb starts again.
    await h.ticks(4);
    expect(changesAt(h).at(-1)).toEqual([19_000, NATURAL]);
    expect(h.lines.at(-1)).toMatch(/kind=cooldown/);
    await h.ticks(1);
    expect(changesAt(h).at(-1)).toEqual([24_000, w(75)]);
  });
});

describe('the no-data hold', () => {
  it('an empty answer while bursting at high load holds the weights for exactly the hold from the first empty answer', async () => {
    const empty: Reading = { kind: 'no-data' };
    const h = harness({
      start: ALL_BURST,
      readings: [...many(3, rate(30)), ...many(20, empty)],
      policy: { noDataHoldMs: 8000 },
    });
    // Empty from T0 + 3 s: held through T0 + 10 s, counted as no traffic from T0 + 11 s, two samples.
    await h.ticks(12);
    expect(h.changes()).toEqual([]);
    expect(h.lines.filter((l) => / warn test: no data: the weights are held /.test(l))).toHaveLength(8);
    await h.ticks(1);
    expect(changesAt(h)).toEqual([[12_000, NATURAL]]);
    expect(h.lines.at(-1)).toMatch(
      /weights changed rps=no-data weights=100\/0 reason="0\.00 req\/s below low threshold 10 \(no data for 9\.0s, taken as no traffic\)/,
    );
  });
});

describe('a metric outage', () => {
  it('failsafe hold: the weights stay through failed reads, which are counted; not ready until a read succeeds; then it acts again', async () => {
    const h = harness({
      start: ALL_BURST,
      readings: [...many(2, rate(30)), ...many(10, fail), ...many(2, rate(30)), ...many(2, rate(5))],
      policy: { failsafeAfter: 3 },
    });
    await h.ticks(2);
    expect(h.watcher.isReady()).toBe(true);
    await h.ticks(10);
    expect(h.changes()).toEqual([]);
    expect(await h.metric('istiowatcher_errors_total')).toMatch(/kind="timeout"} 10/);
    expect(await h.metric('istiowatcher_consecutive_failed_reads')).toMatch(/ 10$/m);
    // Readiness allows three intervals (at least 5 s) since the last good read.
    expect(h.watcher.isReady()).toBe(false);
    await h.ticks(2);
    expect(h.watcher.isReady()).toBe(true);
    expect(await h.metric('istiowatcher_consecutive_failed_reads')).toMatch(/ 0$/m);
    expect(h.changes()).toEqual([]);
    await h.ticks(2);
    expect(changesAt(h)).toEqual([[15_000, NATURAL]]);
  });

  it('failsafe natural: after WATCHER_FAILSAFE_AFTER failed reads, back to natural', async () => {
    const h = harness({ start: ALL_BURST, readings: many(5, fail), policy: { failsafe: 'natural', failsafeAfter: 3 } });
    await h.ticks(2);
    expect(h.changes()).toEqual([]);
    await h.ticks(1);
    expect(changesAt(h)).toEqual([[2000, NATURAL]]);
    expect(h.lines.at(-1)).toMatch(/warn test: failsafe: weights changed /);
  });
});

describe('failover and fencing', () => {
  /** A replica on the shared object: its own watcher, leadership and readings, on the shared clock. */
  function replica(
    memory: ReturnType<typeof memoryRouter>,
    token: string,
    read: () => Promise<Reading>,
    now: () => number,
  ) {
    const lead = testLeadership({ leading: false, token, confirms: false });
    const lines: string[] = [];
    const watcher = createWatcher({
      source: { description: 'script', read },
      router: memory.router,
      policy: { ...DEFAULT_POLICY, samplesUp: 1, samplesDown: 1, minDwellUpMs: 0, minDwellDownMs: 10_000 },
      leadership: lead.leadership,
      intervalMs: 1000,
      log: createLogger(token, (l) => lines.push(l)),
      metrics: watcherMetrics(new Registry(), { mode: 'switch', source: 's', router: 'memory', dryRun: false }),
      now,
    });
    return { watcher, lead: lead.s, lines };
  }

  it('a leader paused mid-tick wakes after another took over: its write is refused, it takes nothing back, the object stays the successor’s', async () => {
    let now = T0;
    const memory = memoryRouter();
    let rpsA = 30;
    let paused: { resume: () => void } | undefined;
    const a = replica(
      memory,
      'a/1',
      () =>
        paused
          ? new Promise((resolve) => (paused = { resume: () => resolve(rate(rpsA)) }))
          : Promise.resolve(rate(rpsA)),
      () => now,
    );
    const b = replica(
      memory,
      'b/2',
      async () => rate(0),
      () => now,
    );
    Object.assign(a.lead, { leading: true, confirms: true });
    await a.watcher.tick();
    expect(memory.weights()).toEqual(ALL_BURST);
    expect(memory.annotations()[A('owner')]).toBe('a/1');

    // A reads the object, then stalls while reading the rate (a GC pause, a stopped process).
    rpsA = 0;
    now += 11_000;
    paused = { resume: () => {} };
    const stalled = a.watcher.tick();
    // Meanwhile its Lease runs out and B wins the next term: B claims the object, then acts.
    Object.assign(a.lead, { confirms: false });
    Object.assign(b.lead, { leading: true, confirms: true });
    expect((await b.watcher.tick()).outcome).toBe('changed');
    expect(memory.annotations()[A('owner')]).toBe('b/2');
    expect(memory.weights()).toEqual(NATURAL);
    const written = memory.writes.length;

    // A wakes still believing it leads in term a/1: the write it decided on is fenced off.
    paused.resume();
    expect((await stalled).outcome).toBe('conflict');
    expect(memory.writes).toHaveLength(written);
    // Its next read finds another term's token, and the Lease (asked, not believed) says no.
    const next = await a.watcher.tick();
    expect(next.outcome).toBe('lost-leadership');
    expect(memory.writes).toHaveLength(written);
    expect(memory.annotations()[A('owner')]).toBe('b/2');
    expect(memory.weights()).toEqual(NATURAL);
  });
});
