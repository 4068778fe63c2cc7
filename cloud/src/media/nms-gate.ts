import { createHash } from 'node:crypto';
import { MEDIA_APP } from './media-ipc.js';
import { verifyGrant, type PlayGrant, type PublishGrant } from './stream-signing.js';

/**
 * The media child's access decisions, kept free of node-media-server so they are unit-tested alone.
 * Edges publish over RTMP only, viewers play HTTP-FLV or WS-FLV only, each with a signed grant for that
 * exact stream path.
 */

/** What the gate needs to know about a connection that wants to publish or play. */
export interface GateRequest {
  /** node-media-server's protocol name: `rtmp` or `flv` (HTTP-FLV and WS-FLV). */
  readonly protocol: string;
  readonly streamPath: string;
  /** The URL query, as parsed by the server (values may be arrays or missing). */
  readonly query: Readonly<Record<string, unknown>>;
}

export type GateDecision<G> = { ok: true; grant: G } | { ok: false; reason: string };

const STREAM_PATH = new RegExp(`^/${MEDIA_APP}/[A-Za-z0-9_-]{1,64}$`);
/** The only HTTP and WebSocket request paths the media child serves: one FLV stream, any query. */
const PLAY_REQUEST = new RegExp(`^/${MEDIA_APP}/[A-Za-z0-9_-]{1,64}\\.flv(?:\\?[^#]*)?$`);

/** The stream key of a valid stream path, or undefined. */
export function streamKeyOf(streamPath: string): string | undefined {
  return STREAM_PATH.test(streamPath) ? streamPath.slice(MEDIA_APP.length + 2) : undefined;
}

/**
 * True for request URLs the child hands to node-media-server. Anything else is answered 404 before
 * the server sees it: node-media-server 4 crashes its process on a stream name with other characters.
 */
export function isPlayRequestPath(url: string | undefined): boolean {
  return url !== undefined && url.length <= 2048 && PLAY_REQUEST.test(url);
}

/**
 * An edge may publish a stream over RTMP with a valid publish grant for that stream, and only while
 * nobody else publishes it.
 */
export function decidePublish(
  key: Buffer,
  req: GateRequest & { readonly hasPublisher: boolean },
  nowMs: number,
): GateDecision<PublishGrant> {
  if (req.protocol !== 'rtmp') return { ok: false, reason: `publishing over ${req.protocol} is not allowed` };
  if (streamKeyOf(req.streamPath) === undefined) return { ok: false, reason: 'not a stream path' };
  if (req.hasPublisher) return { ok: false, reason: 'the stream already has a publisher' };
  const check = verifyGrant(key, req.streamPath, 'publish', req.query.sign, nowMs);
  return check.ok ? check : { ok: false, reason: `publish signature ${check.reason}` };
}

/** A viewer may play a stream over HTTP-FLV or WS-FLV with a valid play grant for that stream. */
export function decidePlay(key: Buffer, req: GateRequest, nowMs: number): GateDecision<PlayGrant> {
  // RTMP playback is refused: an RTMP session that sends media after a play command would have it
  // broadcast to the stream's viewers by node-media-server 4.
  if (req.protocol !== 'flv') return { ok: false, reason: `playing over ${req.protocol} is not allowed` };
  if (streamKeyOf(req.streamPath) === undefined) return { ok: false, reason: 'not a stream path' };
  const check = verifyGrant(key, req.streamPath, 'play', req.query.sign, nowMs);
  return check.ok ? check : { ok: false, reason: `play signature ${check.reason}` };
}

/**
 * node-media-server's built-in URL signature (`<exp>-md5(<path>-<exp>-<secret>)`), which the child
 * writes into a connection it admitted so the server's own check passes. The child turns the server's
 * check into the enforcement point of its own decision: a refused connection gets no valid native
 * signature, and the server then rejects it before registering a publisher or subscriber.
 */
export function nmsNativeSign(streamPath: string, secret: string, nowMs: number): string {
  const exp = Math.floor(nowMs / 1000) + 60;
  const hash = createHash('md5').update(`${streamPath}-${exp}-${secret}`).digest('hex');
  return `${exp}-${hash}`;
}
