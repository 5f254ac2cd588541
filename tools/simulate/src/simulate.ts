/**
 * One run: a trace through one policy against the model, in simulated time. Each second the
 * frontend sends the trace's rate as its scheduler does (whole requests), split by the weights in
 * force; each side serves up to its capacity and the rest is overload. Prometheus scrapes the request counters every scrape
 * interval; the watcher ticks every interval, reads the windowed rate as Prometheus would answer
 * it, and the real policy decides. Weights change at the tick, mid-second if that is when it falls.
 * With a warm design, the watcher reads the burst pods each tick and either sets the burst HPA's
 * minReplicas (`min-replicas`) or the HPA reads the primary's rate at its sync (`metric`).
 */
import { metricBurstRps, warmRpsPerPod } from '@string-hashr/policy';
import { BurstCluster, type ExternalMetric } from './burst-cluster.js';
import { FrontendSchedule } from './frontend.js';
import { overloadEpisodes, timeToBurst, type Episode, type PolicyFigures } from './figures.js';
import type { ModelSettings } from './model.js';
import type { PolicySpec } from './policies.js';
import { policyDriver, type ModelView } from './policy-adapter.js';
import { ScrapedSeries, summedRate } from './scraped-series.js';
import type { Trace } from './trace.js';

/** Per-second series of a run, for the chart. */
export interface RunRecord {
  /** The rate the watcher last read (NaN before its first answer). */
  observed: Float32Array;
  /** Burst weight at the end of each second. */
  burstWeight: Float32Array;
  burstCapacity: Float32Array;
  /** Requests beyond capacity (either side) in each second. */
  overload: Float32Array;
}

export interface WeightChange {
  /** Simulated seconds since the trace's start. */
  at: number;
  burst: number;
}

export interface Run {
  figures: PolicyFigures;
  changes: WeightChange[];
  record?: RunRecord;
}

export interface RunOptions {
  record?: boolean;
  /** Precomputed for the trace (they are the same for every policy). */
  episodes?: Episode[];
  /** Called now and then with the seconds simulated so far. */
  progress?: (seconds: number) => void;
  /**
   * When the watcher ticked (seconds since the trace's start, ascending), as a real run logged it:
   * a real loop drifts (each tick is timed from the last one's start, and timers fire late), so
   * checking the model against a run needs that run's ticks, not a tick every interval from
   * `tickOffsetSeconds`. No tick after the last one given.
   */
  tickTimes?: readonly number[];
}

const PROGRESS_EVERY = 1 << 18;

export function simulate(trace: Trace, policy: PolicySpec, model: ModelSettings, options: RunOptions = {}): Run {
  const rps = trace.rps;
  const seconds = rps.length;
  const scrapeInterval = model.scrapeIntervalSeconds;
  const tickInterval = policy.timing.intervalMs / 1000;
  const window = policy.timing.rateWindowSeconds;
  const keep = Math.ceil(window / scrapeInterval) + 3;
  const okPrimary = new ScrapedSeries(keep);
  const failedPrimary = new ScrapedSeries(keep);
  const okBurst = new ScrapedSeries(keep);
  const failedBurst = new ScrapedSeries(keep);
  const trafficSeries =
    policy.reporter === 'source' ? [okPrimary, failedPrimary, okBurst, failedBurst] : [okPrimary, failedPrimary];
  const counters = { okPrimary: 0, failedPrimary: 0, okBurst: 0, failedBurst: 0 };

  const settings = policy.settings;
  // KEDA's Prometheus scaler: the primary's rate as Prometheus answers it when the HPA asks, one
  // pod per burstPodCapacityRps / (1 + headroom), the same sizing as the watcher's warm-up.
  const external: ExternalMetric | undefined =
    settings.warm === 'metric'
      ? {
          read: (t) => {
            const traffic = summedRate(trafficSeries, t + 1, window);
            return traffic ? metricBurstRps(settings, traffic.rps) : 0;
          },
          targetPerPod: warmRpsPerPod(settings),
        }
      : undefined;
  // While the watcher holds the HPA's minReplicas, the HPA has the shorter scale-down window (tools/manifests).
  const clusterModel =
    settings.warm === 'min-replicas'
      ? { ...model, hpaScaleDownStabilizationSeconds: model.hpaWarmScaleDownStabilizationSeconds }
      : model;
  const cluster = new BurstCluster(clusterModel, external);
  const decide = policyDriver(policy.settings);
  const episodes = options.episodes ?? overloadEpisodes(rps, model.primaryCapacityRps);
  const delays: Array<number | undefined> = new Array(episodes.length).fill(undefined);
  let episode = 0;
  const changes: WeightChange[] = [];
  const record: RunRecord | undefined = options.record
    ? {
        observed: new Float32Array(seconds),
        burstWeight: new Float32Array(seconds),
        burstCapacity: new Float32Array(seconds),
        overload: new Float32Array(seconds),
      }
    : undefined;

  let burst = 0;
  let rollbacks = 0;
  let observed = NaN;
  let scrapes = 0;
  let ticks = 0;
  const scrapeOffset = model.scrapeOffsetSeconds;
  const tickOffset = model.tickOffsetSeconds % tickInterval;
  let nextScrape = scrapeOffset;
  const tickAt = (n: number) =>
    options.tickTimes ? (options.tickTimes[n] ?? Infinity) : tickOffset + n * tickInterval;
  let nextTick = tickAt(0);
  let total = 0;

  const burstHealth = (t: number): ReturnType<ModelView['burstHealth']> => {
    const ok = okBurst.increase(t, window);
    const failed = failedBurst.increase(t, window);
    if (!ok && !failed) return undefined;
    const requests = (ok?.value ?? 0) + (failed?.value ?? 0);
    return {
      requests,
      successRate: requests > 0 ? (ok?.value ?? 0) / requests : undefined,
      dataAt: Math.max(ok?.newestAt ?? -Infinity, failed?.newestAt ?? -Infinity),
    };
  };

  // The second being simulated and what it has sent so far; `send` advances `from`.
  let burstCapacity = 0;
  let from = 0;
  let servedBurst = 0;
  let overload = 0;
  const primaryCapacity = model.primaryCapacityRps;
  const frontend = new FrontendSchedule(model.frontendWholeRequests === 1);
  /** Sends the requests due in [from, to) with the weights in force and counts what each side served. */
  const send = (to: number) => {
    const span = to - from;
    if (span <= 0) return;
    const requests = frontend.sent(from, to);
    const toBurst = (requests * burst) / 100;
    const toPrimary = requests - toBurst;
    const okP = Math.min(toPrimary, primaryCapacity * span);
    const okB = Math.min(toBurst, burstCapacity * span);
    counters.okPrimary += okP;
    counters.failedPrimary += toPrimary - okP;
    counters.okBurst += okB;
    counters.failedBurst += toBurst - okB;
    servedBurst += okB;
    overload += toPrimary - okP + toBurst - okB;
    from = to;
  };

  for (let s = 0; s < seconds; s++) {
    frontend.setRate(s, rps[s] ?? 0);
    total += frontend.sent(s, s + 1);
    burstCapacity = cluster.capacity(s);
    from = s;
    servedBurst = 0;
    overload = 0;
    while (episode < episodes.length && (episodes[episode]?.end ?? 0) <= s) episode++;
    const current = episodes[episode];
    if (current?.start === s && burst > 0) delays[episode] = 0;

    for (;;) {
      const scrapeFirst = nextScrape <= nextTick;
      const at = scrapeFirst ? nextScrape : nextTick;
      if (at >= s + 1) break;
      send(at);
      if (scrapeFirst) {
        okPrimary.add(at, counters.okPrimary);
        failedPrimary.add(at, counters.failedPrimary);
        okBurst.add(at, counters.okBurst);
        failedBurst.add(at, counters.failedBurst);
        nextScrape = scrapeOffset + ++scrapes * scrapeInterval;
      } else {
        const traffic = summedRate(trafficSeries, at, window);
        if (traffic) observed = traffic.rps;
        const step = decide(
          {
            traffic,
            burstHealth: () => burstHealth(at),
            burstPods: () => ({ ready: cluster.readyPods(at), desired: cluster.pods, max: model.burstMaxPods }),
          },
          at,
        );
        if (step.rollback) rollbacks++;
        if (step.warmPods !== undefined) cluster.askPods(step.warmPods);
        if (step.changed) {
          changes.push({ at, burst: step.burst });
          if (burst === 0 && step.burst > 0 && current && current.start <= at && at < current.end)
            delays[episode] ??= at - current.start;
        }
        burst = step.burst;
        nextTick = tickAt(++ticks);
      }
    }
    send(s + 1);
    cluster.step(s, servedBurst);
    if (record) {
      record.observed[s] = observed;
      record.burstWeight[s] = burst;
      record.burstCapacity[s] = burstCapacity;
      record.overload[s] = overload;
    }
    if (options.progress && (s + 1) % PROGRESS_EVERY === 0) options.progress(s + 1);
  }

  const overloadRequests = counters.failedPrimary + counters.failedBurst;
  return {
    figures: {
      name: policy.name,
      servedShare: total > 0 ? 1 - overloadRequests / total : 1,
      overloadRequests,
      burstPodSeconds: cluster.podSeconds,
      burstNodeMinutes: cluster.nodeSeconds / 60,
      weightChanges: changes.length,
      rollbacks,
      ...timeToBurst(delays),
      requests: total,
    },
    changes,
    record,
  };
}
