/** The figures as a Markdown table: readable in a terminal, pasted as is into a README. */
import type { PolicyFigures } from './figures.js';
import type { LabResult } from './lab.js';

const whole = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

export function duration(seconds: number): string {
  if (seconds < 120) return `${Math.round(seconds)} s`;
  if (seconds < 3 * 3600) return `${Math.round(seconds / 60)} min`;
  if (seconds < 3 * 86_400) return `${Number((seconds / 3600).toFixed(1))} h`;
  return `${Number((seconds / 86_400).toFixed(1))} days`;
}

function delay(seconds: number | null): string {
  return seconds === null ? '-' : `${Math.round(seconds)} s`;
}

export function share(value: number): string {
  return `${(100 * value).toFixed(2)}%`;
}

function row(scenario: string, f: PolicyFigures): string[] {
  const name = f.name === 'oracle' ? '*oracle*' : f.name;
  return [
    scenario,
    name,
    share(f.servedShare),
    whole.format(f.overloadRequests),
    whole.format(f.burstPodSeconds),
    whole.format(f.burstNodeMinutes),
    whole.format(f.weightChanges),
    whole.format(f.rollbacks),
    `${delay(f.timeToBurstSeconds)} / ${delay(f.timeToBurstMaxSeconds)}`,
    `${f.missedEpisodes} of ${f.overloadEpisodes}`,
  ];
}

const HEADER = [
  'scenario',
  'policy',
  'served',
  'overload req',
  'burst pod-s',
  'burst node-min',
  'weight changes',
  'rollbacks',
  'to burst median / max',
  'episodes missed',
];

/** Aligned Markdown: the first `left` columns left-aligned, the rest right-aligned. */
function markdown(header: string[], rows: string[][], left: number): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: string[]) =>
    `| ${cells.map((cell, c) => (c >= left ? cell.padStart(widths[c] ?? 0) : cell.padEnd(widths[c] ?? 0))).join(' | ')} |`;
  const rule = `|${widths.map((w, c) => (c >= left ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}

/** One table, a block of rows per scenario with the oracle last in each. */
export function figuresTable(results: LabResult[]): string {
  const rows = results.flatMap((r) => {
    const label = `${r.trace} (${duration(r.seconds)})`;
    return [...r.policies, r.oracle].map((f, i) => row(i === 0 ? label : '', f));
  });
  return markdown(HEADER, rows, 2);
}

/**
 * One row per policy over every run: the share of all requests served, the worst run's share (and
 * which), and the sums. For choosing a setting across traffic, not one trace.
 */
export function summaryTable(results: LabResult[]): string {
  const names = [...new Set(results.flatMap((r) => [...r.policies, r.oracle].map((f) => f.name)))];
  const rows = names.map((name) => {
    const runs = results.flatMap((r) =>
      [...r.policies, r.oracle].filter((f) => f.name === name).map((f) => ({ trace: r.trace, f })),
    );
    const sum = (key: 'requests' | 'overloadRequests' | 'burstPodSeconds' | 'weightChanges' | 'rollbacks') =>
      runs.reduce((total, { f }) => total + f[key], 0);
    const worst = runs.reduce((a, b) => (b.f.servedShare < a.f.servedShare ? b : a));
    const requests = sum('requests');
    return [
      name === 'oracle' ? '*oracle*' : name,
      share(requests > 0 ? 1 - sum('overloadRequests') / requests : 1),
      `${share(worst.f.servedShare)} (${worst.trace})`,
      whole.format(sum('overloadRequests')),
      whole.format(sum('burstPodSeconds')),
      whole.format(sum('weightChanges')),
      whole.format(sum('rollbacks')),
    ];
  });
  const header = ['policy', 'served', 'worst run', 'overload req', 'burst pod-s', 'weight changes', 'rollbacks'];
  return markdown(header, rows, 1);
}
