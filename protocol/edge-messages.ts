import Type, { type Static } from 'typebox';

/** Identifiers of edges, cameras and rules: short, URL- and log-safe. */
export const Id = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]*$' });
export const EpochMs = Type.Integer({ minimum: 0, description: 'Unix time in milliseconds' });
/** UUIDv7: time-ordered, made on the edge so the edge can retry without creating duplicates. */
export const EventId = Type.String({
  pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$',
  description: 'UUIDv7, lower case',
});
export const Sha256 = Type.String({ pattern: '^[0-9a-f]{64}$' });
const Unit = Type.Number({ minimum: 0, maximum: 1 });

/** A box in normalised image coordinates (0..1), top-left origin. */
export const Box = Type.Object({ x: Unit, y: Unit, w: Unit, h: Unit }, { additionalProperties: false });
export type Box = Static<typeof Box>;

export const Detection = Type.Object(
  {
    label: Type.String({ minLength: 1, maxLength: 64 }),
    score: Unit,
    box: Box,
    trackId: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  { additionalProperties: false },
);
export type Detection = Static<typeof Detection>;

export const CameraState = Type.Union([
  Type.Literal('connecting'),
  Type.Literal('streaming'),
  Type.Literal('stalled'),
  Type.Literal('offline'),
]);
export type CameraState = Static<typeof CameraState>;

export const CameraInfo = Type.Object(
  {
    id: Id,
    name: Type.String({ minLength: 1, maxLength: 128 }),
    /** Rule types configured on this camera, so the cloud knows what analysis runs there. */
    rules: Type.Array(Id, { maxItems: 64 }),
  },
  { additionalProperties: false },
);
export type CameraInfo = Static<typeof CameraInfo>;

/** First message of an edge after it connects: who it is and which cameras it serves. */
export const EdgeHello = Type.Object(
  {
    edgeId: Id,
    version: Type.String({ minLength: 1, maxLength: 32 }),
    cameras: Type.Array(CameraInfo, { maxItems: 256 }),
    /**
     * The edge's heartbeat period. The cloud marks the edge's cameras offline after a few periods
     * without a heartbeat; without this it assumes its configured `health.heartbeatIntervalMs`.
     */
    heartbeatIntervalMs: Type.Optional(Type.Integer({ minimum: 100, maximum: 600_000 })),
  },
  { additionalProperties: false },
);
export type EdgeHello = Static<typeof EdgeHello>;

/**
 * Video quality diagnosis (视频质量诊断) of one camera, judged on the edge from the decoded picture:
 * `black` (very dark and flat: no signal, lens cap), `frozen` (the picture stopped changing while frames
 * still arrive), `blurred` (out of focus, dirty or fogged lens), `covered` (a nearly uniform picture of
 * normal brightness: lens covered or turned to a wall), `colour_cast` (the whole picture shares one
 * tint: white balance or cable fault), `overexposed` (washed out to white).
 */
export const QualityIssueKind = Type.Union([
  Type.Literal('black'),
  Type.Literal('frozen'),
  Type.Literal('blurred'),
  Type.Literal('covered'),
  Type.Literal('colour_cast'),
  Type.Literal('overexposed'),
]);
export type QualityIssueKind = Static<typeof QualityIssueKind>;

/** One active quality issue of a camera. */
export const QualityIssue = Type.Object(
  {
    kind: QualityIssueKind,
    /** When the condition was first seen in the run that raised the issue (not when it was raised). */
    since: EpochMs,
    /** The latest measured value that met the condition, in its metric's unit (see edge/src/health). */
    value: Type.Number(),
  },
  { additionalProperties: false },
);
export type QualityIssue = Static<typeof QualityIssue>;

/**
 * Whether video analysis (detection + rules) is configured for a camera and whether it is producing
 * results right now: `running` is true only while analysed frames are flowing. Feeds the cloud's
 * AI-coverage KPI (智能化覆盖率).
 */
export const CameraAnalysis = Type.Object(
  {
    /** Analysis is configured for this camera (it has a model and at least one rule). */
    enabled: Type.Boolean(),
    /** Analysed frames arrived recently (within the edge's own notion of "recently"). */
    running: Type.Boolean(),
  },
  { additionalProperties: false },
);
export type CameraAnalysis = Static<typeof CameraAnalysis>;

export const CameraStatus = Type.Object(
  {
    cameraId: Id,
    state: CameraState,
    reason: Type.Optional(Type.String({ maxLength: 256 })),
    since: EpochMs,
    captureFps: Type.Number({ minimum: 0 }),
    analysedFps: Type.Number({ minimum: 0 }),
    droppedFrames: Type.Integer({ minimum: 0 }),
    restarts: Type.Integer({ minimum: 0 }),
    lastFrameAt: Type.Optional(EpochMs),
    inferenceMsP50: Type.Optional(Type.Number({ minimum: 0 })),
    inferenceMsP95: Type.Optional(Type.Number({ minimum: 0 })),
    /** Active quality issues; absent when the edge does not diagnose this camera, empty when all is well. */
    quality: Type.Optional(Type.Array(QualityIssue, { maxItems: 8 })),
    /**
     * Analysis configured/running. Absent from older edges: the cloud then infers `enabled` from the
     * camera's rules in the hello and `running` from `analysedFps > 0` while streaming.
     */
    analysis: Type.Optional(CameraAnalysis),
  },
  { additionalProperties: false },
);
export type CameraStatus = Static<typeof CameraStatus>;

/** Periodic liveness and per-camera state. */
export const Heartbeat = Type.Object(
  {
    edgeId: Id,
    at: EpochMs,
    cameras: Type.Array(CameraStatus, { maxItems: 256 }),
    backlog: Type.Integer({ minimum: 0, description: 'messages waiting in the edge outbox' }),
    /** The outbox's disk use and what its quota dropped since it was created (evidence only: events are kept). */
    outbox: Type.Optional(
      Type.Object(
        {
          evidenceBytes: Type.Integer({ minimum: 0 }),
          droppedFiles: Type.Integer({ minimum: 0 }),
          droppedBytes: Type.Integer({ minimum: 0 }),
          rejected: Type.Integer({ minimum: 0, description: 'messages the cloud refused for good, kept aside on the edge' }),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
export type Heartbeat = Static<typeof Heartbeat>;

export const EventPhase = Type.Union([Type.Literal('start'), Type.Literal('update'), Type.Literal('end')]);
export type EventPhase = Static<typeof EventPhase>;

export const Severity = Type.Union([Type.Literal(1), Type.Literal(2), Type.Literal(3)], {
  description: '1 immediate, 2 fix by a deadline, 3 guidance',
});
export type Severity = Static<typeof Severity>;

export const SnapshotRef = Type.Object(
  {
    sha256: Sha256,
    contentType: Type.Literal('image/jpeg'),
    size: Type.Integer({ minimum: 1 }),
    width: Type.Integer({ minimum: 1 }),
    height: Type.Integer({ minimum: 1 }),
  },
  { additionalProperties: false },
);
export type SnapshotRef = Static<typeof SnapshotRef>;

export const ClipRef = Type.Object(
  {
    sha256: Sha256,
    contentType: Type.Literal('video/mp4'),
    size: Type.Integer({ minimum: 1 }),
    /** Wall-clock span the clip covers, epoch ms (pre-capture before the start, post-capture after the end). */
    startAt: EpochMs,
    endAt: EpochMs,
  },
  { additionalProperties: false },
);
export type ClipRef = Static<typeof ClipRef>;

/** A rule's name in both languages of the viewer. */
export const RuleName = Type.Object(
  { zh: Type.String({ minLength: 1, maxLength: 64 }), en: Type.String({ minLength: 1, maxLength: 64 }) },
  { additionalProperties: false },
);
export type RuleName = Static<typeof RuleName>;

/** GB/T 28181 alarm classification (AlarmMethod 5 = video alarm; AlarmType 5 tripwire, 6 intrusion, 8 loitering, 10 density …). */
export const GbAlarm = Type.Object(
  { method: Type.Integer({ minimum: 1, maximum: 7 }), type: Type.Integer({ minimum: 1, maximum: 99 }) },
  { additionalProperties: false },
);
export type GbAlarm = Static<typeof GbAlarm>;

/** Rule-specific facts of an event (direction and counts of a line crossing, dwell time, people count …). */
export const EventAttributes = Type.Record(Type.String({ pattern: '^[A-Za-z][A-Za-z0-9_]{0,31}$' }), Type.Union([Type.String({ maxLength: 128 }), Type.Number(), Type.Boolean()]), {
  maxProperties: 16,
  // A key outside the pattern (`__proto__`, `9x`) is refused rather than let through unchecked.
  additionalProperties: false,
});
export type EventAttributes = Static<typeof EventAttributes>;

/**
 * One phase of an event. `seq` grows by one per message of the same event so the cloud can apply
 * updates in order and ignore replays.
 */
export const EventMessage = Type.Object(
  {
    id: EventId,
    seq: Type.Integer({ minimum: 0 }),
    phase: EventPhase,
    edgeId: Id,
    cameraId: Id,
    ruleId: Id,
    type: Id,
    severity: Severity,
    label: Type.String({ minLength: 1, maxLength: 64 }),
    topScore: Unit,
    startedAt: EpochMs,
    at: EpochMs,
    endedAt: Type.Optional(EpochMs),
    endReason: Type.Optional(Type.String({ maxLength: 64 })),
    detections: Type.Array(Detection, { maxItems: 200 }),
    snapshot: Type.Optional(SnapshotRef),
    /** A clean crop (no drawing) of the event's top object on the snapshot frame, to recognise it at a glance. */
    thumbnail: Type.Optional(SnapshotRef),
    /** Short clip around the event, announced with the end (or once the post-capture is recorded). */
    clip: Type.Optional(ClipRef),
    /** Tracks that took part. */
    trackIds: Type.Optional(Type.Array(Type.Integer({ minimum: 0 }), { maxItems: 200 })),
    zoneId: Type.Optional(Id),
    name: Type.Optional(RuleName),
    gbAlarm: Type.Optional(GbAlarm),
    attributes: Type.Optional(EventAttributes),
  },
  { additionalProperties: false },
);
export type EventMessage = Static<typeof EventMessage>;
