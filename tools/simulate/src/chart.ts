/**
 * An SVG chart of one run: the offered load, what the watcher read, the capacity of each side and
 * the overload (req/s) on top; the burst weight (%) below. Long runs are drawn in buckets (mean
 * per bucket; overload as the bucket's peak, so a short overload never disappears).
 */
import type { PolicyFigures } from './figures.js';
import type { RunRecord } from './simulate.js';
import { duration, share } from './table.js';

export interface ChartInput {
  title: string;
  load: Float64Array;
  record: RunRecord;
  primaryCapacity: number;
  figures: PolicyFigures;
}

const WIDTH = 1200;
const HEIGHT = 640;
const LEFT = 64;
const RIGHT = 24;
const TOP_PANEL = { top: 78, height: 340 };
const WEIGHT_PANEL = { top: 462, height: 120 };
const COLORS = {
  load: '#222222',
  observed: '#7b3fbf',
  primary: '#1f77b4',
  burst: '#e67e00',
  overload: '#d62728',
  grid: '#e4e4e4',
};

type Reduce = 'mean' | 'max';

function buckets(values: ArrayLike<number>, count: number, reduce: Reduce): number[] {
  const out: number[] = [];
  const n = values.length;
  for (let b = 0; b < count; b++) {
    const from = Math.floor((b * n) / count);
    const to = Math.max(from + 1, Math.floor(((b + 1) * n) / count));
    let acc = reduce === 'max' ? -Infinity : 0;
    let used = 0;
    for (let i = from; i < to && i < n; i++) {
      const v = values[i] ?? NaN;
      if (Number.isNaN(v)) continue;
      acc = reduce === 'max' ? Math.max(acc, v) : acc + v;
      used++;
    }
    out.push(used === 0 ? NaN : reduce === 'max' ? acc : acc / used);
  }
  return out;
}

/** A round axis maximum and step: 1, 2 or 5 times a power of ten. */
function niceScale(max: number, ticks = 5): { max: number; step: number } {
  const raw = Math.max(max, 1) / ticks;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? raw;
  return { max: Math.ceil(Math.max(max, 1) / step) * step, step };
}

function timeStep(seconds: number): { step: number; label: (t: number) => string } {
  const candidates = [60, 300, 600, 900, 1800, 3600, 7200, 10_800, 21_600, 43_200, 86_400, 172_800, 604_800];
  const step = candidates.find((s) => seconds / s <= 12) ?? 604_800;
  const label = (t: number) =>
    step >= 86_400 ? `day ${t / 86_400}` : step >= 3600 ? `${t / 3600} h` : `${Math.round(t / 60)} min`;
  return { step, label };
}

const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function chartSvg(input: ChartInput): string {
  const { load, record } = input;
  const seconds = load.length;
  const count = Math.min(seconds, WIDTH - LEFT - RIGHT);
  const plotWidth = WIDTH - LEFT - RIGHT;
  const x = (i: number) => LEFT + ((i + 0.5) * plotWidth) / count;
  const series = {
    load: buckets(load, count, 'mean'),
    observed: buckets(record.observed, count, 'mean'),
    burstCapacity: buckets(record.burstCapacity, count, 'mean'),
    overload: buckets(record.overload, count, 'max'),
    weight: buckets(record.burstWeight, count, 'mean'),
  };
  const peak = Math.max(
    ...series.load.filter(Number.isFinite),
    ...series.burstCapacity.filter(Number.isFinite),
    input.primaryCapacity * 1.2,
    1,
  );
  const scale = niceScale(peak * 1.05);
  const yRate = (v: number) => TOP_PANEL.top + TOP_PANEL.height * (1 - Math.min(v, scale.max) / scale.max);
  const yWeight = (v: number) => WEIGHT_PANEL.top + WEIGHT_PANEL.height * (1 - v / 100);
  const path = (values: number[], y: (v: number) => number) => {
    let d = '';
    let pen = false;
    values.forEach((v, i) => {
      if (!Number.isFinite(v)) return void (pen = false);
      d += `${pen ? 'L' : 'M'}${x(i).toFixed(1)},${y(v).toFixed(1)}`;
      pen = true;
    });
    return d;
  };
  const area = (values: number[], y: (v: number) => number, base: number) => {
    const points = values.map((v, i) => `${x(i).toFixed(1)},${y(Number.isFinite(v) ? v : 0).toFixed(1)}`);
    return `M${x(0).toFixed(1)},${base}L${points.join('L')}L${x(values.length - 1).toFixed(1)},${base}Z`;
  };

  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="Helvetica, Arial, sans-serif" font-size="13">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#ffffff"/>`,
    `<text x="${LEFT}" y="26" font-size="17" font-weight="bold">${escape(input.title)}</text>`,
  );
  const f = input.figures;
  parts.push(
    `<text x="${LEFT}" y="48" fill="#444">${escape(
      `served ${share(f.servedShare)}, overload ${Math.round(f.overloadRequests).toLocaleString('en-US')} req, ` +
        `${f.weightChanges} weight changes, burst ${Math.round(f.burstPodSeconds).toLocaleString('en-US')} pod-s, ` +
        `to burst ${f.timeToBurstSeconds === null ? '-' : `${Math.round(f.timeToBurstSeconds)} s`} (median)`,
    )}</text>`,
  );

  // Grid and axes.
  for (let v = 0; v <= scale.max + 1e-9; v += scale.step) {
    const y = yRate(v).toFixed(1);
    parts.push(`<line x1="${LEFT}" x2="${WIDTH - RIGHT}" y1="${y}" y2="${y}" stroke="${COLORS.grid}"/>`);
    parts.push(
      `<text x="${LEFT - 8}" y="${Number(y) + 4}" text-anchor="end" fill="#555">${Number(v.toFixed(6))}</text>`,
    );
  }
  for (const v of [0, 50, 100]) {
    const y = yWeight(v).toFixed(1);
    parts.push(`<line x1="${LEFT}" x2="${WIDTH - RIGHT}" y1="${y}" y2="${y}" stroke="${COLORS.grid}"/>`);
    parts.push(`<text x="${LEFT - 8}" y="${Number(y) + 4}" text-anchor="end" fill="#555">${v}%</text>`);
  }
  const time = timeStep(seconds);
  for (let t = 0; t <= seconds; t += time.step) {
    const px = (LEFT + (t / seconds) * plotWidth).toFixed(1);
    parts.push(
      `<line x1="${px}" x2="${px}" y1="${TOP_PANEL.top}" y2="${WEIGHT_PANEL.top + WEIGHT_PANEL.height}" stroke="${COLORS.grid}"/>`,
      `<text x="${px}" y="${WEIGHT_PANEL.top + WEIGHT_PANEL.height + 20}" text-anchor="${t + time.step > seconds ? 'end' : 'middle'}" fill="#555">${time.label(t)}</text>`,
    );
  }
  parts.push(
    `<text x="16" y="${TOP_PANEL.top + TOP_PANEL.height / 2}" transform="rotate(-90 16 ${TOP_PANEL.top + TOP_PANEL.height / 2})" text-anchor="middle" fill="#333">req/s</text>`,
    `<text x="16" y="${WEIGHT_PANEL.top + WEIGHT_PANEL.height / 2}" transform="rotate(-90 16 ${WEIGHT_PANEL.top + WEIGHT_PANEL.height / 2})" text-anchor="middle" fill="#333">burst weight</text>`,
  );

  // Data.
  const rateBase = TOP_PANEL.top + TOP_PANEL.height;
  parts.push(
    `<path d="${area(series.overload, yRate, rateBase)}" fill="${COLORS.overload}" fill-opacity="0.45" stroke="none"/>`,
    `<path d="${path(
      series.load.map(() => input.primaryCapacity),
      yRate,
    )}" stroke="${COLORS.primary}" stroke-width="2" stroke-dasharray="8 5" fill="none"/>`,
    `<path d="${path(series.burstCapacity, yRate)}" stroke="${COLORS.burst}" stroke-width="2" stroke-dasharray="3 3" fill="none"/>`,
    `<path d="${path(series.load, yRate)}" stroke="${COLORS.load}" stroke-width="1.4" fill="none"/>`,
    `<path d="${path(series.observed, yRate)}" stroke="${COLORS.observed}" stroke-width="1.6" fill="none"/>`,
    `<path d="${area(series.weight, yWeight, WEIGHT_PANEL.top + WEIGHT_PANEL.height)}" fill="${COLORS.burst}" fill-opacity="0.35" stroke="${COLORS.burst}" stroke-width="1.2"/>`,
  );
  parts.push(
    `<rect x="${LEFT}" y="${TOP_PANEL.top}" width="${plotWidth}" height="${TOP_PANEL.height}" fill="none" stroke="#999"/>`,
    `<rect x="${LEFT}" y="${WEIGHT_PANEL.top}" width="${plotWidth}" height="${WEIGHT_PANEL.height}" fill="none" stroke="#999"/>`,
  );

  // Legend.
  const legend: Array<[string, string, string]> = [
    ['offered load', COLORS.load, ''],
    ["watcher's reading", COLORS.observed, ''],
    ['primary capacity', COLORS.primary, '8 5'],
    ['burst capacity (ready pods)', COLORS.burst, '3 3'],
    ['overload', COLORS.overload, 'area'],
  ];
  let lx = LEFT;
  for (const [label, color, dash] of legend) {
    const ly = 64;
    parts.push(
      dash === 'area'
        ? `<rect x="${lx}" y="${ly - 9}" width="22" height="10" fill="${color}" fill-opacity="0.45"/>`
        : `<line x1="${lx}" x2="${lx + 22}" y1="${ly - 4}" y2="${ly - 4}" stroke="${color}" stroke-width="2.5"${dash ? ` stroke-dasharray="${dash}"` : ''}/>`,
      `<text x="${lx + 28}" y="${ly}" fill="#333">${escape(label)}</text>`,
    );
    lx += 40 + label.length * 7;
  }
  parts.push(
    `<text x="${LEFT}" y="${WEIGHT_PANEL.top - 10}" fill="#333">share of worker traffic sent to burst (${duration(seconds)} in ${count} columns)</text>`,
    '</svg>',
  );
  return parts.join('\n') + '\n';
}
