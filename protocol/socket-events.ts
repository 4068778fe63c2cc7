import Type, { type Static } from 'typebox';
import type { Ack } from './ack.js';
import type { CameraSnapshotAck, CameraSnapshotCommand, RulesApplyAck, RulesApplyCommand, RulesReport } from './camera-rules.js';
import type { RecordingFetchAck, RecordingFetchCommand, RecordingListAck, RecordingListCommand } from './archive.js';
import { EpochMs, Id, type EdgeHello, type EventMessage, type Heartbeat } from './edge-messages.js';
import type { CameraItem, EventItem } from './rest.js';
import type { NoticeItem, WorkflowUpdate } from './workflow.js';

/** socket.io namespace the edges connect to, with `auth: EdgeAuth`. */
export const EDGE_NAMESPACE = '/edge';
/** socket.io namespace browsers connect to, with `auth: ViewerAuth`. */
export const VIEWER_NAMESPACE = '/viewer';

export interface EdgeAuth {
  edgeId: string;
  token: string;
}
export interface ViewerAuth {
  token: string;
}

/**
 * Edge → cloud. Payloads arrive as `unknown` on the cloud and are checked against the schema of the same
 * name before use; every message is answered with an {@link Ack}.
 */
export interface EdgeToCloudEvents {
  hello: (msg: EdgeHello, ack: (res: Ack) => void) => void;
  heartbeat: (msg: Heartbeat, ack: (res: Ack) => void) => void;
  event: (msg: EventMessage, ack: (res: Ack) => void) => void;
  /** After each accepted hello: the rules each camera runs (see camera-rules.ts). */
  'rules:report': (msg: RulesReport, ack: (res: Ack) => void) => void;
}
/** Stream keys of the media server: one path segment, as node-media-server and RTMP URLs allow. */
export const StreamKey = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' });

/**
 * Cloud → edge `relay:start`: push this camera to the media server until `relay:stop`. The edge pushes
 * to `${rtmpUrl}?sign=${sign}` (the sign is opaque to the edge and expires at `signExpiresAt`; the cloud
 * sends a fresh command when it needs a new push later). Answered once the push is running (video is
 * flowing to the media server) or has failed; repeating the command for a running push is harmless.
 */
export const RelayStartCommand = Type.Object(
  {
    cameraId: Id,
    streamKey: StreamKey,
    /** `rtmp://host:port/app/<streamKey>`, without query. */
    rtmpUrl: Type.String({ pattern: '^rtmps?://', maxLength: 512 }),
    sign: Type.String({ minLength: 1, maxLength: 1024, pattern: '^[A-Za-z0-9_.-]+$' }),
    signExpiresAt: EpochMs,
  },
  { additionalProperties: false },
);
export type RelayStartCommand = Static<typeof RelayStartCommand>;

/** Cloud → edge `relay:stop`: stop pushing this camera (nobody watches any more). Idempotent. */
export const RelayStopCommand = Type.Object({ cameraId: Id, streamKey: StreamKey }, { additionalProperties: false });
export type RelayStopCommand = Static<typeof RelayStopCommand>;

/** Cloud → edge commands; the edge checks each against its schema and answers an {@link Ack}. */
export interface CloudToEdgeEvents {
  'relay:start': (cmd: RelayStartCommand, ack: (res: Ack) => void) => void;
  'relay:stop': (cmd: RelayStopCommand, ack: (res: Ack) => void) => void;
  /** Replace the camera's rules with a cloud revision (see camera-rules.ts). */
  'rules:apply': (cmd: RulesApplyCommand, ack: (res: RulesApplyAck) => void) => void;
  /** A current JPEG of the camera, to draw zones on. */
  'camera:snapshot': (cmd: CameraSnapshotCommand, ack: (res: CameraSnapshotAck) => void) => void;
  /** What the edge has recorded of a camera in a range (see protocol/archive.ts). */
  'recording:list': (cmd: RecordingListCommand, ack: (res: RecordingListAck) => void) => void;
  /** Join a camera's range into an MP4, upload it, then answer (see protocol/archive.ts). */
  'recording:fetch': (cmd: RecordingFetchCommand, ack: (res: RecordingFetchAck) => void) => void;
}

/**
 * Cloud → viewer, each only to viewers whose scope covers it (the camera's site; notices to their org,
 * site or user). The connection ends when its access token expires: reconnect with a fresh token.
 */
export interface CloudToViewerEvents {
  event: (item: EventItem) => void;
  camera: (item: CameraItem) => void;
  workflow: (update: WorkflowUpdate) => void;
  notice: (notice: NoticeItem) => void;
}
export type ViewerToCloudEvents = Record<string, never>;
