// How the page writes numbers and times of day.

/** A number with `digits` decimals, or a dash when there is none. */
export const fixed = (value, digits) => (value === null || value === undefined ? '–' : Number(value).toFixed(digits));

/** The time of day of `ms` (epoch), 24-hour, to the second. */
export const clock = (ms) =>
  new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
