// The traffic tiles and the totals table, from the server's `stats` once a second.
import { $, element, setText } from './document.js';
import { fixed } from './figures.js';

/** Id, label, unit; `burst` ones in the burst colour. */
const STAT_TILES = [
  ['stat-target', 'Target', 'req/s'],
  ['stat-achieved', 'Achieved', 'req/s'],
  ['stat-ok', 'OK', '/s'],
  ['stat-failed', 'Failed', '/s'],
  ['stat-dropped', 'Dropped', '/s'],
  ['stat-in-flight', 'In flight', ''],
  ['stat-p50', 'Latency p50', 'ms'],
  ['stat-p99', 'Latency p99', 'ms'],
  ['stat-primary', 'Primary results', '/s'],
  ['stat-burst', 'Burst results', '/s', 'burst'],
  ['stat-burst-share', 'Burst share', '', 'burst'],
  ['stat-results-total', 'Results seen', ''],
];

const STAT_FIELDS = {
  'stat-target': (s) => fixed(s.targetRate, s.targetRate % 1 === 0 ? 0 : 1),
  'stat-achieved': (s) => fixed(s.achievedRate, 1),
  'stat-ok': (s) => fixed(s.okPerSecond, 1),
  'stat-failed': (s) => fixed(s.failedPerSecond, 1),
  'stat-dropped': (s) => fixed(s.droppedPerSecond, 1),
  'stat-in-flight': (s) => String(s.inFlight),
  'stat-p50': (s) => fixed(s.latencyP50Ms, 1),
  'stat-p99': (s) => fixed(s.latencyP99Ms, 1),
};

/** Puts the tiles in the page, each showing a dash until there is something to show. */
export function buildStatTiles() {
  for (const [id, label, unit, tone] of STAT_TILES) {
    const value = element('div', tone === 'burst' ? 'stat-value text-warning-emphasis' : 'stat-value');
    const figure = element('span', '', '–');
    figure.id = id;
    figure.dataset.testid = id;
    value.append(figure);
    if (unit) value.append(' ', element('small', '', unit));
    const stat = element('div', 'stat');
    stat.append(element('div', 'stat-label', label), value);
    const col = element('div', 'col');
    col.append(stat);
    $('stat-tiles').append(col);
  }
}

export function showStats(stats) {
  for (const [id, format] of Object.entries(STAT_FIELDS)) setText($(id), format(stats));
  // Colour only what deserves attention.
  $('stat-ok').classList.toggle('text-success', stats.okPerSecond > 0);
  $('stat-failed').classList.toggle('text-danger', stats.failedPerSecond > 0);
  $('stat-dropped').classList.toggle('text-danger', stats.droppedPerSecond > 0);
  for (const key of ['sent', 'ok', 'failed', 'dropped'])
    setText($(`total-${key}`), stats.totals[key].toLocaleString('en-US'));
}
