import { describe, expect, it } from 'vitest';
import type { PolicyFigures } from './figures.js';
import { duration, figuresTable, summaryTable } from './table.js';

const figures = (name: string, over: Partial<PolicyFigures> = {}): PolicyFigures => ({
  name,
  servedShare: 0.98765,
  overloadRequests: 12345.6,
  burstPodSeconds: 100,
  burstNodeMinutes: 0,
  weightChanges: 3,
  rollbacks: 0,
  timeToBurstSeconds: 33.4,
  timeToBurstMaxSeconds: 40,
  overloadEpisodes: 2,
  missedEpisodes: 1,
  requests: 1e6,
  ...over,
});

describe('figuresTable', () => {
  it('one row per policy, the oracle last in each scenario, aligned Markdown', () => {
    const table = figuresTable([
      {
        trace: 'flash-crowd',
        seconds: 7200,
        policies: [figures('ours')],
        oracle: figures('oracle', { timeToBurstSeconds: null, timeToBurstMaxSeconds: null }),
      },
    ]);
    const lines = table.split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/^\| scenario +\| policy +\| +served \| overload req \|/);
    expect(lines[1]).toMatch(/^\|-+\|-+\|-+:\|/);
    expect(lines[2]).toMatch(
      /^\| flash-crowd \(120 min\) \| ours +\| +98\.77% \| +12,346 \| +100 \| +0 \| +3 \| +0 \| +33 s \/ 40 s \| +1 of 2 \|$/,
    );
    expect(lines[3]).toMatch(/^\| +\| \*oracle\* \|.*\| +- \/ - \|/);
    expect(new Set(lines.map((l) => l.length)).size).toBe(1);
  });

  it('summary: one row per policy over the runs, the worst run named', () => {
    const run = (trace: string, served: number) => ({
      trace,
      seconds: 60,
      policies: [figures('ours', { servedShare: served, requests: 100, overloadRequests: 100 * (1 - served) })],
      oracle: figures('oracle', { servedShare: 1, requests: 100, overloadRequests: 0 }),
    });
    const lines = summaryTable([run('a', 0.9), run('b', 0.7)]).split('\n');
    expect(lines[0]).toMatch(/^\| policy +\| +served \| +worst run \| overload req \|/);
    expect(lines[2]).toMatch(/^\| ours +\| +80\.00% \| +70\.00% \(b\) \| +40 \| +200 \| +6 \| +0 \|$/);
    expect(lines[3]).toMatch(/^\| \*oracle\* +\| +100\.00% \|/);
  });

  it.each([
    [45, '45 s'],
    [7200, '120 min'],
    [86_400, '24 h'],
    [30 * 86_400, '30 days'],
  ])('duration(%i) = %s', (seconds, text) => {
    expect(duration(seconds)).toBe(text);
  });
});
