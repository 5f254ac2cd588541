// The String Hashr page: sets the one shared rate, shows the hashes as they arrive, the server's
// `stats` once a second, and (when the frontend relays it) what the watcher decides and why.
// Plain browser ES modules served as is, one per panel (app/); socket.io and Chart.js come from
// the app as classic scripts, loaded before this one.
import { createControlKey } from './app/control-key.js';
import { $ } from './app/document.js';
import { mountHashStream } from './app/hash-stream.js';
import { createRateChart } from './app/rate-chart.js';
import { mountRatePanel } from './app/rate-panel.js';
import { buildStatTiles, showStats } from './app/stats-panel.js';
import { showWatcher } from './app/watcher-panel.js';

buildStatTiles();
const key = createControlKey();
key.takeFromFragment();

// The key travels in socket.io's handshake (auth), never in a URL.
const socket = io({ auth: (send) => send(key.current() ? { key: key.current() } : {}) });

const connection = $('connection-status');
const showConnection = (text, style) => {
  connection.textContent = text;
  connection.className = `badge text-bg-${style}`;
};
socket.on('connect', () => showConnection('connected', 'success'));
socket.on('disconnect', () => showConnection('disconnected', 'danger'));
socket.io.on('reconnect_attempt', () => showConnection('reconnecting…', 'warning'));

mountRatePanel(socket, key);
const stream = mountHashStream(socket);
const chart = createRateChart($('rate-chart'));

const showAllStats = (stats) => {
  showStats(stats);
  stream.countedInStats(stats.totals);
};
socket.on('history', (history) => {
  chart.showHistory(history);
  if (history.length > 0) showAllStats(history[history.length - 1]);
});
socket.on('stats', (stats) => {
  showAllStats(stats);
  chart.add(stats);
});
socket.on('watcher', (view) => {
  if (!view || typeof view !== 'object') return;
  const thresholds = showWatcher(view);
  if (thresholds) chart.showThresholds(thresholds);
});
