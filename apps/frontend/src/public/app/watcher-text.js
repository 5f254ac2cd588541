// The watcher's status in the page's words: pure, so each wording is tested in one place.
import { clock } from './figures.js';

const PHASE_STYLES = { natural: 'text-bg-success', burst: 'text-bg-warning', unhealthy: 'text-bg-danger' };

export const weightsText = (w) => (w ? `${w.primary}/${w.burst}` : '–');

const secondsLeft = (ms) => `${Math.ceil(ms / 1000)} s`;

/** The phase badge: its text and its colour. */
export const phaseBadge = (status) => {
  const standby = status.leadership.role === 'standby';
  return {
    text: status.phase || (standby ? 'standby' : 'unknown'),
    style: PHASE_STYLES[status.phase] || 'text-bg-secondary',
  };
};

export const reasonText = (status) =>
  status.leadership.role === 'standby'
    ? 'This watcher replica is a standby: the leader decides.'
    : status.reason || 'No decision yet.';

/** What the watcher last read of the rate sent to the worker. */
export const rateText = (rate) => {
  switch (rate.reading) {
    case 'value':
      return `${rate.rps.toFixed(1)} req/s at ${clock(Date.parse(rate.at))}`;
    case 'error':
      return `failed: ${rate.error}`;
    // An empty answer: nothing measured, mostly because nothing was sent yet; no fault.
    case 'no-data':
      return 'no traffic measured yet';
    case 'warming-up':
      return 'warming up';
    default:
      return '–';
  }
};

/** "3 of 4 samples / 12 s of dwell left" (or "/ warming the burst side: 3 of 4 pods ready") while a change is pending. */
export const pendingText = (p) => {
  if (!p) return 'No change pending.';
  const where =
    p.direction === 'up' ? `More to burst (${weightsText(p.to)})` : `Back to primary (${weightsText(p.to)})`;
  const parts = [`${p.samples} of ${p.samplesNeeded} samples`];
  if (p.dwellLeftMs > 0) parts.push(`${secondsLeft(p.dwellLeftMs)} of dwell left`);
  if (p.cooldownLeftMs) parts.push(`${secondsLeft(p.cooldownLeftMs)} of cool-down left`);
  if (p.nextStepInMs !== null && p.nextStepInMs !== undefined)
    parts.push(`next step in ${secondsLeft(p.nextStepInMs)}`);
  // The ready gate: the policy's reason says it in the same words.
  if (p.warming)
    parts.push(
      `warming the burst side: ${p.warming.readyPods} of ${p.warming.neededPods} ${p.warming.neededPods === 1 ? 'pod' : 'pods'} ready`,
    );
  return `${where}: ${parts.join(' / ')}`;
};

export const healthText = (h) => {
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

export const thresholdsText = (status) => {
  const t = status.thresholds;
  return (
    `${status.mode}: burst above ${t.highRps} req/s, back below ${t.lowRps} req/s` +
    (t.primaryCapacityRps !== null ? `; primary keeps ${t.primaryCapacityRps} req/s, steps of ${t.weightStep}%` : '')
  );
};

export const leaderText = (l) => `${l.role} ${l.identity}${l.token ? ` (term ${l.token})` : ''}`;

/** One change in the decision log: its weights and why. */
export const changeTexts = (change) => {
  const by = change.by === 'outside' ? ' (changed by hand)' : change.by === 'record' ? ' (read back at start)' : '';
  return {
    weights: `${change.from ? weightsText(change.from) : '?'} → ${weightsText(change.to)}`,
    reason: `${change.reason}${by}`,
  };
};
