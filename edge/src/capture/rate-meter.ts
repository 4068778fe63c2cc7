/**
 * Events per second over a sliding time window (capture fps). Memory is bounded by the events of
 * one window; timestamps are passed in so the meter stays deterministic under test.
 */
export class RateMeter {
  private times: number[] = [];
  private head = 0;
  private firstAt: number | undefined;

  /** @param windowMs width of the window. Default 5000 ms. */
  constructor(readonly windowMs = 5_000) {
    if (!(windowMs > 0)) throw new RangeError(`windowMs must be positive, got ${windowMs}`);
  }

  /** Records one event at `now` (epoch ms). */
  mark(now: number): void {
    this.firstAt ??= now;
    this.times.push(now);
    this.evict(now);
  }

  /**
   * Events per second in the window ending at `now`. Before a full window has passed since the first
   * event, divides by the time elapsed (at least 1 s, so the second frame does not read as 100 fps).
   */
  rate(now: number): number {
    this.evict(now);
    const n = this.times.length - this.head;
    if (n === 0 || this.firstAt === undefined) return 0;
    const spanMs = Math.max(1_000, Math.min(this.windowMs, now - this.firstAt));
    return (n * 1000) / spanMs;
  }

  private evict(now: number): void {
    const cutoff = now - this.windowMs;
    while (this.head < this.times.length && (this.times[this.head] ?? Infinity) <= cutoff) this.head++;
    // Compact now and then instead of shift() per event, which would be O(n) each time.
    if (this.head > 256 && this.head * 2 > this.times.length) {
      this.times = this.times.slice(this.head);
      this.head = 0;
    }
  }
}
