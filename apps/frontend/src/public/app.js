// The String Hashr page: sets the one shared rate, shows the hashes as they arrive, the
// server's `stats` once a second, and (when the frontend relays it) what the watcher decides and
// why. Plain browser JS served as is; socket.io and Chart.js come from the app. Everything it
// writes into the page goes through textContent: nothing from the server is ever parsed as HTML.
(() => {
  'use strict';

  const MAX_ROWS = 100;
  const CHART_WINDOW_MS = 120_000; // the chart slides: always the last 2 minutes
  const SHARE_WINDOW_MS = 2000; // the stream's tiles count the hashes of the last 2 s
  const LOG_ROWS = 8;

  const $ = (id) => document.getElementById(id);
  // The panels are rewritten every second or half second, mostly with what they already show:
  // an unchanged write still costs a layout and a repaint (an idle page did four a second, 8% of a
  // core in headless Chromium; writing only changes does one, 6%).
  const setText = (node, text) => {
    if (node.textContent !== text) node.textContent = text;
  };
  const setClass = (node, className) => {
    if (node.className !== className) node.className = className;
  };

  // --- the traffic tiles: id, label, unit; `burst` ones in the burst colour ------------------
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
  const element = (tag, className, text) => {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  };
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
  const form = $('frequency-form');
  const input = $('frequency-input');
  const errorBox = $('frequency-error');
  const currentRate = $('current-rate');
  const hashList = $('hashes');
  const hashesEmpty = $('hashes-empty');
  const connection = $('connection-status');

  let burstPrefix = 'bursty-';
  let maxRate = 1000;
  let rateRule = 'Enter a rate from 0 to 1000 requests per second.';

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
    rateRule = typeof settings.rateRule === 'string' ? settings.rateRule : rateRule;
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
    const freq = Number(text);
    // An empty (or, in some browsers, unparsable) number field reads as "": never turn it into 0.
    // The server's words for a bad rate, so the page and the server say the same thing.
    if (text === '' || !Number.isFinite(freq) || freq < 0 || freq > maxRate) {
      showError(rateRule);
      return;
    }
    sendFrequency(freq);
  });
  $('frequency-stop').addEventListener('click', () => sendFrequency(0));
  socket.on('frequency', ({ freq }) => {
    currentRate.textContent = String(freq);
    if (document.activeElement !== input) input.value = String(freq);
  });
  socket.on('error', (error) => showError(error && typeof error.message === 'string' ? error.message : rateRule));

  // --- hashes, newest first; drawn at once when they come slowly, and at most every
  // RENDER_EVERY_MS when they come fast: no one reads rows faster, and each draw costs the browser a
  // layout and a paint of the list (at 30 req/s, a draw per hash kept a headless Chromium's renderer
  // at half a core; four draws a second, a quarter). The tiles that count results (per second, burst
  // share, totals) are drawn with the rows from the same stream, so they never lag the rows they describe.
  const RENDER_EVERY_MS = 250;
  let pending = [];
  /** Arrival times of the recent hashes, by origin (the stream's tiles). */
  const arrivals = { primary: [], burst: [] };
  /** Totals since the frontend started: the server's at its last `stats`, plus what came since. */
  let totals = null;
  const sinceStats = { primary: 0, burst: 0 };
  const isBurst = (hash) => burstPrefix !== '' && hash.startsWith(burstPrefix);

  const hashRow = (hash) => {
    const burst = isBurst(hash);
    const row = document.createElement('li');
    row.className = `list-group-item d-flex justify-content-between align-items-center hash-row ${burst ? 'hash-burst list-group-item-warning' : 'hash-primary'}`;
    row.dataset.origin = burst ? 'burst' : 'primary';
    row.dataset.testid = 'hash-row';
    const text = document.createElement('span');
    text.className = 'hash-text';
    text.textContent = hash;
    const origin = document.createElement('span');
    origin.className = 'hash-origin';
    origin.textContent = burst ? 'burst' : 'primary';
    row.append(text, origin);
    return row;
  };

  const recent = (origin, now) => {
    const times = arrivals[origin];
    while (times.length > 0 && times[0] < now - SHARE_WINDOW_MS) times.shift();
    return times.length;
  };
  /** Burst share of the hashes of the last 2 s, 0..1, or null when none came. */
  let streamShare = null;
  const showStreamTiles = () => {
    const now = performance.now();
    const primary = recent('primary', now);
    const burst = recent('burst', now);
    const seconds = SHARE_WINDOW_MS / 1000;
    streamShare = primary + burst > 0 ? burst / (primary + burst) : null;
    const share = streamShare === null ? '–' : `${Math.round(streamShare * 100)}%`;
    setText($('stat-primary'), (primary / seconds).toFixed(1));
    setText($('stat-burst'), (burst / seconds).toFixed(1));
    setText($('stat-burst-share'), share);
    setText($('watcher-share'), share);
    if (totals) {
      const seen = { primary: totals.primary + sinceStats.primary, burst: totals.burst + sinceStats.burst };
      setText($('stat-results-total'), (seen.primary + seen.burst).toLocaleString('en-US'));
      setText($('total-primary'), seen.primary.toLocaleString('en-US'));
      setText($('total-burst'), seen.burst.toLocaleString('en-US'));
    }
  };

  let renderTimer = null;
  let renderedAt = -Infinity;
  const render = () => {
    renderTimer = null;
    renderedAt = performance.now();
    const fresh = pending;
    pending = [];
    const fragment = document.createDocumentFragment();
    for (let i = fresh.length - 1; i >= 0; i--) fragment.append(hashRow(fresh[i]));
    hashList.prepend(fragment);
    while (hashList.childElementCount > MAX_ROWS) hashList.lastElementChild.remove();
    hashesEmpty.classList.toggle('d-none', hashList.childElementCount > 0);
    showStreamTiles();
  };
  socket.on('calculation', (hash) => {
    if (typeof hash !== 'string') return;
    const origin = isBurst(hash) ? 'burst' : 'primary';
    arrivals[origin].push(performance.now());
    sinceStats[origin]++;
    pending.push(hash);
    // Only the newest MAX_ROWS can ever be shown; a hidden tab (its timers slowed) keeps no more.
    if (pending.length > MAX_ROWS) pending = pending.slice(-MAX_ROWS);
    // A timer even for a draw due now: the hashes that came in the same turn are drawn together.
    if (renderTimer === null)
      renderTimer = setTimeout(render, Math.max(0, renderedAt + RENDER_EVERY_MS - performance.now()));
  });
  // When hashes stop coming, the stream's tiles fall back to nothing within the window.
  setInterval(showStreamTiles, 500);

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
  };

  const clock = (ms) =>
    new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
  const line = (label, color, extra) => ({
    label,
    data: [],
    borderColor: color,
    backgroundColor: color,
    yAxisID: 'rate',
    pointRadius: 0,
    borderWidth: 2,
    ...extra,
  });
  // Drawn in this order from the back: the share area, achieved, the thresholds, then the target on
  // top (a lower `order` is drawn later), dashed and darker, so it never hides under the achieved line.
  const chart = new Chart($('rate-chart'), {
    type: 'line',
    data: {
      datasets: [
        line('Achieved req/s', '#0d6efd', { order: 3 }),
        line('Target req/s', '#212529', { order: 0, borderDash: [6, 4], stepped: true }),
        line('Burst share %', '#fd7e14', {
          yAxisID: 'share',
          backgroundColor: 'rgba(253,126,20,0.15)',
          fill: true,
          stepped: true,
          order: 4,
        }),
        line('High threshold', '#dc3545', { borderWidth: 1.5, borderDash: [2, 3], order: 1, hidden: true }),
        line('Low threshold', '#198754', { borderWidth: 1.5, borderDash: [2, 3], order: 1, hidden: true }),
        line('Primary capacity', '#6f42c1', { borderWidth: 1.5, borderDash: [8, 3, 2, 3], order: 1, hidden: true }),
      ],
    },
    options: {
      animation: false,
      maintainAspectRatio: false,
      interaction: { mode: 'nearest', axis: 'x', intersect: false },
      scales: {
        x: {
          type: 'linear',
          ticks: { maxTicksLimit: 7, callback: (value) => clock(value) },
        },
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
      plugins: {
        // Lines in the legend drawn as lines, not boxes; a line not drawn is not in the legend.
        legend: {
          position: 'bottom',
          labels: {
            usePointStyle: true,
            pointStyle: 'line',
            filter: (item, data) => !data.datasets[item.datasetIndex].hidden,
          },
        },
        tooltip: { callbacks: { title: (items) => (items.length ? clock(items[0].parsed.x) : '') } },
      },
    },
  });
  const [achievedSet, targetSet, shareSet, highSet, lowSet, capacitySet] = chart.data.datasets;
  let thresholds = null;
  let latestAt = null;

  /** The window ends at the newest stats; the thresholds span it. */
  const slideChart = () => {
    if (latestAt === null) return;
    const start = latestAt - CHART_WINDOW_MS;
    for (const dataset of [achievedSet, targetSet, shareSet])
      while (dataset.data.length > 0 && dataset.data[0].x < start) dataset.data.shift();
    chart.options.scales.x.min = start;
    chart.options.scales.x.max = latestAt;
    const level = (dataset, value) => {
      dataset.hidden = value === null || value === undefined;
      dataset.data = dataset.hidden
        ? []
        : [
            { x: start, y: value },
            { x: latestAt, y: value },
          ];
    };
    level(highSet, thresholds && thresholds.highRps);
    level(lowSet, thresholds && thresholds.lowRps);
    level(capacitySet, thresholds && thresholds.primaryCapacityRps);
    if (thresholds) {
      highSet.label = `High threshold ${thresholds.highRps} req/s`;
      lowSet.label = `Low threshold ${thresholds.lowRps} req/s`;
      capacitySet.label = `Primary capacity ${thresholds.primaryCapacityRps} req/s`;
    }
    chart.update('none');
  };
  const addPoint = (stats) => {
    latestAt = stats.at;
    achievedSet.data.push({ x: stats.at, y: stats.achievedRate });
    targetSet.data.push({ x: stats.at, y: stats.targetRate });
    shareSet.data.push({ x: stats.at, y: stats.burstShare === null ? null : Math.round(stats.burstShare * 1000) / 10 });
  };
  const showStats = (stats) => {
    for (const [id, format] of Object.entries(statFields)) setText($(id), format(stats));
    // Colour only what deserves attention.
    $('stat-ok').classList.toggle('text-success', stats.okPerSecond > 0);
    $('stat-failed').classList.toggle('text-danger', stats.failedPerSecond > 0);
    $('stat-dropped').classList.toggle('text-danger', stats.droppedPerSecond > 0);
    for (const key of ['sent', 'ok', 'failed', 'dropped'])
      setText($(`total-${key}`), stats.totals[key].toLocaleString('en-US'));
    // Every hash before this event is in its totals (socket.io keeps the order of one socket's events).
    totals = { primary: stats.totals.primary, burst: stats.totals.burst };
    sinceStats.primary = 0;
    sinceStats.burst = 0;
    showStreamTiles();
  };
  socket.on('history', (history) => {
    for (const dataset of [achievedSet, targetSet, shareSet]) dataset.data = [];
    for (const stats of history) addPoint(stats);
    if (history.length > 0) showStats(history[history.length - 1]);
    slideChart();
  });
  socket.on('stats', (stats) => {
    showStats(stats);
    addPoint(stats);
    slideChart();
  });

  // --- the watcher: its phase and why, the weights beside the measured share, what it waits
  // for, its decisions. Only when the frontend relays it (WATCHER_STATUS_URL); else hidden.
  const PHASE_STYLES = { natural: 'text-bg-success', burst: 'text-bg-warning', unhealthy: 'text-bg-danger' };
  const weightsText = (w) => (w ? `${w.primary}/${w.burst}` : '–');
  const secondsLeft = (ms) => `${Math.ceil(ms / 1000)} s`;
  const showPhase = (element, text, style) => {
    setText(element, text);
    setClass(element, `badge phase-badge ${style}`);
  };
  const badge = (text, style) => {
    const element = document.createElement('span');
    element.className = `badge ${style}`;
    element.textContent = text;
    return element;
  };

  /** "3 of 4 samples / 12 s of dwell left" while a change is pending. */
  const pendingText = (p) => {
    if (!p) return 'No change pending.';
    const where =
      p.direction === 'up' ? `More to burst (${weightsText(p.to)})` : `Back to primary (${weightsText(p.to)})`;
    const parts = [`${p.samples} of ${p.samplesNeeded} samples`];
    if (p.dwellLeftMs > 0) parts.push(`${secondsLeft(p.dwellLeftMs)} of dwell left`);
    if (p.cooldownLeftMs) parts.push(`${secondsLeft(p.cooldownLeftMs)} of cool-down left`);
    if (p.nextStepInMs !== null && p.nextStepInMs !== undefined)
      parts.push(`next step in ${secondsLeft(p.nextStepInMs)}`);
    return `${where}: ${parts.join(' / ')}`;
  };

  const logRow = (change) => {
    const row = document.createElement('li');
    row.className = `watcher-change change-${change.by}`;
    row.dataset.testid = 'watcher-change';
    const when = document.createElement('time');
    when.dateTime = change.at;
    when.textContent = clock(Date.parse(change.at));
    const weights = document.createElement('strong');
    weights.textContent = `${change.from ? weightsText(change.from) : '?'} → ${weightsText(change.to)}`;
    const why = document.createElement('span');
    why.className = 'change-reason';
    const by = change.by === 'outside' ? ' (changed by hand)' : change.by === 'record' ? ' (read back at start)' : '';
    why.textContent = `${change.reason}${by}`;
    row.append(when, ' ', weights, ' ', why);
    if (change.kind === 'rollback') row.classList.add('text-danger');
    return row;
  };

  const healthText = (h) => {
    if (h.gate === 'off' && h.cooldownLeftMs === 0)
      return `off (nothing on burst); rolls back below ${h.minSuccessRate} success`;
    const parts = [h.gate === 'on' ? 'on' : 'off'];
    const r = h.reading;
    if (r && r.successRate !== null) parts.push(`success ${r.successRate.toFixed(3)} (at least ${h.minSuccessRate})`);
    if (r && r.requests !== null) parts.push(`${Math.round(r.requests)} requests`);
    if (r && r.error) parts.push(r.error);
    parts.push(`${h.failures} of ${h.failuresNeeded} failures`);
    if (h.cooldownLeftMs > 0) parts.push(`${secondsLeft(h.cooldownLeftMs)} of cool-down left`);
    return parts.join(' · ');
  };

  /** Text shown in at most two lines (class clamp-2); the whole of it on hover. */
  const setClamped = (element, text) => {
    setText(element, text);
    if (element.title !== text) element.title = text;
  };

  /** Shows `rows` in `list` unless it shows the same already: the watcher sends its whole log each second. */
  const replaceRows = (list, rows) => {
    const same = list.children.length === rows.length && rows.every((row, i) => row.isEqualNode(list.children[i]));
    if (!same) list.replaceChildren(...rows);
  };

  const watcherCols = [$('watcher-state-col'), $('watcher-details-col')];
  const navPhase = $('nav-phase');
  socket.on('watcher', (view) => {
    if (!view || typeof view !== 'object') return;
    // toggle(…, force), not add/remove: those rewrite the class attribute even when it holds already.
    for (const col of watcherCols) col.classList.toggle('d-none', false);
    navPhase.classList.toggle('d-none', false);
    const unavailable = $('watcher-unavailable');
    if (!view.available) {
      showPhase($('watcher-phase'), 'unavailable', 'text-bg-secondary');
      showPhase(navPhase, 'watcher unavailable', 'text-bg-secondary');
      setClamped(unavailable, `The watcher's status cannot be read: ${view.problem}.`);
      unavailable.classList.toggle('d-none', false);
      return;
    }
    unavailable.classList.toggle('d-none', true);
    const s = view.status;
    const standby = s.leadership.role === 'standby';
    const phase = s.phase || (standby ? 'standby' : 'unknown');
    showPhase($('watcher-phase'), phase, PHASE_STYLES[s.phase] || 'text-bg-secondary');
    showPhase(navPhase, phase, PHASE_STYLES[s.phase] || 'text-bg-secondary');
    setClamped(
      $('watcher-reason'),
      standby ? 'This watcher replica is a standby: the leader decides.' : s.reason || 'No decision yet.',
    );
    const orders = [];
    if (s.suspend) orders.push(badge('suspended by the operator', 'text-bg-dark'));
    if (s.pin) orders.push(badge(`pinned ${s.pin}`, 'text-bg-dark'));
    if (s.dryRun) orders.push(badge('dry run', 'text-bg-info'));
    replaceRows($('watcher-orders'), orders);
    const problem = $('watcher-problem');
    setClamped(problem, s.problem ? `The watcher could not act on the VirtualService: ${s.problem}` : '');
    problem.classList.toggle('d-none', !s.problem);
    setText($('watcher-weights'), weightsText(s.weights));
    const rate = s.rate;
    setClamped(
      $('watcher-rate'),
      rate.reading === 'value'
        ? `${rate.rps.toFixed(1)} req/s at ${clock(Date.parse(rate.at))}`
        : rate.reading === 'error'
          ? `failed: ${rate.error}`
          : rate.reading === 'no-data'
            ? 'no data (an empty answer)'
            : rate.reading === 'warming-up'
              ? 'warming up'
              : '–',
    );
    setClamped($('watcher-pending'), pendingText(s.pending));
    const changes = s.changes.slice(0, LOG_ROWS).map(logRow);
    replaceRows($('watcher-log'), changes);
    $('watcher-log-empty').classList.toggle('d-none', changes.length > 0);
    const t = s.thresholds;
    setText(
      $('watcher-thresholds'),
      `${s.mode}: burst above ${t.highRps} req/s, back below ${t.lowRps} req/s` +
        (t.primaryCapacityRps !== null
          ? `; primary keeps ${t.primaryCapacityRps} req/s, steps of ${t.weightStep}%`
          : ''),
    );
    setText($('watcher-health'), healthText(s.health));
    setText(
      $('watcher-leader'),
      `${s.leadership.role} ${s.leadership.identity}${s.leadership.token ? ` (term ${s.leadership.token})` : ''}`,
    );
    thresholds = t;
    slideChart();
  });
})();
