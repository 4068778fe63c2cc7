/** Restart pacing of a failing source. */
export interface BackoffOptions {
  /** Delay before the first restart after a failure. */
  readonly initialMs: number;
  /** Upper bound of any delay. */
  readonly maxMs: number;
  /** Growth per consecutive failure. */
  readonly factor: number;
  /**
   * Relative spread (0..1): the delay varies by ± this fraction, so the cameras behind one failed
   * switch do not all reconnect in the same instant.
   */
  readonly jitter: number;
  /** Streaming this long without a failure forgets earlier failures. */
  readonly resetAfterMs: number;
}

/** Defaults: 1 s, 2 s, 4 s … up to 30 s, ±20 %; forgiven after 30 s of healthy streaming. */
export const BACKOFF_DEFAULTS: BackoffOptions = {
  initialMs: 1_000,
  maxMs: 30_000,
  factor: 2,
  jitter: 0.2,
  resetAfterMs: 30_000,
};

/**
 * Delay before restart number `failures` (1 for the first failure in a row).
 * @param random a source of [0, 1) values; injectable for tests
 */
export function backoffDelay(failures: number, opts: BackoffOptions, random: () => number = Math.random): number {
  const base = Math.min(opts.maxMs, opts.initialMs * opts.factor ** Math.max(0, failures - 1));
  const jittered = base * (1 + opts.jitter * (2 * random() - 1));
  return Math.round(Math.min(opts.maxMs, Math.max(0, jittered)));
}
