// The String Hashr page: sets the one shared rate, shows the hashes as they arrive and the
// server's `stats` once a second. Plain browser JS; socket.io and Chart.js come from the app.
(() => {
  'use strict';

  const MAX_ROWS = 100;
  const CHART_POINTS = 120; // one a second: the last 2 minutes

  const $ = (id) => document.getElementById(id);
  const form = $('frequency-form');
  const input = $('frequency-input');
  const errorBox = $('frequency-error');
  const currentRate = $('current-rate');
  const hashList = $('hashes');
  const hashesEmpty = $('hashes-empty');
  const connection = $('connection-status');

  let burstPrefix = 'bursty-';
  let maxRate = 1000;

  // --- the control key ------------------------------------------------------------------
  // It comes in the URL fragment (#key=...), which browsers never send to a server (so it is in no
  // access log and no Referer), is kept for this tab only, and leaves the address bar at once.
  const KEY_STORE = 'string-hashr-control-key';
  const storedKey = () => {
    try {
      return sessionStorage.getItem(KEY_STORE);
    } catch {
      return null;
    }
  };
  const storeKey = (key) => {
    try {
      if (key) sessionStorage.setItem(KEY_STORE, key);
      else sessionStorage.removeItem(KEY_STORE);
    } catch {
      // storage disabled: the key lasts until the page is closed
    }
    memoryKey = key;
  };
  let memoryKey = storedKey();
  const takeKeyFromFragment = () => {
    const key = new URLSearchParams(location.hash.slice(1)).get('key');
    if (!key) return false;
    storeKey(key);
    history.replaceState(null, '', location.pathname + location.search);
    return true;
  };
  takeKeyFromFragment();

  // The key travels in socket.io's handshake (auth), never in a URL.
  const socket = io({ auth: (send) => send(memoryKey ? { key: memoryKey } : {}) });
  const reconnectWithKey = (key) => {
    storeKey(key);
    socket.disconnect().connect();
  };

  // --- connection state -------------------------------------------------------------------
  const showConnection = (text, style) => {
    connection.textContent = text;
    connection.className = `badge text-bg-${style}`;
  };
  socket.on('connect', () => showConnection('connected', 'success'));
  socket.on('disconnect', () => showConnection('disconnected', 'danger'));
  socket.io.on('reconnect_attempt', () => showConnection('reconnecting…', 'warning'));

  socket.on('settings', (settings) => {
    burstPrefix = typeof settings.burstPrefix === 'string' ? settings.burstPrefix : burstPrefix;
    maxRate = Number(settings.maxRate) || maxRate;
    input.max = String(maxRate);
    $('max-rate').textContent = String(maxRate);
  });

  const readOnly = $('control-readonly');
  const unlocked = $('control-unlocked');
  const keyRejected = $('control-key-rejected');
  const setControls = (enabled) => {
    for (const control of [input, $('frequency-submit'), $('frequency-stop')]) control.disabled = !enabled;
  };
  socket.on('control', (control) => {
    const canControl = Boolean(control && control.canControl);
    const keyMode = Boolean(control && control.mode === 'key');
    setControls(canControl);
    readOnly.classList.toggle('d-none', canControl);
    unlocked.classList.toggle('d-none', !(keyMode && canControl));
    keyRejected.classList.toggle('d-none', !(control && control.keyRejected));
  });
  $('control-key-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const key = $('control-key-input').value.trim();
    $('control-key-input').value = '';
    if (key) reconnectWithKey(key);
  });
  $('control-forget').addEventListener('click', () => reconnectWithKey(null));
  window.addEventListener('hashchange', () => {
    if (takeKeyFromFragment()) reconnectWithKey(memoryKey);
  });

  // --- the rate -------------------------------------------------------------------------
  let errorTimer;
  const showError = (message) => {
    errorBox.textContent = message;
    errorBox.classList.remove('d-none');
    clearTimeout(errorTimer);
    errorTimer = setTimeout(() => errorBox.classList.add('d-none'), 6000);
  };
  const sendFrequency = (freq) => {
    errorBox.classList.add('d-none');
    socket.emit('frequency', { freq });
  };
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const text = input.value.trim();
    // An empty (or, in some browsers, unparsable) number field reads as "": never turn it into 0.
    if (text === '') {
      showError(`Enter a number from 0 to ${maxRate}.`);
      return;
    }
    sendFrequency(Number(text));
  });
  $('frequency-stop').addEventListener('click', () => sendFrequency(0));
  socket.on('frequency', ({ freq }) => {
    currentRate.textContent = String(freq);
    if (document.activeElement !== input) input.value = String(freq);
  });
  socket.on('error', (error) => showError(error && error.message ? error.message : 'The server rejected that rate.'));

  // --- hashes, newest first; rendered at most once a frame so 1000/s does not thrash the DOM
  let pending = [];
  let frameRequested = false;
  const hashRow = (hash) => {
    const burst = burstPrefix !== '' && hash.startsWith(burstPrefix);
    const row = document.createElement('li');
    row.className = `list-group-item d-flex justify-content-between align-items-center hash-row ${burst ? 'hash-burst list-group-item-warning' : 'hash-primary'}`;
    row.dataset.origin = burst ? 'burst' : 'primary';
    row.dataset.testid = 'hash-row';
    const text = document.createElement('span');
    text.className = 'hash-text text-truncate';
    text.textContent = hash;
    const badge = document.createElement('span');
    badge.className = `badge ms-2 ${burst ? 'text-bg-warning' : 'text-bg-secondary'}`;
    badge.textContent = burst ? 'burst' : 'primary';
    row.append(text, badge);
    return row;
  };
  let frameHandle;
  let fallbackTimer;
  const render = () => {
    frameRequested = false;
    cancelAnimationFrame(frameHandle);
    clearTimeout(fallbackTimer);
    const fresh = pending;
    pending = [];
    const fragment = document.createDocumentFragment();
    for (let i = fresh.length - 1; i >= 0; i--) fragment.append(hashRow(fresh[i]));
    hashList.prepend(fragment);
    while (hashList.childElementCount > MAX_ROWS) hashList.lastElementChild.remove();
    hashesEmpty.classList.toggle('d-none', hashList.childElementCount > 0);
  };
  socket.on('calculation', (hash) => {
    if (typeof hash !== 'string') return;
    pending.push(hash);
    // Only the newest MAX_ROWS can ever be shown; a hidden tab (no frames) keeps no more.
    if (pending.length > MAX_ROWS) pending = pending.slice(-MAX_ROWS);
    if (!frameRequested) {
      frameRequested = true;
      // Next frame; the timer covers pages that get no frames (a tab behind another one).
      frameHandle = requestAnimationFrame(render);
      fallbackTimer = setTimeout(render, 250);
    }
  });

  // --- stats panel and chart --------------------------------------------------------------
  const fixed = (value, digits) => (value === null || value === undefined ? '–' : Number(value).toFixed(digits));
  const statFields = {
    'stat-target': (s) => fixed(s.targetRate, s.targetRate % 1 === 0 ? 0 : 1),
    'stat-achieved': (s) => fixed(s.achievedRate, 1),
    'stat-ok': (s) => fixed(s.okPerSecond, 1),
    'stat-failed': (s) => fixed(s.failedPerSecond, 1),
    'stat-dropped': (s) => fixed(s.droppedPerSecond, 1),
    'stat-in-flight': (s) => String(s.inFlight),
    'stat-p50': (s) => fixed(s.latencyP50Ms, 1),
    'stat-p99': (s) => fixed(s.latencyP99Ms, 1),
    'stat-primary': (s) => fixed(s.primaryPerSecond, 1),
    'stat-burst': (s) => fixed(s.burstPerSecond, 1),
    'stat-burst-share': (s) => (s.burstShare === null ? '–' : `${Math.round(s.burstShare * 100)}%`),
    'stat-results-total': (s) => String(s.totals.primary + s.totals.burst),
  };

  const chart = new Chart($('rate-chart'), {
    type: 'line',
    data: {
      labels: [],
      datasets: [
        {
          label: 'Achieved req/s',
          data: [],
          borderColor: '#0d6efd',
          backgroundColor: '#0d6efd',
          yAxisID: 'rate',
          pointRadius: 0,
          borderWidth: 2,
        },
        {
          label: 'Target req/s',
          data: [],
          borderColor: '#6c757d',
          backgroundColor: '#6c757d',
          yAxisID: 'rate',
          pointRadius: 0,
          borderWidth: 1,
          borderDash: [6, 4],
          stepped: true,
        },
        {
          label: 'Burst share %',
          data: [],
          borderColor: '#fd7e14',
          backgroundColor: 'rgba(253,126,20,0.15)',
          yAxisID: 'share',
          pointRadius: 0,
          borderWidth: 2,
          fill: true,
          stepped: true,
        },
      ],
    },
    options: {
      animation: false,
      maintainAspectRatio: false,
      interaction: { mode: 'index', intersect: false },
      scales: {
        x: { ticks: { maxTicksLimit: 8, autoSkip: true } },
        rate: { type: 'linear', position: 'left', beginAtZero: true, title: { display: true, text: 'req/s' } },
        share: {
          type: 'linear',
          position: 'right',
          min: 0,
          max: 100,
          grid: { drawOnChartArea: false },
          title: { display: true, text: 'burst %' },
        },
      },
      plugins: { legend: { position: 'bottom' } },
    },
  });
  const addPoint = (stats) => {
    const [achieved, target, share] = chart.data.datasets;
    chart.data.labels.push(new Date(stats.at).toLocaleTimeString());
    achieved.data.push(stats.achievedRate);
    target.data.push(stats.targetRate);
    share.data.push(stats.burstShare === null ? null : Math.round(stats.burstShare * 1000) / 10);
    if (chart.data.labels.length > CHART_POINTS) {
      chart.data.labels.shift();
      for (const dataset of chart.data.datasets) dataset.data.shift();
    }
  };
  const showStats = (stats) => {
    for (const [id, format] of Object.entries(statFields)) $(id).textContent = format(stats);
    // Colour only what deserves attention.
    $('stat-ok').classList.toggle('text-success', stats.okPerSecond > 0);
    $('stat-failed').classList.toggle('text-danger', stats.failedPerSecond > 0);
    $('stat-dropped').classList.toggle('text-danger', stats.droppedPerSecond > 0);
    for (const key of ['sent', 'ok', 'failed', 'dropped', 'primary', 'burst'])
      $(`total-${key}`).textContent = stats.totals[key].toLocaleString('en-US');
  };
  socket.on('history', (history) => {
    chart.data.labels = [];
    for (const dataset of chart.data.datasets) dataset.data = [];
    for (const stats of history) addPoint(stats);
    chart.update('none');
    if (history.length > 0) showStats(history[history.length - 1]);
  });
  socket.on('stats', (stats) => {
    showStats(stats);
    addPoint(stats);
    chart.update('none');
  });
})();
