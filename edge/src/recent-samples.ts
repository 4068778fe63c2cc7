/** Percentiles over the last N samples (inference times), kept in a fixed ring. */
export class RecentSamples {
  private readonly ring: Float64Array;
  private count = 0;
  private next = 0;

  constructor(size = 200) {
    this.ring = new Float64Array(size);
  }

  add(v: number): void {
    this.ring[this.next] = v;
    this.next = (this.next + 1) % this.ring.length;
    this.count = Math.min(this.count + 1, this.ring.length);
  }

  /** Nearest-rank percentile, undefined before the first sample. */
  percentile(p: number): number | undefined {
    if (this.count === 0) return undefined;
    const sorted = Array.from(this.ring.subarray(0, this.count)).sort((a, b) => a - b);
    const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
    return Math.round((sorted[idx] ?? 0) * 10) / 10;
  }
}
