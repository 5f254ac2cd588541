// The watcher's log without a line per tick: every change; a tick without one only when its kind
// differs from the last such tick's (a plain hold never), or every tick with WATCHER_LOG_TICKS;
// the same router failure at most every 30 s; and a one-line summary of each period.
import type { Phase, Weights } from '@string-hashr/policy';
import type { LogFields, Logger } from '@string-hashr/runtime';
import type { TickReport } from './tick-report.js';
import { openSummary, summarizeTick, summaryLine, type TickSummary } from './tick-summary.js';

const ROUTER_FAILURE_REPEAT_MS = 30_000;

export interface TickLogOptions {
  /** WATCHER_LOG_TICKS: a line on every tick. */
  logTicks: boolean;
  /** A summary line this often (ms); 0: never. */
  summaryMs: number;
  now: () => number;
}

export function tickLog(log: Logger, options: TickLogOptions) {
  const { logTicks, summaryMs, now } = options;
  /** The kind of the last tick logged without a change. */
  let quietKind: string | undefined;
  let summary: TickSummary | undefined;
  let lastFailure = { message: '', at: 0, repeats: 0 };

  return {
    /** A tick without a change. */
    tick(kind: string, level: 'info' | 'warn', message: string, fields: LogFields): void {
      const shown = logTicks || (kind !== quietKind && kind !== 'hold');
      quietKind = kind;
      if (shown) log[level](message, fields);
    },
    /** A change: always its line, and the next quiet tick has its line again. */
    change(level: 'info' | 'warn', message: string, fields: LogFields): void {
      quietKind = undefined;
      log[level](message, fields);
    },
    /** A router failure; the same one every second would drown the log. */
    routerFailure(message: string, fields: LogFields): void {
      if (message !== lastFailure.message || now() - lastFailure.at >= ROUTER_FAILURE_REPEAT_MS) {
        const repeats = message === lastFailure.message ? lastFailure.repeats : 0;
        log.error(message, { ...fields, ...(repeats ? { repeatedSinceLastLog: repeats } : {}) });
        lastFailure = { message, at: now(), repeats: 0 };
      } else {
        lastFailure.repeats++;
      }
    },
    /** Counts a tick done at `at`; a tick that ends a period logs that period's summary first. */
    count(report: TickReport, at: number, current: () => { weights?: Weights; phase?: Phase; leader: boolean }): void {
      if (summaryMs <= 0) return;
      if (summary && at - summary.since >= summaryMs) {
        const { message, fields } = summaryLine(summary, current());
        log.info(message, fields);
        summary = undefined;
      }
      summary = summarizeTick(summary ?? openSummary(at), report);
    },
  };
}

export type TickLog = ReturnType<typeof tickLog>;
