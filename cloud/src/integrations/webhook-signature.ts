import { createHmac, timingSafeEqual } from 'node:crypto';

/** Headers of every webhook delivery. */
export const WEBHOOK_HEADERS = {
  /** What happened: event.new, event.update, event.end, camera.state, workflow.update. */
  event: 'x-mingliang-event',
  /** Id of the delivery (a UUID), the same on every attempt: receivers deduplicate on it. */
  delivery: 'x-mingliang-delivery',
  /** Unix time in seconds when this attempt was signed. */
  timestamp: 'x-mingliang-timestamp',
  /** `sha256=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`. */
  signature: 'x-mingliang-signature',
} as const;

/**
 * The signature header value of a delivery attempt. The timestamp is signed with the body, so a
 * receiver that also checks the timestamp is recent refuses a captured request replayed later.
 */
export function signWebhook(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`, 'utf8').digest('hex')}`;
}

/**
 * What a receiver does: recomputes the signature over the raw body as received and compares in
 * constant time; `toleranceSeconds` bounds the age of the timestamp (0: not checked).
 */
export function verifyWebhook(
  secret: string,
  headers: { timestamp: string | undefined; signature: string | undefined },
  body: string,
  nowSeconds = Math.floor(Date.now() / 1000),
  toleranceSeconds = 300,
): boolean {
  const { timestamp, signature } = headers;
  if (timestamp === undefined || signature === undefined || !/^\d{1,12}$/.test(timestamp)) return false;
  const ts = Number(timestamp);
  if (toleranceSeconds > 0 && Math.abs(nowSeconds - ts) > toleranceSeconds) return false;
  const expected = Buffer.from(signWebhook(secret, ts, body), 'utf8');
  const given = Buffer.from(signature, 'utf8');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
