import Type, { type Static } from 'typebox';

/**
 * Messages between the cloud and its media child process (IPC over `child_process.fork`). The child is
 * our own code, but it runs a third-party server fed by the network, so the parent still checks every
 * message against {@link ChildMessage} before acting on it.
 */

/** The RTMP application every stream lives under: stream paths are `/${MEDIA_APP}/<streamKey>`. */
export const MEDIA_APP = 'live';

/** Stream path of a stream key, as the media server names it and as grants are signed for. */
export function streamPathOf(streamKey: string): string {
  return `/${MEDIA_APP}/${streamKey}`;
}

/** Parent → child: the first message; the child answers `ready` or `failed`. */
export interface StartMessage {
  type: 'start';
  /** Address both listeners bind to. */
  host: string;
  rtmpPort: number;
  httpPort: number;
  /** Grant signing key, base64. Sent over IPC so it never shows in `ps` or the environment. */
  signingKey: string;
  /** Directory for node-media-server's own small JSON store (stream history); created if missing. */
  storeDir: string;
  /** node-media-server's own console log level. */
  nmsLogLevel: 'trace' | 'debug' | 'info' | 'warn' | 'error';
}

/** Parent → child: exit now (the parent also has a signal fallback). */
export interface StopMessage {
  type: 'stop';
}

export type ParentMessage = StartMessage | StopMessage;

const Str = Type.String({ maxLength: 512 });
const Count = Type.Integer({ minimum: 0 });
const Port = Type.Integer({ minimum: 1, maximum: 65535 });

export const ChildMessage = Type.Union([
  Type.Object({ type: Type.Literal('ready'), nmsVersion: Str, rtmpPort: Port, httpPort: Port }),
  Type.Object({ type: Type.Literal('failed'), message: Type.String({ maxLength: 4096 }) }),
  /** An edge started publishing a stream (its signature was valid). */
  Type.Object({ type: Type.Literal('publish'), sessionId: Str, streamKey: Str, edgeId: Str, ip: Str }),
  Type.Object({ type: Type.Literal('publish-done'), sessionId: Str, streamKey: Str, bytesIn: Count }),
  /** A viewer started playing (its signature was valid). */
  Type.Object({
    type: Type.Literal('play'),
    sessionId: Str,
    streamKey: Str,
    userId: Type.Integer(),
    viewId: Str,
    protocol: Type.Union([Type.Literal('http-flv'), Type.Literal('ws-flv')]),
    ip: Str,
  }),
  Type.Object({ type: Type.Literal('play-done'), sessionId: Str, streamKey: Str, bytesOut: Count }),
  /** A connection the child turned away: bad or missing signature, wrong protocol, unknown path. */
  Type.Object({
    type: Type.Literal('refused'),
    action: Type.Union([Type.Literal('play'), Type.Literal('publish'), Type.Literal('request')]),
    streamPath: Str,
    reason: Str,
    ip: Str,
  }),
]);
export type ChildMessage = Static<typeof ChildMessage>;
