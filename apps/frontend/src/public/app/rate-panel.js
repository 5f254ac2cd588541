// The rate panel: the one shared rate, the form that sets it, and who may (the control key).
import { $ } from './document.js';

const ERROR_SHOWN_MS = 6000;

/** Wires the panel to `socket`; `key` is the tab's control key (control-key.js). */
export function mountRatePanel(socket, key) {
  const form = $('frequency-form');
  const input = $('frequency-input');
  const errorBox = $('frequency-error');
  const currentRate = $('current-rate');
  let maxRate = 1000;
  let rateRule = 'Enter a rate from 0 to 1000 requests per second.';

  const reconnectWithKey = (value) => {
    key.store(value);
    socket.disconnect().connect();
  };

  socket.on('settings', (settings) => {
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
    const typed = $('control-key-input').value.trim();
    $('control-key-input').value = '';
    if (typed) reconnectWithKey(typed);
  });
  $('control-forget').addEventListener('click', () => reconnectWithKey(null));
  window.addEventListener('hashchange', () => {
    if (key.takeFromFragment()) reconnectWithKey(key.current());
  });

  let errorTimer;
  const showError = (message) => {
    errorBox.textContent = message;
    errorBox.classList.remove('d-none');
    clearTimeout(errorTimer);
    errorTimer = setTimeout(() => errorBox.classList.add('d-none'), ERROR_SHOWN_MS);
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
}
