import Type, { type Static } from 'typebox';
import { EpochMs, EventId, Id, Severity } from './edge-messages.js';
import { RowId } from './rest.js';
import { UserRole } from './access.js';
import { WorkflowState } from './workflow-state.js';

export { WorkflowState } from './workflow-state.js';

/** What a timeline entry records. `discover` and automatic `escalate` entries have no user. */
export const WorkflowAction = Type.Union([
  Type.Literal('discover'),
  Type.Literal('accept'),
  Type.Literal('dispatch'),
  Type.Literal('handle'),
  Type.Literal('recheck_pass'),
  Type.Literal('recheck_fail'),
  Type.Literal('escalate'),
  Type.Literal('false_alarm'),
]);
export type WorkflowAction = Static<typeof WorkflowAction>;

export const WorkflowAttachment = Type.Object(
  {
    sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }),
    name: Type.String(),
    contentType: Type.String(),
    size: Type.Integer({ minimum: 0 }),
    /** Relative URL (needs the bearer token, like every API URL). */
    url: Type.String(),
  },
  { additionalProperties: false },
);
export type WorkflowAttachment = Static<typeof WorkflowAttachment>;

export const TimelineEntry = Type.Object(
  {
    id: RowId,
    action: WorkflowAction,
    fromState: Type.Union([WorkflowState, Type.Null()]),
    toState: WorkflowState,
    at: EpochMs,
    /** Null for the system (discovery, automatic escalation). */
    user: Type.Union([
      Type.Object({ id: RowId, username: Type.String(), role: UserRole }, { additionalProperties: false }),
      Type.Null(),
    ]),
    note: Type.Union([Type.String(), Type.Null()]),
    attachments: Type.Array(WorkflowAttachment),
    /** Action-specific facts: dispatch target and deadline, evaluation score, escalation level. */
    detail: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]),
  },
  { additionalProperties: false },
);
export type TimelineEntry = Static<typeof TimelineEntry>;

export const WorkflowItem = Type.Object(
  {
    eventId: EventId,
    state: WorkflowState,
    cameraId: Id,
    eventType: Id,
    severity: Severity,
    /** Where the event happened (the camera's site and its org at discovery), null if the camera had none. */
    siteId: Type.Union([RowId, Type.Null()]),
    orgId: Type.Union([RowId, Type.Null()]),
    assigneeOrgId: Type.Union([RowId, Type.Null()]),
    assigneeUserId: Type.Union([RowId, Type.Null()]),
    deadlineAt: Type.Union([EpochMs, Type.Null()]),
    /** 0: not escalated; 1, 2, …: escalated (督办) that many levels up. */
    escalationLevel: Type.Integer({ minimum: 0 }),
    overdue: Type.Boolean(),
    evaluation: Type.Union([
      Type.Object(
        { pass: Type.Boolean(), score: Type.Union([Type.Integer({ minimum: 0, maximum: 100 }), Type.Null()]), comment: Type.String() },
        { additionalProperties: false },
      ),
      Type.Null(),
    ]),
    createdAt: EpochMs,
    updatedAt: EpochMs,
    closedAt: Type.Union([EpochMs, Type.Null()]),
  },
  { additionalProperties: false },
);
export type WorkflowItem = Static<typeof WorkflowItem>;

export const WorkflowDetail = Type.Object(
  {
    item: WorkflowItem,
    timeline: Type.Array(TimelineEntry),
    /** The actions the caller may take now (role, scope and state all allow them). */
    allowedActions: Type.Array(WorkflowAction),
  },
  { additionalProperties: false },
);
export type WorkflowDetail = Static<typeof WorkflowDetail>;

const Note = Type.String({ minLength: 1, maxLength: 2000 });
const Sha256 = Type.String({ pattern: '^[0-9a-f]{64}$' });

/** `POST /api/events/:id/workflow/accept` 受理 */
export const AcceptRequest = Type.Object({ note: Type.Optional(Note) }, { additionalProperties: false });
export type AcceptRequest = Static<typeof AcceptRequest>;

/** `POST /api/events/:id/workflow/dispatch` 分拨: to an org (default: the event's site's org) or a user. */
export const DispatchRequest = Type.Object(
  {
    orgId: Type.Optional(RowId),
    userId: Type.Optional(RowId),
    note: Type.Optional(Note),
    /** Overrides the deadline of the severity tier; must be in the future. */
    deadlineAt: Type.Optional(EpochMs),
  },
  { additionalProperties: false },
);
export type DispatchRequest = Static<typeof DispatchRequest>;

/** `POST /api/events/:id/workflow/handle` 处置: note and rectification photos (uploaded first). */
export const HandleRequest = Type.Object(
  { note: Note, attachments: Type.Array(Sha256, { maxItems: 20, default: [] }) },
  { additionalProperties: false },
);
export type HandleRequest = Static<typeof HandleRequest>;

/**
 * `POST /api/events/:id/workflow/recheck` 复核 → 评估. A pass closes the item with the evaluation; a
 * fail sends it back to the assignee with a new deadline (the tier's, unless `deadlineAt` names one).
 */
export const RecheckRequest = Type.Object(
  {
    pass: Type.Boolean(),
    note: Note,
    score: Type.Optional(Type.Integer({ minimum: 0, maximum: 100 })),
    /** Failed re-check only: the new rectification deadline; must be in the future. */
    deadlineAt: Type.Optional(EpochMs),
  },
  { additionalProperties: false },
);
export type RecheckRequest = Static<typeof RecheckRequest>;

/** `POST /api/events/:id/workflow/false-alarm` 误报. */
export const FalseAlarmRequest = Type.Object({ reason: Note }, { additionalProperties: false });
export type FalseAlarmRequest = Static<typeof FalseAlarmRequest>;

/** `POST /api/events/:id/workflow/supervise` 督办 by a regulator (also automatic when overdue). */
export const SuperviseRequest = Type.Object({ note: Note }, { additionalProperties: false });
export type SuperviseRequest = Static<typeof SuperviseRequest>;

/** A notice to users: dispatched to you, overdue at the level below, re-check failed, handled. */
export const NoticeItem = Type.Object(
  {
    id: RowId,
    at: EpochMs,
    kind: Type.Union([
      Type.Literal('new_event'),
      Type.Literal('dispatched'),
      Type.Literal('handled'),
      Type.Literal('recheck_failed'),
      Type.Literal('escalated'),
      Type.Literal('closed'),
    ]),
    eventId: EventId,
    /** Who it is for: an org's users (and its regulators/operators), a site's users, or one user. */
    toOrgId: Type.Union([RowId, Type.Null()]),
    toSiteId: Type.Union([RowId, Type.Null()]),
    toUserId: Type.Union([RowId, Type.Null()]),
    message: Type.String(),
  },
  { additionalProperties: false },
);
export type NoticeItem = Static<typeof NoticeItem>;

/** Published (bus, /viewer `workflow`, MQTT, webhooks) after every committed transition. */
export const WorkflowUpdate = Type.Object(
  { item: WorkflowItem, entry: TimelineEntry, cameraId: Type.String(), eventType: Type.String() },
  { additionalProperties: false },
);
export type WorkflowUpdate = Static<typeof WorkflowUpdate>;

const BooleanQuery = Type.Union([Type.Literal('true'), Type.Literal('false')]);

/** `GET /api/workflow`: the items in the caller's scope, newest discovery first. */
export const WorkflowListQuery = Type.Object(
  {
    state: Type.Optional(WorkflowState),
    /** Where the event happened (its site and org at discovery). */
    siteId: Type.Optional(RowId),
    orgId: Type.Optional(RowId),
    /** `true`: only accepted or dispatched items past their deadline; `false`: only the others. */
    overdue: Type.Optional(BooleanQuery),
    /** `true`: only items escalated (督办) at least once; `false`: only the others. */
    escalated: Type.Optional(BooleanQuery),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
    cursor: Type.Optional(Type.String({ maxLength: 200, description: 'nextCursor of the previous page' })),
  },
  { additionalProperties: false },
);
export type WorkflowListQuery = Static<typeof WorkflowListQuery>;

export const WorkflowListResponse = Type.Object(
  { items: Type.Array(WorkflowItem), nextCursor: Type.Union([Type.String(), Type.Null()]) },
  { additionalProperties: false },
);
export type WorkflowListResponse = Static<typeof WorkflowListResponse>;

/**
 * `GET /api/notices`: the caller's notices (to the user, its site, or an org in its scope).
 * With `after`: the ones newer than that id, oldest first (polling); without: the newest first,
 * older than `before` when given (paging back).
 */
export const NoticeListQuery = Type.Object(
  {
    after: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER })),
    before: Type.Optional(RowId),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
  },
  { additionalProperties: false },
);
export type NoticeListQuery = Static<typeof NoticeListQuery>;

export const NoticeListResponse = Type.Object({ items: Type.Array(NoticeItem) }, { additionalProperties: false });
export type NoticeListResponse = Static<typeof NoticeListResponse>;
