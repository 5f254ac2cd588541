// The periodic one-line summary that replaces a log line per tick: what the ticks since the last
// summary read and did. Pure, table-tested; the loop feeds it and logs the line.
import type { LogFields } from '@string-hashr/runtime';
import { weightsText, type Phase, type Weights } from '@string-hashr/policy';
import type { TickReport } from './tick-report.js';

export interface TickSummary {
  /** When the period began (ms). */
  since: number;
  ticks: number;
  /** Ticks by outcome (`held`, `changed`, `standby`, `router-error` ...). */
  outcomes: Record<string, number>;
  /** Rates read in the period. */
  rates: { count: number; min: number; max: number };
  /** The last read, as the log writes it (a rate, `no-data`, `error(timeout)` ...). */
  lastRead?: string;
  /** Reads that gave no rate, by what they gave (`no-data`, `error(timeout)` ...). */
  missing: Record<string, number>;
  /** The last decision's reason and kind. */
  reason?: string;
  kind?: string;
}

export function openSummary(since: number): TickSummary {
  return { since, ticks: 0, outcomes: {}, rates: { count: 0, min: Infinity, max: -Infinity }, missing: {} };
}

const bump = (counts: Record<string, number>, key: string) => ({ ...counts, [key]: (counts[key] ?? 0) + 1 });

/** The summary with one more tick counted. */
export function summarizeTick(summary: TickSummary, report: TickReport): TickSummary {
  const reading = report.reading;
  const rates =
    reading?.kind === 'value'
      ? {
          count: summary.rates.count + 1,
          min: Math.min(summary.rates.min, reading.rps),
          max: Math.max(summary.rates.max, reading.rps),
        }
      : summary.rates;
  return {
    ...summary,
    ticks: summary.ticks + 1,
    outcomes: bump(summary.outcomes, report.outcome),
    rates,
    lastRead: report.read,
    missing: reading && reading.kind !== 'value' ? bump(summary.missing, report.read) : summary.missing,
    reason: report.decision?.reason ?? summary.reason,
    kind: report.decision?.kind ?? summary.kind,
  };
}

const counts = (c: Record<string, number>) =>
  Object.entries(c)
    .map(([k, n]) => `${k}:${n}`)
    .join(',');

/** The line: `summary ticks=30 rps=29.950 rpsMin=... weights=0/100 phase=burst changes=0 ...`. */
export function summaryLine(
  summary: TickSummary,
  now: { weights?: Weights; phase?: Phase; leader: boolean },
): { message: string; fields: LogFields } {
  const { rates } = summary;
  const fields: LogFields = {
    ticks: summary.ticks,
    role: now.leader ? 'leader' : 'standby',
    rps: summary.lastRead ?? 'none',
    rpsMin: rates.count > 0 ? rates.min.toFixed(3) : undefined,
    rpsMax: rates.count > 0 ? rates.max.toFixed(3) : undefined,
    unread: Object.keys(summary.missing).length ? counts(summary.missing) : undefined,
    weights: now.weights ? weightsText(now.weights) : undefined,
    phase: now.phase,
    changes: summary.outcomes.changed ?? 0,
    outcomes: counts(summary.outcomes),
    kind: summary.kind,
    reason: summary.reason,
  };
  return { message: 'summary', fields };
}
