// The hashes, newest first, and the tiles that count them (per second, burst share, totals):
// drawn with the rows from the same stream, so they never lag the rows they describe.
import { $, setText } from './document.js';
import { createDrawPacer } from './draw-pacer.js';
import { createResultTotals, createStreamWindow, hashOrigin } from './stream-counts.js';

const MAX_ROWS = 100;
const SHARE_WINDOW_MS = 2000;
const DRAW_EVERY_MS = 250;
// When hashes stop coming, the tiles fall back to nothing within the window.
const TILES_EVERY_MS = 500;

const hashRow = (hash, origin) => {
  const burst = origin === 'burst';
  const row = document.createElement('li');
  row.className = `list-group-item d-flex justify-content-between align-items-center hash-row ${burst ? 'hash-burst list-group-item-warning' : 'hash-primary'}`;
  row.dataset.origin = origin;
  row.dataset.testid = 'hash-row';
  const text = document.createElement('span');
  text.className = 'hash-text';
  text.textContent = hash;
  const label = document.createElement('span');
  label.className = 'hash-origin';
  label.textContent = origin;
  row.append(text, label);
  return row;
};

/** Wires the list and its tiles to `socket`; `countedInStats(totals)` takes each `stats` event's totals. */
export function mountHashStream(socket) {
  const hashList = $('hashes');
  const hashesEmpty = $('hashes-empty');
  let burstPrefix = 'bursty-';
  let pending = [];
  const recent = createStreamWindow(SHARE_WINDOW_MS);
  const totals = createResultTotals();

  socket.on('settings', (settings) => {
    burstPrefix = typeof settings.burstPrefix === 'string' ? settings.burstPrefix : burstPrefix;
  });

  const showTiles = () => {
    const { primaryPerSecond, burstPerSecond, burstShare } = recent.read(performance.now());
    const share = burstShare === null ? '–' : `${Math.round(burstShare * 100)}%`;
    setText($('stat-primary'), primaryPerSecond.toFixed(1));
    setText($('stat-burst'), burstPerSecond.toFixed(1));
    setText($('stat-burst-share'), share);
    setText($('watcher-share'), share);
    const seen = totals.seen();
    if (seen) {
      setText($('stat-results-total'), (seen.primary + seen.burst).toLocaleString('en-US'));
      setText($('total-primary'), seen.primary.toLocaleString('en-US'));
      setText($('total-burst'), seen.burst.toLocaleString('en-US'));
    }
  };

  const drawRows = () => {
    const fresh = pending;
    pending = [];
    const fragment = document.createDocumentFragment();
    for (let i = fresh.length - 1; i >= 0; i--) fragment.append(hashRow(fresh[i].hash, fresh[i].origin));
    hashList.prepend(fragment);
    while (hashList.childElementCount > MAX_ROWS) hashList.lastElementChild.remove();
    hashesEmpty.classList.toggle('d-none', hashList.childElementCount > 0);
    showTiles();
  };
  const pacer = createDrawPacer({ everyMs: DRAW_EVERY_MS, draw: drawRows });

  socket.on('calculation', (hash) => {
    if (typeof hash !== 'string') return;
    const origin = hashOrigin(hash, burstPrefix);
    recent.add(origin, performance.now());
    totals.counted(origin);
    pending.push({ hash, origin });
    // Only the newest MAX_ROWS can ever be shown; a hidden tab (its timers slowed) keeps no more.
    if (pending.length > MAX_ROWS) pending = pending.slice(-MAX_ROWS);
    pacer.request();
  });
  setInterval(showTiles, TILES_EVERY_MS);

  return {
    countedInStats(statsTotals) {
      totals.fromStats(statsTotals);
      showTiles();
    },
  };
}
