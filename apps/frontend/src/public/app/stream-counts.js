// What the stream's tiles count, apart from the document so it runs on any clock: the hashes of
// the last seconds by origin, and the totals since the frontend started.

/** `burst` when the hash carries the burst worker's prefix, else `primary`. */
export const hashOrigin = (hash, burstPrefix) =>
  burstPrefix !== '' && hash.startsWith(burstPrefix) ? 'burst' : 'primary';

/** Arrival times (ms, monotonic) of the recent hashes by origin, read over the last `windowMs`. */
export function createStreamWindow(windowMs) {
  const arrivals = { primary: [], burst: [] };
  const recent = (origin, now) => {
    const times = arrivals[origin];
    while (times.length > 0 && times[0] < now - windowMs) times.shift();
    return times.length;
  };
  return {
    add(origin, now) {
      arrivals[origin].push(now);
    },
    /** Hashes per second of each origin, and the burst share (0..1, null when none came). */
    read(now) {
      const primary = recent('primary', now);
      const burst = recent('burst', now);
      const seconds = windowMs / 1000;
      return {
        primaryPerSecond: primary / seconds,
        burstPerSecond: burst / seconds,
        burstShare: primary + burst > 0 ? burst / (primary + burst) : null,
      };
    },
  };
}

/**
 * Results seen since the frontend started: the server's totals at its last `stats`, plus the
 * hashes that came since. Every hash before a `stats` event is in its totals (socket.io keeps
 * the order of one socket's events).
 */
export function createResultTotals() {
  let totals = null;
  const since = { primary: 0, burst: 0 };
  return {
    counted(origin) {
      since[origin]++;
    },
    fromStats(statsTotals) {
      totals = { primary: statsTotals.primary, burst: statsTotals.burst };
      since.primary = 0;
      since.burst = 0;
    },
    /** By origin, or null before the first `stats`. */
    seen() {
      return totals && { primary: totals.primary + since.primary, burst: totals.burst + since.burst };
    },
  };
}
