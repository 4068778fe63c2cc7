import Type, { type Static } from 'typebox';
import { Detection, EpochMs, EventId, EventPhase, Id, Severity, CameraState } from './edge-messages.js';
import { ErrorBody } from './ack.js';

export const LoginRequest = Type.Object(
  {
    username: Type.String({ minLength: 1, maxLength: 64 }),
    password: Type.String({ minLength: 1, maxLength: 256 }),
  },
  { additionalProperties: false },
);
export type LoginRequest = Static<typeof LoginRequest>;

export const LoginResponse = Type.Object({ token: Type.String() }, { additionalProperties: false });
export type LoginResponse = Static<typeof LoginResponse>;

/** Every REST error reply. */
export const ErrorReply = Type.Object({ error: ErrorBody }, { additionalProperties: false });
export type ErrorReply = Static<typeof ErrorReply>;

/** An event as stored by the cloud and shown to viewers (REST list items and /viewer pushes). */
export const EventItem = Type.Object(
  {
    id: EventId,
    edgeId: Id,
    cameraId: Id,
    ruleId: Id,
    type: Id,
    severity: Severity,
    label: Type.String(),
    topScore: Type.Number(),
    phase: EventPhase,
    startedAt: EpochMs,
    updatedAt: EpochMs,
    endedAt: Type.Union([EpochMs, Type.Null()]),
    endReason: Type.Union([Type.String(), Type.Null()]),
    detections: Type.Array(Detection),
    /** Relative URL of the snapshot, null while none was announced. */
    snapshotUrl: Type.Union([Type.String(), Type.Null()]),
  },
  { additionalProperties: false },
);
export type EventItem = Static<typeof EventItem>;

export const EventListQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
    cursor: Type.Optional(Type.String({ maxLength: 200, description: 'nextCursor of the previous page' })),
    cameraId: Type.Optional(Id),
    type: Type.Optional(Id),
  },
  { additionalProperties: false },
);
export type EventListQuery = Static<typeof EventListQuery>;

export const EventListResponse = Type.Object(
  { items: Type.Array(EventItem), nextCursor: Type.Union([Type.String(), Type.Null()]) },
  { additionalProperties: false },
);
export type EventListResponse = Static<typeof EventListResponse>;

export const CameraItem = Type.Object(
  {
    id: Id,
    edgeId: Id,
    name: Type.String(),
    rules: Type.Array(Id),
    state: Type.Union([CameraState, Type.Literal('unknown')]),
    stateSince: Type.Union([EpochMs, Type.Null()]),
    lastSeenAt: Type.Union([EpochMs, Type.Null()]),
  },
  { additionalProperties: false },
);
export type CameraItem = Static<typeof CameraItem>;

export const CameraListResponse = Type.Object({ items: Type.Array(CameraItem) }, { additionalProperties: false });
export type CameraListResponse = Static<typeof CameraListResponse>;

/**
 * Evidence upload from an edge: `PUT {EVIDENCE_UPLOAD_PATH}/<sha256>` with headers
 * `authorization: Bearer <edge token>` and `x-edge-id: <edge id>`, body the raw file
 * (`content-type: image/jpeg` or `video/mp4`). The cloud hashes the body, refuses a mismatch with
 * EVIDENCE_MISMATCH, and stores each sha256 once (a repeat upload answers `stored: false`).
 */
export const EVIDENCE_UPLOAD_PATH = '/api/edge/evidence';

export const EvidenceUploadReply = Type.Object(
  { ok: Type.Literal(true), sha256: Type.String(), stored: Type.Boolean() },
  { additionalProperties: false },
);
export type EvidenceUploadReply = Static<typeof EvidenceUploadReply>;
