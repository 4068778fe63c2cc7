/** Limits of {@link EdgeRateLimiter}. */
export interface RateLimit {
  /** Sustained messages per second. */
  perSecond: number;
  /** Bucket size: messages allowed at once above the sustained rate. */
  burst: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * A token bucket per edge, shared by all its connections so opening more sockets buys nothing. Keys
 * are authenticated edge ids only, so the map is bounded by the edges table.
 */
export class EdgeRateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(private readonly limit: RateLimit) {}

  /** Takes one token for `edgeId`. @returns false when the edge is over its rate */
  take(edgeId: string, now: number): boolean {
    let bucket = this.buckets.get(edgeId);
    if (!bucket) {
      bucket = { tokens: this.limit.burst, at: now };
      this.buckets.set(edgeId, bucket);
    } else if (now > bucket.at) {
      bucket.tokens = Math.min(this.limit.burst, bucket.tokens + ((now - bucket.at) * this.limit.perSecond) / 1000);
      bucket.at = now;
    }
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }
}
