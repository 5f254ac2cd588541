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
const RIGHT = new Set([2, 3, 4, 5, 6, 7, 8, 9]);

/** One table, a block of rows per scenario with the oracle last in each. */
export function figuresTable(results: LabResult[]): string {
  const rows = results.flatMap((r) => {
    const label = `${r.trace} (${duration(r.seconds)})`;
    return [...r.policies, r.oracle].map((f, i) => row(i === 0 ? label : '', f));
  });
  const widths = HEADER.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: string[]) =>
    `| ${cells.map((cell, c) => (RIGHT.has(c) ? cell.padStart(widths[c] ?? 0) : cell.padEnd(widths[c] ?? 0))).join(' | ')} |`;
  const rule = `|${widths.map((w, c) => (RIGHT.has(c) ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`;
  return [line(HEADER), rule, ...rows.map(line)].join('\n');
}
