import type { ChildMessage } from './media-ipc.js';

/**
 * Something the media server reported, or its supervisor noticed. Stream events carry the stream key
 * (`/live/<streamKey>`) and the media server's session id.
 */
export type MediaEvent =
  | { type: 'ready'; rtmpPort: number; httpPort: number; nmsVersion: string; pid: number | undefined }
  /** The media server went away (crash, kill or failed start); `restartInMs` is null when stopping. */
  | { type: 'down'; reason: string; restartInMs: number | null }
  | Exclude<ChildMessage, { type: 'ready' } | { type: 'failed' }>;

/**
 * The cloud's one view of its media server: RTMP in from edges, HTTP-FLV / WS-FLV out to viewers, every
 * connection admitted only with a grant signed by `stream-signing.ts`. The implementation today is
 * node-media-server in a supervised child process (`MediaProcess`); a media cluster (ZLMediaKit, SRS)
 * would implement this same interface with its auth hooks calling the same verification.
 */
export interface MediaRelay {
  /** Starts the server; resolves once it accepts connections. */
  start(): Promise<void>;
  /** Stops it for good. */
  stop(): Promise<void>;
  /** Ports while the server is up, undefined while it is down or restarting. */
  readonly endpoint: { rtmpPort: number; httpPort: number } | undefined;
  /** Subscribes to every {@link MediaEvent}; returns the unsubscribe function. */
  onEvent(listener: (ev: MediaEvent) => void): () => void;
}
