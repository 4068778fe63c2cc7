import Type, { type Static } from 'typebox';
import {
  CameraAnalysis,
  CameraState,
  Detection,
  EpochMs,
  EventId,
  EventPhase,
  Id,
  QualityIssueKind,
  RuleName,
  Severity,
} from './edge-messages.js';
import { ErrorBody } from './ack.js';

export const LoginRequest = Type.Object(
  {
    username: Type.String({ minLength: 1, maxLength: 64 }),
    password: Type.String({ minLength: 1, maxLength: 256 }),
  },
  { additionalProperties: false },
);
export type LoginRequest = Static<typeof LoginRequest>;


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
    /** Relative URL of the object thumbnail, null when none was sent. */
    thumbnailUrl: Type.Union([Type.String(), Type.Null()]),
    /** Relative URL of the MP4 clip (HTTP Range supported), null until the edge announces it. */
    clipUrl: Type.Union([Type.String(), Type.Null()]),
    /** Size and wall-clock span of the clip. */
    clip: Type.Union([
      Type.Object({ size: Type.Integer({ minimum: 1 }), startAt: EpochMs, endAt: EpochMs }, { additionalProperties: false }),
      Type.Null(),
    ]),
    /** The zone or line of the rule that fired, if any. */
    zoneId: Type.Union([Id, Type.Null()]),
    /** The rule's display name in both languages, when the edge sent one. */
    name: Type.Union([RuleName, Type.Null()]),
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
    siteId: Type.Optional(Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER })),
    from: Type.Optional(Type.Integer({ minimum: 0, description: 'events that started at or after (epoch ms)' })),
    to: Type.Optional(Type.Integer({ minimum: 0, description: 'events that started before (epoch ms)' })),
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

/** `POST {LIVE_PATH}/:cameraId` opens a live view of one camera. */
export const LIVE_PATH = '/api/live';

export const LiveViewParams = Type.Object({ cameraId: Id }, { additionalProperties: false });
export type LiveViewParams = Static<typeof LiveViewParams>;

/**
 * A live view: signed, expiring play URLs of the camera's stream. `url` is HTTP-FLV, `wsUrl` the same
 * stream as WS-FLV (e.g. for flv.js / mpegts.js). A URL must be opened before `expiresAt`; an open
 * connection keeps playing after that. Each URL names the user it was issued to.
 */
export const LiveViewResponse = Type.Object(
  {
    cameraId: Id,
    url: Type.String(),
    wsUrl: Type.String(),
    expiresAt: EpochMs,
  },
  { additionalProperties: false },
);
export type LiveViewResponse = Static<typeof LiveViewResponse>;

// ---------------------------------------------------------------------------------------------------
// Administration: edges, orgs, sites, the camera directory (目录). Numeric ids are the cloud's own.

/** A positive row id made by the cloud (orgs, sites). */
export const RowId = Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER });

/** An edge as the administrator sees it; its token is never shown again after creation. */
/** An edge's outbox, as its heartbeat reported it. */
export const EdgeOutboxReport = Type.Object(
  {
    at: EpochMs,
    backlog: Type.Integer({ minimum: 0 }),
    evidenceBytes: Type.Optional(Type.Integer({ minimum: 0 })),
    droppedFiles: Type.Optional(Type.Integer({ minimum: 0 })),
    droppedBytes: Type.Optional(Type.Integer({ minimum: 0 })),
    rejected: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  { additionalProperties: false },
);
export type EdgeOutboxReport = Static<typeof EdgeOutboxReport>;

export const EdgeItem = Type.Object(
  {
    id: Id,
    /** `config`: listed in the cloud config file; `api`: created through `POST /api/edges`. */
    source: Type.Union([Type.Literal('config'), Type.Literal('api')]),
    createdAt: EpochMs,
    revokedAt: Type.Union([EpochMs, Type.Null()]),
    lastSeenAt: Type.Union([EpochMs, Type.Null()]),
    /** At least one live socket.io connection of this edge right now. */
    connected: Type.Boolean(),
    /** Cameras this edge has declared. */
    cameras: Type.Integer({ minimum: 0 }),
    /** The edge's store-and-forward queue as of its last heartbeat; null before the first one. */
    outbox: Type.Union([EdgeOutboxReport, Type.Null()]),
  },
  { additionalProperties: false },
);
export type EdgeItem = Static<typeof EdgeItem>;

export const EdgeListResponse = Type.Object({ items: Type.Array(EdgeItem) }, { additionalProperties: false });
export type EdgeListResponse = Static<typeof EdgeListResponse>;

/** `POST /api/edges`: registers an edge and issues its token. */
export const EdgeCreateRequest = Type.Object({ id: Id }, { additionalProperties: false });
export type EdgeCreateRequest = Static<typeof EdgeCreateRequest>;

/** The one answer that carries an edge token: only its hash is stored, so it cannot be shown again. */
export const EdgeCreateResponse = Type.Object(
  { edge: EdgeItem, token: Type.String({ minLength: 32 }) },
  { additionalProperties: false },
);
export type EdgeCreateResponse = Static<typeof EdgeCreateResponse>;

/** Levels of the organisation tree: a child is always of a lower level than its parent. */
export const OrgKind = Type.Union([Type.Literal('city'), Type.Literal('district'), Type.Literal('street'), Type.Literal('bureau')], {
  description: 'city (市) → district (区/县) → street (街道/乡镇) or bureau (局/委办)',
});
export type OrgKind = Static<typeof OrgKind>;

/** A display name: not blank, no control characters. */
const DisplayName = Type.String({
  minLength: 1,
  maxLength: 128,
  pattern: '^[^\\u0000-\\u001f\\u007f]*[^\\s\\u0000-\\u001f\\u007f][^\\u0000-\\u001f\\u007f]*$',
});

export const OrgItem = Type.Object(
  {
    id: RowId,
    parentId: Type.Union([RowId, Type.Null()]),
    name: Type.String(),
    kind: OrgKind,
    createdAt: EpochMs,
    updatedAt: EpochMs,
  },
  { additionalProperties: false },
);
export type OrgItem = Static<typeof OrgItem>;

export const OrgListResponse = Type.Object({ items: Type.Array(OrgItem) }, { additionalProperties: false });
export type OrgListResponse = Static<typeof OrgListResponse>;

export const OrgCreateRequest = Type.Object(
  { name: DisplayName, kind: OrgKind, parentId: Type.Optional(Type.Union([RowId, Type.Null()])) },
  { additionalProperties: false },
);
export type OrgCreateRequest = Static<typeof OrgCreateRequest>;

export const OrgUpdateRequest = Type.Object(
  {
    name: Type.Optional(DisplayName),
    kind: Type.Optional(OrgKind),
    parentId: Type.Optional(Type.Union([RowId, Type.Null()])),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type OrgUpdateRequest = Static<typeof OrgUpdateRequest>;

/** What a site is: a restaurant and a school canteen (明厨亮灶), a worksite (智慧工地), a public area (雪亮工程). */
export const SiteKind = Type.Union([
  Type.Literal('restaurant'),
  Type.Literal('school_canteen'),
  Type.Literal('worksite'),
  Type.Literal('public_area'),
]);
export type SiteKind = Static<typeof SiteKind>;

export const SiteItem = Type.Object(
  {
    id: RowId,
    orgId: RowId,
    name: Type.String(),
    kind: SiteKind,
    address: Type.Union([Type.String(), Type.Null()]),
    createdAt: EpochMs,
    updatedAt: EpochMs,
  },
  { additionalProperties: false },
);
export type SiteItem = Static<typeof SiteItem>;

export const SiteListQuery = Type.Object(
  { orgId: Type.Optional(RowId) },
  { additionalProperties: false, description: 'orgId: only the sites of this org and its subtree' },
);
export type SiteListQuery = Static<typeof SiteListQuery>;

export const SiteListResponse = Type.Object({ items: Type.Array(SiteItem) }, { additionalProperties: false });
export type SiteListResponse = Static<typeof SiteListResponse>;

const Address = Type.String({ maxLength: 256 });

export const SiteCreateRequest = Type.Object(
  { orgId: RowId, name: DisplayName, kind: SiteKind, address: Type.Optional(Type.Union([Address, Type.Null()])) },
  { additionalProperties: false },
);
export type SiteCreateRequest = Static<typeof SiteCreateRequest>;

export const SiteUpdateRequest = Type.Object(
  {
    orgId: Type.Optional(RowId),
    name: Type.Optional(DisplayName),
    kind: Type.Optional(SiteKind),
    address: Type.Optional(Type.Union([Address, Type.Null()])),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type SiteUpdateRequest = Static<typeof SiteUpdateRequest>;

/**
 * A GB/T 28181 device id (编码规则A): 20 digits = centre code (8: 6-digit administrative division +
 * 2-digit grass-roots unit) + industry (2) + type (3) + network (1) + serial (6). The cloud checks
 * more than the shape (see cloud/src/directory/gb28181-id.ts).
 */
export const GbId = Type.String({ pattern: '^[0-9]{20}$', description: 'GB/T 28181 20-digit device id' });

/** `PUT /api/cameras/:id/directory`: the directory record of a camera, created or replaced whole. */
export const DirectoryRecordInput = Type.Object(
  {
    name: DisplayName,
    siteId: RowId,
    /** Null or absent while not yet assigned; such a record counts as not compliant. */
    gbId: Type.Optional(Type.Union([GbId, Type.Null()])),
    /** WGS-84 degrees; give both or neither. */
    longitude: Type.Optional(Type.Union([Type.Number({ minimum: -180, maximum: 180 }), Type.Null()])),
    latitude: Type.Optional(Type.Union([Type.Number({ minimum: -90, maximum: 90 }), Type.Null()])),
  },
  { additionalProperties: false },
);
export type DirectoryRecordInput = Static<typeof DirectoryRecordInput>;

export const DirectoryRecord = Type.Object(
  {
    cameraId: Id,
    name: Type.String(),
    siteId: RowId,
    gbId: Type.Union([Type.String(), Type.Null()]),
    longitude: Type.Union([Type.Number(), Type.Null()]),
    latitude: Type.Union([Type.Number(), Type.Null()]),
    createdAt: EpochMs,
    updatedAt: EpochMs,
    /** Why the record is not compliant (目录合规); empty when it is complete and valid. */
    problems: Type.Array(Type.String()),
  },
  { additionalProperties: false },
);
export type DirectoryRecord = Static<typeof DirectoryRecord>;

export const DirectoryListResponse = Type.Object({ items: Type.Array(DirectoryRecord) }, { additionalProperties: false });
export type DirectoryListResponse = Static<typeof DirectoryListResponse>;

// ---------------------------------------------------------------------------------------------------
// Camera health: the current state in detail, and its history.

/** One camera with its health as the cloud sees it now (`GET /api/cameras/:id`). */
export const CameraDetail = Type.Object(
  {
    ...CameraItem.properties,
    reason: Type.Union([Type.String(), Type.Null()]),
    /** Kinds of the active quality issues. */
    quality: Type.Array(QualityIssueKind),
    analysis: Type.Union([CameraAnalysis, Type.Null()]),
    /** Counts as online (完好): streaming. */
    online: Type.Boolean(),
    /** Counts as delivering a usable picture (出图): streaming without a black or frozen picture. */
    picture: Type.Boolean(),
    directory: Type.Union([DirectoryRecord, Type.Null()]),
  },
  { additionalProperties: false },
);
export type CameraDetail = Static<typeof CameraDetail>;

/** One entry of a camera's health history: what held from `at` until the next entry. */
export const CameraStateItem = Type.Object(
  {
    at: EpochMs,
    state: Type.Union([CameraState, Type.Literal('unknown')]),
    reason: Type.Union([Type.String(), Type.Null()]),
    quality: Type.Array(QualityIssueKind),
    analysis: Type.Union([CameraAnalysis, Type.Null()]),
  },
  { additionalProperties: false },
);
export type CameraStateItem = Static<typeof CameraStateItem>;

export const CameraStatesQuery = Type.Object(
  {
    from: Type.Optional(EpochMs),
    to: Type.Optional(EpochMs),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000, default: 1000 })),
  },
  { additionalProperties: false, description: 'from defaults to 24 h before to; to defaults to now' },
);
export type CameraStatesQuery = Static<typeof CameraStatesQuery>;

export const CameraStatesResponse = Type.Object(
  {
    cameraId: Id,
    from: EpochMs,
    to: EpochMs,
    /** Oldest first. The first item may start before `from`: it is the state in effect at `from`. */
    items: Type.Array(CameraStateItem),
    /** More entries exist in the window than `limit`; ask again from the last item's `at`. */
    truncated: Type.Boolean(),
  },
  { additionalProperties: false },
);
export type CameraStatesResponse = Static<typeof CameraStatesResponse>;

// ---------------------------------------------------------------------------------------------------
// KPIs (`GET /api/stats/cameras`).

/** A fraction 0..1, or null when there is no camera to divide by. */
const Rate = Type.Union([Type.Number({ minimum: 0, maximum: 1 }), Type.Null()]);

const KpiGroupProperties = {
  /** Cameras counted. */
  cameras: Type.Integer({ minimum: 0 }),
  /**
   * Cameras online / with a usable picture / with analysis running. Now: counts. Over a window:
   * time-averaged counts (camera-milliseconds ÷ window milliseconds).
   */
  online: Type.Number({ minimum: 0 }),
  picture: Type.Number({ minimum: 0 }),
  aiCoverage: Type.Number({ minimum: 0 }),
  /** Cameras whose directory record is complete and valid (as it is now: the directory has no history). */
  directoryCompliant: Type.Integer({ minimum: 0 }),
  /** 完好率: online ÷ cameras (time-weighted over a window). */
  onlineRate: Rate,
  /** 出图率: streaming without a black or frozen picture ÷ cameras. */
  pictureRate: Rate,
  /** 智能化覆盖率: analysis running ÷ cameras. */
  aiCoverageRate: Rate,
  /** 目录合规率: complete and valid directory record ÷ cameras. */
  directoryComplianceRate: Rate,
};

export const KpiGroup = Type.Object(KpiGroupProperties, { additionalProperties: false });
export type KpiGroup = Static<typeof KpiGroup>;

export const SiteKpi = Type.Object(
  { siteId: RowId, orgId: RowId, name: Type.String(), kind: SiteKind, ...KpiGroupProperties },
  { additionalProperties: false },
);
export type SiteKpi = Static<typeof SiteKpi>;

/** An org's KPIs cover the cameras of its own sites and of every org below it. */
export const OrgKpi = Type.Object(
  { orgId: RowId, parentId: Type.Union([RowId, Type.Null()]), name: Type.String(), kind: OrgKind, ...KpiGroupProperties },
  { additionalProperties: false },
);
export type OrgKpi = Static<typeof OrgKpi>;

export const KpiName = Type.Union([
  Type.Literal('online'),
  Type.Literal('picture'),
  Type.Literal('aiCoverage'),
  Type.Literal('directoryCompliance'),
]);
export type KpiName = Static<typeof KpiName>;

/** A camera that fails at least one KPI (now), or fell short of 100 % over the window. */
export const FailingCamera = Type.Object(
  {
    cameraId: Id,
    name: Type.String(),
    siteId: Type.Union([RowId, Type.Null()]),
    failures: Type.Array(Type.Object({ kpi: KpiName, reason: Type.String() }, { additionalProperties: false })),
  },
  { additionalProperties: false },
);
export type FailingCamera = Static<typeof FailingCamera>;

export const CameraStatsQuery = Type.Object(
  { from: Type.Optional(EpochMs), to: Type.Optional(EpochMs) },
  { additionalProperties: false, description: 'neither: now; from (and optionally to, default now): a time window' },
);
export type CameraStatsQuery = Static<typeof CameraStatsQuery>;

export const CameraStatsResponse = Type.Object(
  {
    mode: Type.Union([Type.Literal('now'), Type.Literal('window')]),
    /** When this was computed. */
    at: EpochMs,
    from: Type.Union([EpochMs, Type.Null()]),
    to: Type.Union([EpochMs, Type.Null()]),
    overall: KpiGroup,
    sites: Type.Array(SiteKpi),
    orgs: Type.Array(OrgKpi),
    /** Cameras without a directory record or site: in `overall`, in no site or org. */
    unassigned: KpiGroup,
    failing: Type.Array(FailingCamera),
  },
  { additionalProperties: false },
);
export type CameraStatsResponse = Static<typeof CameraStatsResponse>;
