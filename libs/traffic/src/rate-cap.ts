/**
 * The hard ceiling: at most `maxPerSecond` sends in any 1000 ms, whatever the scheduler asks for
 * (rate changes, catching up after a stall, a bug). It remembers the last `maxPerSecond` send
 * times in a ring; a send is allowed only when the oldest of them is at least 1000 ms old, so any
 * window [t, t + 1000) holds at most `maxPerSecond` sends. Times are ms on a monotonic clock.
 */
export class RateCap {
  private readonly sends: Float64Array;
  private oldest = 0;

  constructor(maxPerSecond: number) {
    this.sends = new Float64Array(Math.max(1, Math.floor(maxPerSecond))).fill(-Infinity);
  }

  /** Sends allowed in any second. */
  get limit(): number {
    return this.sends.length;
  }

  /** Records a send at `now` and returns true, or returns false (and records nothing) when it would pass the cap. */
  tryTake(now: number): boolean {
    const oldest = this.sends[this.oldest] ?? -Infinity;
    if (now - oldest < 1000) return false;
    this.sends[this.oldest] = now;
    this.oldest = (this.oldest + 1) % this.sends.length;
    return true;
  }
}
