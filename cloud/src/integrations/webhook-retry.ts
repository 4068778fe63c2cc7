/** How the retry schedule grows. */
export interface BackoffSettings {
  backoffBaseMs: number;
  backoffMaxMs: number;
}

/**
 * Delay before attempt `attempt + 1`, after `attempt` failed ones (1, 2, …): base · 2^(attempt−1),
 * capped at max, then "equal jitter" — half of it fixed, half random — so receivers that fail
 * together are not hit by every sender again at the same instant, and no retry comes sooner than
 * half the schedule. `random` returns [0, 1).
 */
export function retryDelayMs(attempt: number, settings: BackoffSettings, random: () => number = Math.random): number {
  const exponent = Math.max(0, Math.min(attempt - 1, 52));
  const capped = Math.min(settings.backoffMaxMs, settings.backoffBaseMs * 2 ** exponent);
  const half = capped / 2;
  return Math.round(half + random() * half);
}

/** What one attempt came to. */
export type AttemptVerdict = 'delivered' | 'retry' | 'refused';

/**
 * 2xx is delivered. Network errors and timeouts (status undefined), 408, 429 and 5xx are worth
 * retrying: the receiver may be back later. Any other answer (4xx, a redirect) is a refusal a
 * retry would only repeat.
 */
export function attemptVerdict(status: number | undefined): AttemptVerdict {
  if (status === undefined) return 'retry';
  if (status >= 200 && status < 300) return 'delivered';
  if (status === 408 || status === 429 || status >= 500) return 'retry';
  return 'refused';
}
