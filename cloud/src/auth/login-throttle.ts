/** Limits of the login throttle. */
export interface LoginThrottleOptions {
  maxFailures: number;
  windowMs: number;
  /** Upper bound of tracked keys, so a flood of random usernames cannot grow memory without end. */
  maxKeys: number;
}

interface Attempts {
  failures: number;
  firstAt: number;
}

/**
 * Counts failed logins per (client address, username) in a fixed window; past the limit further
 * attempts are refused without checking the password, which makes online guessing slow.
 */
export class LoginThrottle {
  private readonly attempts = new Map<string, Attempts>();

  constructor(private readonly opts: LoginThrottleOptions = { maxFailures: 10, windowMs: 15 * 60_000, maxKeys: 10_000 }) {}

  /** @returns milliseconds until the key may try again, or 0 when it may try now */
  retryAfterMs(key: string, now: number): number {
    const a = this.attempts.get(key);
    if (!a) return 0;
    if (now - a.firstAt >= this.opts.windowMs) {
      this.attempts.delete(key);
      return 0;
    }
    return a.failures >= this.opts.maxFailures ? a.firstAt + this.opts.windowMs - now : 0;
  }

  recordFailure(key: string, now: number): void {
    const a = this.attempts.get(key);
    if (a && now - a.firstAt < this.opts.windowMs) {
      a.failures += 1;
      return;
    }
    if (this.attempts.size >= this.opts.maxKeys) this.prune(now);
    this.attempts.set(key, { failures: 1, firstAt: now });
  }

  recordSuccess(key: string): void {
    this.attempts.delete(key);
  }

  private prune(now: number): void {
    for (const [key, a] of this.attempts) if (now - a.firstAt >= this.opts.windowMs) this.attempts.delete(key);
    // Still full of live windows: drop the oldest (Map keeps insertion order).
    while (this.attempts.size >= this.opts.maxKeys) {
      const oldest = this.attempts.keys().next();
      if (oldest.done) break;
      this.attempts.delete(oldest.value);
    }
  }
}
