import { describe, expect, it } from 'vitest';
import { ALL_BURST } from '@string-hashr/policy';
import { openSummary, summarizeTick, summaryLine } from './tick-summary.js';
import type { TickReport } from './tick-report.js';

const value = (rps: number): TickReport => ({
  read: rps.toFixed(3),
  reading: { kind: 'value', rps },
  outcome: 'held',
});
const timeout: TickReport = {
  read: 'error(timeout)',
  reading: { kind: 'error', errorKind: 'timeout', message: 'no answer' },
  outcome: 'held',
};
const routerError: TickReport = { read: 'not read', outcome: 'router-error' };

describe('the periodic summary', () => {
  it.each([
    [
      'nothing read yet',
      [],
      { leader: true },
      { ticks: 0, role: 'leader', rps: 'none', rpsMin: undefined, unread: undefined, changes: 0, outcomes: '' },
    ],
    [
      'rates: the last read, the least and the most',
      [value(12), value(31.5), value(9)],
      { leader: true, weights: ALL_BURST, phase: 'burst' as const },
      {
        ticks: 3,
        rps: '9.000',
        rpsMin: '9.000',
        rpsMax: '31.500',
        weights: '0/100',
        phase: 'burst',
        outcomes: 'held:3',
      },
    ],
    [
      'failed reads and router errors counted apart',
      [value(12), timeout, timeout, routerError, { ...value(20), outcome: 'changed' as const }],
      { leader: true },
      {
        ticks: 5,
        rps: '20.000',
        unread: 'error(timeout):2',
        changes: 1,
        outcomes: 'held:3,router-error:1,changed:1',
      },
    ],
    ['a standby', [{ ...value(5), outcome: 'standby' as const }], { leader: false }, { role: 'standby', changes: 0 }],
  ])('%s', (_name, reports, now, expected) => {
    const summary = reports.reduce(summarizeTick, openSummary(0));
    const { message, fields } = summaryLine(summary, now);
    expect(message).toBe('summary');
    expect(fields).toMatchObject(expected);
  });
});
