// The watcher: its phase and why, the weights beside the measured share, what it waits for, its
// decisions. Shown only when the frontend relays it (WATCHER_STATUS_URL); else hidden.
import { $, replaceRows, setClamped, setClass, setText } from './document.js';
import { clock } from './figures.js';
import {
  changeTexts,
  healthText,
  leaderText,
  pendingText,
  phaseBadge,
  rateText,
  reasonText,
  thresholdsText,
  weightsText,
} from './watcher-text.js';

const LOG_ROWS = 8;

const showPhase = (node, text, style) => {
  setText(node, text);
  setClass(node, `badge phase-badge ${style}`);
};

const badge = (text, style) => {
  const node = document.createElement('span');
  node.className = `badge ${style}`;
  node.textContent = text;
  return node;
};

const logRow = (change) => {
  const texts = changeTexts(change);
  const row = document.createElement('li');
  row.className = `watcher-change change-${change.by}`;
  row.dataset.testid = 'watcher-change';
  const when = document.createElement('time');
  when.dateTime = change.at;
  when.textContent = clock(Date.parse(change.at));
  const weights = document.createElement('strong');
  weights.textContent = texts.weights;
  const why = document.createElement('span');
  why.className = 'change-reason';
  why.textContent = texts.reason;
  row.append(when, ' ', weights, ' ', why);
  if (change.kind === 'rollback') row.classList.add('text-danger');
  return row;
};

/** Shows one `watcher` event; returns the thresholds in force, or null when there is no status. */
export function showWatcher(view) {
  // toggle(…, force), not add/remove: those rewrite the class attribute even when it holds already.
  for (const col of [$('watcher-state-col'), $('watcher-details-col')]) col.classList.toggle('d-none', false);
  const navPhase = $('nav-phase');
  navPhase.classList.toggle('d-none', false);
  const unavailable = $('watcher-unavailable');
  if (!view.available) {
    showPhase($('watcher-phase'), 'unavailable', 'text-bg-secondary');
    showPhase(navPhase, 'watcher unavailable', 'text-bg-secondary');
    setClamped(unavailable, `The watcher's status cannot be read: ${view.problem}.`);
    unavailable.classList.toggle('d-none', false);
    return null;
  }
  unavailable.classList.toggle('d-none', true);
  const s = view.status;
  const phase = phaseBadge(s);
  showPhase($('watcher-phase'), phase.text, phase.style);
  showPhase(navPhase, phase.text, phase.style);
  setClamped($('watcher-reason'), reasonText(s));
  const orders = [];
  if (s.suspend) orders.push(badge('suspended by the operator', 'text-bg-dark'));
  if (s.pin) orders.push(badge(`pinned ${s.pin}`, 'text-bg-dark'));
  if (s.dryRun) orders.push(badge('dry run', 'text-bg-info'));
  // The watcher sends its whole log each second: rows are replaced only when they differ.
  replaceRows($('watcher-orders'), orders);
  const problem = $('watcher-problem');
  setClamped(problem, s.problem ? `The watcher could not act on the VirtualService: ${s.problem}` : '');
  problem.classList.toggle('d-none', !s.problem);
  setText($('watcher-weights'), weightsText(s.weights));
  setClamped($('watcher-rate'), rateText(s.rate));
  setClamped($('watcher-pending'), pendingText(s.pending));
  const changes = s.changes.slice(0, LOG_ROWS).map(logRow);
  replaceRows($('watcher-log'), changes);
  $('watcher-log-empty').classList.toggle('d-none', changes.length > 0);
  setText($('watcher-thresholds'), thresholdsText(s));
  setText($('watcher-health'), healthText(s.health));
  setText($('watcher-leader'), leaderText(s.leadership));
  return s.thresholds;
}
