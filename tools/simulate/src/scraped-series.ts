/**
 * What the watcher reads is not the traffic but Prometheus's idea of it: counters sampled at each
 * scrape, and `rate()` over a window of those samples, extrapolated to the window's edges. This
 * module is that arithmetic, as Prometheus 2.x computes it (promql/functions.go,
 * extrapolatedRate: the range is closed at both ends; a series needs two samples in it).
 */

/** One counter series (e.g. istio_requests_total for one destination cluster and response code). */
export class ScrapedSeries {
  private readonly times: Float64Array;
  private readonly values: Float64Array;
  /** Index of the oldest kept sample and how many are kept. */
  private head = 0;
  private count = 0;

  /** `keep`: samples a window can hold (window / scrape interval + 2 is enough). */
  constructor(keep: number) {
    this.times = new Float64Array(keep);
    this.values = new Float64Array(keep);
  }

  /**
   * A scrape at `t` (seconds) that found `value`. A series appears only once its counter exists
   * (after the first request): scrapes of a zero counter that never moved add nothing.
   */
  add(t: number, value: number): void {
    if (this.count === 0 && value === 0) return;
    const size = this.times.length;
    if (this.count === size) {
      this.head = (this.head + 1) % size;
      this.count--;
    }
    const at = (this.head + this.count) % size;
    this.times[at] = t;
    this.values[at] = value;
    this.count++;
    this.version++;
  }

  /**
   * `increase(series[window])` evaluated at `t`: the counter's growth over the samples in
   * [t - window, t], extrapolated as Prometheus does; undefined with fewer than two samples
   * (Prometheus then leaves the series out of the result). `rate` is this divided by the window.
   */
  increase(t: number, window: number): { value: number; newestAt: number } | undefined {
    const sel = this.select(t, window);
    if (sel.samples < 2) return undefined;
    const { firstT, lastT, firstV, result, samples } = sel;
    const start = t - window;
    let durationToStart = firstT - start;
    const durationToEnd = t - lastT;
    const sampled = lastT - firstT;
    const average = sampled / (samples - 1);
    if (result > 0 && firstV >= 0) {
      // A counter cannot go below zero: extrapolate no further back than where it would be 0.
      const durationToZero = sampled * (firstV / result);
      if (durationToZero < durationToStart) durationToStart = durationToZero;
    }
    const threshold = average * 1.1;
    let interval = sampled;
    interval += durationToStart < threshold ? durationToStart : average / 2;
    interval += durationToEnd < threshold ? durationToEnd : average / 2;
    return { value: result * (interval / sampled), newestAt: lastT };
  }

  /** Bumped by every add: a selection is valid for one version and while its first sample is in the window. */
  private version = 0;
  private readonly selection = {
    version: -1,
    window: 0,
    at: -Infinity,
    /** The first sample after `at` (Infinity: none yet): the selection ends when t reaches it. */
    nextT: Infinity,
    samples: 0,
    firstT: 0,
    lastT: 0,
    firstV: 0,
    result: 0,
  };

  /**
   * The samples in [t - window, t]: their count, the first and last, and the counter's growth
   * (resets counted as Prometheus does). Reads come in time order, so the selection is kept
   * until a sample is added, a later sample comes into the window or its first sample leaves it.
   */
  private select(t: number, window: number): typeof this.selection {
    const sel = this.selection;
    if (
      sel.version === this.version &&
      sel.window === window &&
      t >= sel.at &&
      t < sel.nextT &&
      (sel.samples === 0 || t - window <= sel.firstT)
    )
      return sel;
    const size = this.times.length;
    const start = t - window;
    let samples = 0;
    let resets = 0;
    let previous = 0;
    let firstT = 0;
    let firstV = 0;
    let lastT = 0;
    let lastV = 0;
    let nextT = Infinity;
    for (let i = 0; i < this.count; i++) {
      const at = (this.head + i) % size;
      const time = this.times[at] ?? 0;
      if (time > t && time < nextT) nextT = time;
      if (time < start || time > t) continue;
      const value = this.values[at] ?? 0;
      if (samples === 0) {
        firstT = time;
        firstV = value;
      } else if (value < previous) resets += previous;
      previous = value;
      lastT = time;
      lastV = value;
      samples++;
    }
    sel.version = this.version;
    sel.window = window;
    sel.at = t;
    sel.nextT = nextT;
    sel.samples = samples;
    sel.firstT = firstT;
    sel.lastT = lastT;
    sel.firstV = firstV;
    sel.result = lastV - firstV + resets;
    return sel;
  }
}

/** `sum(rate(...[window]))` over some series at `t`: undefined when no series answers (an empty vector). */
export function summedRate(
  series: readonly ScrapedSeries[],
  t: number,
  window: number,
): { rps: number; dataAt: number } | undefined {
  let rps = 0;
  let dataAt = -Infinity;
  let answered = false;
  for (const s of series) {
    const increase = s.increase(t, window);
    if (!increase) continue;
    answered = true;
    rps += increase.value / window;
    if (increase.newestAt > dataAt) dataAt = increase.newestAt;
  }
  return answered ? { rps, dataAt } : undefined;
}
