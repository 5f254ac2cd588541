/**
 * The per-second figures of the stats panel. A window collects what happened since it opened
 * (requests sent, answered, failed or dropped, their latencies, results by origin); closing it
 * turns the counts into per-second rates over the window's real length.
 */
import { isBurstResult } from '@string-hashr/contract';

export const RESULT_ORIGINS = ['primary', 'burst'] as const;
export type ResultOrigin = (typeof RESULT_ORIGINS)[number];

export interface TrafficCounters {
  /** Requests handed to the connection pool. */
  sent: number;
  /** Answered with a 2xx status. */
  ok: number;
  /** Answered with another status, timed out or failed to connect. */
  failed: number;
  /** Never sent: the in-flight limit was reached, or the process fell a second behind. */
  dropped: number;
  /** Results received on the `calculation` channel, by the prefix of the hash. */
  primary: number;
  burst: number;
}

export interface StatsWindow extends TrafficCounters {
  startedAt: number;
  /** A uniform sample of the latencies (ms) of the requests answered in this window. */
  latenciesMs: number[];
  /** Latencies seen, sampled or not. */
  latencyCount: number;
}

/** Latency samples kept per window; past that, reservoir sampling keeps a uniform sample. */
export const MAX_LATENCY_SAMPLES = 10_000;

/** What the server sends as the `stats` event once a second. */
export interface TrafficStats {
  /** End of the window, epoch ms. */
  at: number;
  /** Length of the window, ms (about 1000). */
  windowMs: number;
  /** Requests per second asked for (0: stopped). */
  targetRate: number;
  /** Requests per second actually sent. */
  achievedRate: number;
  okPerSecond: number;
  failedPerSecond: number;
  droppedPerSecond: number;
  /** Requests sent and not yet answered, at the end of the window. */
  inFlight: number;
  /** Latency of the requests answered in the window, ms; null when none was. */
  latencyP50Ms: number | null;
  latencyP99Ms: number | null;
  /** Results per second seen on Redis, without and with the burst prefix. */
  primaryPerSecond: number;
  burstPerSecond: number;
  /** burst / (primary + burst) in the window, 0..1; null when no result arrived. */
  burstShare: number | null;
  /** Counts since the app started. */
  totals: TrafficCounters;
}

export function emptyCounters(): TrafficCounters {
  return { sent: 0, ok: 0, failed: 0, dropped: 0, primary: 0, burst: 0 };
}

export function openWindow(now: number): StatsWindow {
  return { ...emptyCounters(), startedAt: now, latenciesMs: [], latencyCount: 0 };
}

export function resultOrigin(result: string, burstPrefix: string): ResultOrigin {
  return isBurstResult(result, burstPrefix) ? 'burst' : 'primary';
}

/** Adds one answered request's latency to the window's sample (uniform reservoir past `max`). */
export function recordLatency(
  window: StatsWindow,
  latencyMs: number,
  random: () => number = Math.random,
  max = MAX_LATENCY_SAMPLES,
): void {
  window.latencyCount++;
  if (window.latenciesMs.length < max) {
    window.latenciesMs.push(latencyMs);
    return;
  }
  const slot = Math.floor(random() * window.latencyCount);
  if (slot < max) window.latenciesMs[slot] = latencyMs;
}

/** Nearest-rank percentile (`p` in 0..100) of values sorted ascending; null for none. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] ?? null;
}

export function burstShare(primary: number, burst: number): number | null {
  const total = primary + burst;
  return total > 0 ? burst / total : null;
}

export function addCounters(a: TrafficCounters, b: TrafficCounters): TrafficCounters {
  return {
    sent: a.sent + b.sent,
    ok: a.ok + b.ok,
    failed: a.failed + b.failed,
    dropped: a.dropped + b.dropped,
    primary: a.primary + b.primary,
    burst: a.burst + b.burst,
  };
}

const round2 = (value: number) => Math.round(value * 100) / 100;

/** Closes a window at `now` (same clock as `startedAt`) into the figures of the stats panel. */
export function summarizeWindow(
  window: StatsWindow,
  now: number,
  context: { at: number; targetRate: number; inFlight: number; totals: TrafficCounters },
): TrafficStats {
  const windowMs = Math.max(1, now - window.startedAt);
  const perSecond = (count: number) => round2((count * 1000) / windowMs);
  const sorted = [...window.latenciesMs].sort((a, b) => a - b);
  const p50 = percentile(sorted, 50);
  const p99 = percentile(sorted, 99);
  const share = burstShare(window.primary, window.burst);
  return {
    at: context.at,
    windowMs: round2(windowMs),
    targetRate: context.targetRate,
    achievedRate: perSecond(window.sent),
    okPerSecond: perSecond(window.ok),
    failedPerSecond: perSecond(window.failed),
    droppedPerSecond: perSecond(window.dropped),
    inFlight: context.inFlight,
    latencyP50Ms: p50 === null ? null : round2(p50),
    latencyP99Ms: p99 === null ? null : round2(p99),
    primaryPerSecond: perSecond(window.primary),
    burstPerSecond: perSecond(window.burst),
    burstShare: share === null ? null : Math.round(share * 10_000) / 10_000,
    totals: context.totals,
  };
}
