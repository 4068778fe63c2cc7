import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Signed, expiring grants for the media server: the cloud signs, the media child verifies. A token is
 * `<payload>.<mac>`, both base64url, so it fits in a URL query without escaping. The MAC covers the
 * grant kind and the stream path besides the payload, so a play token cannot publish, and a token for
 * one camera's stream is worthless on another's.
 */

/** What a viewer may do with a token: play one stream, as one user, in one view. */
export interface PlayGrant {
  readonly kind: 'play';
  /** The user the URL was issued to (recorded with the view). */
  readonly userId: number;
  /** Random id of the live-view request, to tie the media server's sessions to the request. */
  readonly viewId: string;
  /** Unix time (ms) after which the token no longer opens a connection. */
  readonly expiresAt: number;
}

/** What an edge may do with a token: publish one stream, as one edge. */
export interface PublishGrant {
  readonly kind: 'publish';
  readonly edgeId: string;
  readonly expiresAt: number;
}

export type StreamGrant = PlayGrant | PublishGrant;

/** Why a token was refused. */
export type GrantRefusal = 'missing' | 'malformed' | 'bad-signature' | 'wrong-kind' | 'expired';

export type GrantCheck<G extends StreamGrant> = { ok: true; grant: G } | { ok: false; reason: GrantRefusal };

/** Shortest accepted signing key: HMAC-SHA256 wants 256 bits. */
export const MIN_SIGNING_KEY_BYTES = 32;

const CONTEXT = 'mingliang-media-v1';
const B64URL = /^[A-Za-z0-9_-]+$/;
/** Far longer than any real token; bounds the work done on garbage. */
const MAX_TOKEN_LENGTH = 1024;

/** A fresh random signing key. */
export function generateSigningKey(): Buffer {
  return randomBytes(MIN_SIGNING_KEY_BYTES);
}

function mac(key: Buffer, kind: StreamGrant['kind'], streamPath: string, payload: string): Buffer {
  // Newlines cannot occur in a stream path or a base64url payload, so the fields cannot be shifted.
  return createHmac('sha256', key).update(`${CONTEXT}\n${kind}\n${streamPath}\n${payload}`).digest();
}

function checkKey(key: Buffer): void {
  if (key.length < MIN_SIGNING_KEY_BYTES) throw new RangeError(`signing key must have at least ${MIN_SIGNING_KEY_BYTES} bytes`);
}

/**
 * Signs a grant for `streamPath` (`/live/<streamKey>`).
 * @returns the token, URL-safe as it is
 */
export function signGrant(key: Buffer, streamPath: string, grant: StreamGrant): string {
  checkKey(key);
  const body =
    grant.kind === 'play'
      ? { k: 'play', u: grant.userId, v: grant.viewId, x: grant.expiresAt }
      : { k: 'publish', e: grant.edgeId, x: grant.expiresAt };
  const payload = Buffer.from(JSON.stringify(body)).toString('base64url');
  return `${payload}.${mac(key, grant.kind, streamPath, payload).toString('base64url')}`;
}

/** Checks a token against the stream it is presented for, the kind of access and the clock. */
export function verifyGrant(key: Buffer, streamPath: string, kind: 'play', token: unknown, nowMs: number): GrantCheck<PlayGrant>;
export function verifyGrant(key: Buffer, streamPath: string, kind: 'publish', token: unknown, nowMs: number): GrantCheck<PublishGrant>;
export function verifyGrant(
  key: Buffer,
  streamPath: string,
  kind: StreamGrant['kind'],
  token: unknown,
  nowMs: number,
): GrantCheck<StreamGrant> {
  checkKey(key);
  if (typeof token !== 'string' || token === '') return { ok: false, reason: 'missing' };
  const dot = token.indexOf('.');
  if (token.length > MAX_TOKEN_LENGTH || dot <= 0) return { ok: false, reason: 'malformed' };
  const payload = token.slice(0, dot);
  const given = token.slice(dot + 1);
  if (!B64URL.test(payload) || !B64URL.test(given)) return { ok: false, reason: 'malformed' };
  const givenMac = Buffer.from(given, 'base64url');
  // The MAC of the claimed kind: a token of the other kind fails here (as a bad signature) before
  // anything in it is believed; its kind is only reported when the signature matches that kind.
  const expected = mac(key, kind, streamPath, payload);
  if (givenMac.length !== expected.length || !timingSafeEqual(givenMac, expected)) {
    const other = kind === 'play' ? 'publish' : 'play';
    const otherMac = mac(key, other, streamPath, payload);
    const isOther = givenMac.length === otherMac.length && timingSafeEqual(givenMac, otherMac);
    return { ok: false, reason: isOther ? 'wrong-kind' : 'bad-signature' };
  }
  const grant = parsePayload(payload);
  if (grant === undefined || grant.kind !== kind) return { ok: false, reason: 'malformed' };
  if (grant.expiresAt <= nowMs) return { ok: false, reason: 'expired' };
  return { ok: true, grant };
}

function parsePayload(payload: string): StreamGrant | undefined {
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    // Only reachable with a valid MAC, i.e. a token this code never signed: treat it as malformed.
    return undefined;
  }
  if (body === null || typeof body !== 'object') return undefined;
  const b = body as Record<string, unknown>;
  if (typeof b.x !== 'number' || !Number.isSafeInteger(b.x)) return undefined;
  if (b.k === 'play' && typeof b.u === 'number' && Number.isSafeInteger(b.u) && typeof b.v === 'string') {
    return { kind: 'play', userId: b.u, viewId: b.v, expiresAt: b.x };
  }
  if (b.k === 'publish' && typeof b.e === 'string' && b.e !== '') return { kind: 'publish', edgeId: b.e, expiresAt: b.x };
  return undefined;
}
