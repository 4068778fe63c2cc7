import Type, { type Static } from 'typebox';
import { ErrorBody } from './ack.js';
import { EpochMs, EventId, Id, Sha256 } from './edge-messages.js';

/**
 * Recording playback and evidence export: the cloud → edge commands that list and fetch a camera's
 * recorded segments, and the REST shapes the viewer uses to ask for a time range and for an export.
 * Every time is epoch ms; every range is half-open [from, to).
 */

/** Id of a recording request or an export: a random UUID, lower case. */
export const ArchiveId = Type.String({ pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$', description: 'UUID, lower case' });

/** A period of a requested range without recording (camera down, edge off, pruned, not recorded in `events` mode). */
export const RecordingGap = Type.Object(
  { from: EpochMs, to: EpochMs },
  { additionalProperties: false, description: 'a period without recording, [from, to)' },
);
export type RecordingGap = Static<typeof RecordingGap>;

/** One recorded segment as the edge reports it (no paths: those are the edge's business). */
export const RecordingSegment = Type.Object(
  { startAt: EpochMs, endAt: EpochMs, bytes: Type.Integer({ minimum: 0 }) },
  { additionalProperties: false },
);
export type RecordingSegment = Static<typeof RecordingSegment>;

/** Cloud → edge `recording:list`: which segments of this camera overlap [from, to), and the gaps. */
export const RecordingListCommand = Type.Object({ cameraId: Id, from: EpochMs, to: EpochMs }, { additionalProperties: false });
export type RecordingListCommand = Static<typeof RecordingListCommand>;

/** What an edge has recorded of a camera in a range (the answer to `recording:list`, and the REST listing). */
export const RecordingListing = Type.Object(
  {
    cameraId: Id,
    from: EpochMs,
    to: EpochMs,
    /** Segments overlapping the range, oldest first; at most `RECORDING_LIST_MAX_SEGMENTS` (then `truncated`). */
    segments: Type.Array(RecordingSegment),
    truncated: Type.Boolean(),
    gaps: Type.Array(RecordingGap),
    /** The camera's recording mode on its edge. */
    mode: Type.Union([Type.Literal('continuous'), Type.Literal('events'), Type.Literal('off')]),
    /** Oldest and newest recorded moment of the camera (the whole store, not only the range). */
    oldestAt: Type.Union([EpochMs, Type.Null()]),
    newestAt: Type.Union([EpochMs, Type.Null()]),
  },
  { additionalProperties: false },
);
export type RecordingListing = Static<typeof RecordingListing>;

/** Longest segment list one `recording:list` answer carries (2 s segments: over an hour). */
export const RECORDING_LIST_MAX_SEGMENTS = 2000;

/**
 * Cloud → edge `recording:fetch`: join the segments overlapping [from, to) into one MP4 (stream copy,
 * faststart) and upload it with `PUT {RECORDING_UPLOAD_PATH}/:requestId/:sha256`, then answer.
 */
export const RecordingFetchCommand = Type.Object(
  { requestId: ArchiveId, cameraId: Id, from: EpochMs, to: EpochMs },
  { additionalProperties: false },
);
export type RecordingFetchCommand = Static<typeof RecordingFetchCommand>;

/** What the edge delivered for a `recording:fetch`. */
export const RecordingFetchResult = Type.Object(
  {
    sha256: Sha256,
    size: Type.Integer({ minimum: 1 }),
    /** Wall-clock time of the file's first frame: the keyframe at or before `from` (or the first recorded moment). */
    startAt: EpochMs,
    /** Wall-clock end of the footage in the file. */
    endAt: EpochMs,
    segments: Type.Integer({ minimum: 1 }),
    /** Parts of the requested range without footage; the file plays the recorded parts back to back. */
    gaps: Type.Array(RecordingGap),
  },
  { additionalProperties: false },
);
export type RecordingFetchResult = Static<typeof RecordingFetchResult>;

const failure = Type.Object({ ok: Type.Literal(false), error: ErrorBody }, { additionalProperties: false });

/** The edge's answer to `recording:list`. */
export const RecordingListAck = Type.Union([Type.Object({ ok: Type.Literal(true), result: RecordingListing }, { additionalProperties: false }), failure]);
export type RecordingListAck = Static<typeof RecordingListAck>;

/**
 * The edge's answer to `recording:fetch`, sent once the upload is done. A failure may still carry the
 * gaps (e.g. NOT_FOUND: nothing recorded in the whole range).
 */
export const RecordingFetchAck = Type.Union([
  Type.Object({ ok: Type.Literal(true), result: RecordingFetchResult }, { additionalProperties: false }),
  Type.Object({ ok: Type.Literal(false), error: ErrorBody, gaps: Type.Optional(Type.Array(RecordingGap)) }, { additionalProperties: false }),
]);
export type RecordingFetchAck = Static<typeof RecordingFetchAck>;

/** Edge → cloud upload of a fetched recording (edge credentials, `content-type: video/mp4`). */
export const RECORDING_UPLOAD_PATH = '/api/edge/recordings';

// ---------------------------------------------------------------------------------------------
// REST (viewer)

export const CameraIdParams = Type.Object({ id: Id }, { additionalProperties: false });
export type CameraIdParams = Static<typeof CameraIdParams>;

export const ArchiveIdParams = Type.Object({ id: ArchiveId }, { additionalProperties: false });
export type ArchiveIdParams = Static<typeof ArchiveIdParams>;

/** `GET /api/cameras/:id/recordings?from&to` (permission `footage.review`): what the camera's edge has. */
export const RecordingListQuery = Type.Object({ from: EpochMs, to: EpochMs }, { additionalProperties: false });
export type RecordingListQuery = Static<typeof RecordingListQuery>;

/** `POST /api/cameras/:id/recordings/requests` (permission `footage.review`): fetch [from, to) from the edge. */
export const RecordingRequestBody = Type.Object({ from: EpochMs, to: EpochMs }, { additionalProperties: false });
export type RecordingRequestBody = Static<typeof RecordingRequestBody>;

export const RecordingRequestState = Type.Union([Type.Literal('pending'), Type.Literal('ready'), Type.Literal('failed'), Type.Literal('expired')]);
export type RecordingRequestState = Static<typeof RecordingRequestState>;

/** `GET /api/recordings/requests/:id`: a recording request and, once ready, where to play it. */
export const RecordingRequestItem = Type.Object(
  {
    id: ArchiveId,
    cameraId: Id,
    from: EpochMs,
    to: EpochMs,
    state: RecordingRequestState,
    /** 0..1: the upload from the edge, as far as it has come. */
    progress: Type.Number({ minimum: 0, maximum: 1 }),
    gaps: Type.Array(RecordingGap),
    /** Once ready: the file's wall-clock span, size and SHA-256. */
    startAt: Type.Union([EpochMs, Type.Null()]),
    endAt: Type.Union([EpochMs, Type.Null()]),
    size: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()]),
    sha256: Type.Union([Sha256, Type.Null()]),
    /** Once ready: `GET` it with the bearer token (HTTP Range supported, so a <video> can seek). */
    url: Type.Union([Type.String(), Type.Null()]),
    error: Type.Union([Type.String(), Type.Null()]),
    createdAt: EpochMs,
    expiresAt: EpochMs,
  },
  { additionalProperties: false },
);
export type RecordingRequestItem = Static<typeof RecordingRequestItem>;

/** `POST /api/exports` (permission `evidence.export`): a zip of events' evidence and/or a camera's time range. */
export const ExportRequestBody = Type.Object(
  {
    eventIds: Type.Optional(Type.Array(EventId, { minItems: 1, maxItems: 1000, uniqueItems: true })),
    cameraId: Type.Optional(Id),
    from: Type.Optional(EpochMs),
    to: Type.Optional(EpochMs),
  },
  { additionalProperties: false, description: 'eventIds, or cameraId with from and to, or both' },
);
export type ExportRequestBody = Static<typeof ExportRequestBody>;

export const ExportState = Type.Union([Type.Literal('building'), Type.Literal('ready'), Type.Literal('failed'), Type.Literal('expired')]);
export type ExportState = Static<typeof ExportState>;

/** `GET /api/exports/:id`: progress of an export and, once ready, its download URL. */
export const ExportItem = Type.Object(
  {
    id: ArchiveId,
    state: ExportState,
    /** 0..1 */
    progress: Type.Number({ minimum: 0, maximum: 1 }),
    filesDone: Type.Integer({ minimum: 0 }),
    filesTotal: Type.Integer({ minimum: 0 }),
    /** Bytes written into the zip so far (the zip's size once ready). */
    bytes: Type.Integer({ minimum: 0 }),
    eventIds: Type.Array(EventId),
    cameraId: Type.Union([Id, Type.Null()]),
    from: Type.Union([EpochMs, Type.Null()]),
    to: Type.Union([EpochMs, Type.Null()]),
    sha256: Type.Union([Sha256, Type.Null()]),
    url: Type.Union([Type.String(), Type.Null()]),
    error: Type.Union([Type.String(), Type.Null()]),
    createdAt: EpochMs,
    expiresAt: EpochMs,
  },
  { additionalProperties: false },
);
export type ExportItem = Static<typeof ExportItem>;

/** One file of an export, as `manifest.json` lists it (`SHA256SUMS` has the same in sha256sum format). */
export const ExportManifestFile = Type.Object(
  { path: Type.String({ minLength: 1 }), size: Type.Integer({ minimum: 0 }), sha256: Sha256 },
  { additionalProperties: false },
);
export type ExportManifestFile = Static<typeof ExportManifestFile>;

/** `manifest.json` at the root of every export zip. */
export const ExportManifest = Type.Object(
  {
    format: Type.Literal('mingliang-export/1'),
    exportId: ArchiveId,
    createdAt: EpochMs,
    createdBy: Type.String(),
    eventIds: Type.Array(EventId),
    range: Type.Union([Type.Object({ cameraId: Id, from: EpochMs, to: EpochMs, gaps: Type.Array(RecordingGap) }, { additionalProperties: false }), Type.Null()]),
    /** Every file in the zip except manifest.json and SHA256SUMS themselves. */
    files: Type.Array(ExportManifestFile),
    /** Evidence the cloud did not have (not uploaded yet, or dropped by the edge's quota). */
    missing: Type.Array(Type.Object({ path: Type.String(), reason: Type.String() }, { additionalProperties: false })),
  },
  { additionalProperties: false },
);
export type ExportManifest = Static<typeof ExportManifest>;
