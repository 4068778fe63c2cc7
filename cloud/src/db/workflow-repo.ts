import type { Database, Statement } from 'better-sqlite3';
import {
  CodedError,
  type UserRole,
  type WorkflowAction,
  type WorkflowState,
} from '../../../protocol/index.js';
import type { EventPosition } from './events-repo.js';

/** A stored workflow item (one per event). */
export interface WorkflowRecord {
  eventId: string;
  state: WorkflowState;
  siteId: number | null;
  orgId: number | null;
  cameraId: string;
  eventType: string;
  severity: number;
  assigneeOrgId: number | null;
  assigneeUserId: number | null;
  deadlineAt: number | null;
  escalationLevel: number;
  escalatedAt: number | null;
  nextEscalationAt: number | null;
  handledAt: number | null;
  closedAt: number | null;
  handledOnTime: boolean | null;
  evaluationPass: boolean | null;
  evaluationScore: number | null;
  evaluationNote: string | null;
  discoveredAt: number;
  updatedAt: number;
  version: number;
}

/** Who took a step: a user, or null for the cloud itself. */
export interface TransitionUser {
  id: number;
  username: string;
  role: UserRole;
}

/** One stored timeline entry. */
export interface TransitionRecord {
  id: number;
  eventId: string;
  action: WorkflowAction;
  fromState: WorkflowState | null;
  toState: WorkflowState;
  at: number;
  user: TransitionUser | null;
  note: string | null;
  detail: Record<string, unknown> | null;
  attachments: string[];
}

/** A photo uploaded for an event. */
export interface AttachmentRecord {
  eventId: string;
  sha256: string;
  name: string;
  contentType: string;
  size: number;
  uploadedBy: number | null;
  uploadedAt: number;
}

/** The item columns a transition may set besides state, version and updated_at. */
export interface ItemChanges {
  assigneeOrgId?: number | null;
  assigneeUserId?: number | null;
  deadlineAt?: number | null;
  escalationLevel?: number;
  escalatedAt?: number | null;
  nextEscalationAt?: number | null;
  handledAt?: number | null;
  closedAt?: number | null;
  handledOnTime?: boolean | null;
  evaluationPass?: boolean | null;
  evaluationScore?: number | null;
  evaluationNote?: string | null;
}

/** One transition to apply: the expected state and version make it optimistic. */
export interface TransitionChange {
  eventId: string;
  expectState: WorkflowState;
  expectVersion: number;
  action: WorkflowAction;
  to: WorkflowState;
  at: number;
  user: TransitionUser | null;
  note: string | null;
  detail: Record<string, unknown> | null;
  attachments: readonly string[];
  set: ItemChanges;
}

/** What the discovery of an event needs to know about it. */
export interface DiscoveredEvent {
  eventId: string;
  cameraId: string;
  eventType: string;
  severity: number;
}

/** Filters and page bounds of a workflow listing. */
export interface WorkflowListFilter {
  limit: number;
  after?: EventPosition | undefined;
  state?: WorkflowState | undefined;
  siteId?: number | undefined;
  orgId?: number | undefined;
  /** true: only overdue items; false: only the others. Needs `now`. */
  overdue?: boolean | undefined;
  escalated?: boolean | undefined;
  now: number;
  /** Only events whose camera is placed at one of these sites; null: no filter (administrators). */
  scopeSiteIds: readonly number[] | null;
}

interface ItemRow {
  event_id: string;
  state: string;
  site_id: number | null;
  org_id: number | null;
  camera_id: string;
  event_type: string;
  severity: number;
  assignee_org_id: number | null;
  assignee_user_id: number | null;
  deadline_at: number | null;
  escalation_level: number;
  escalated_at: number | null;
  next_escalation_at: number | null;
  handled_at: number | null;
  closed_at: number | null;
  handled_on_time: number | null;
  evaluation_pass: number | null;
  evaluation_score: number | null;
  evaluation_note: string | null;
  discovered_at: number;
  updated_at: number;
  version: number;
}

interface TransitionRow {
  id: number;
  event_id: string;
  action: string;
  from_state: string | null;
  to_state: string;
  at: number;
  user_id: number | null;
  username: string | null;
  role: string | null;
  note: string | null;
  detail_json: string | null;
  attachments_json: string | null;
}

interface AttachmentRow {
  event_id: string;
  sha256: string;
  name: string;
  content_type: string;
  size: number;
  uploaded_by: number | null;
  uploaded_at: number;
}

const ITEM_COLUMNS =
  'event_id, state, site_id, org_id, camera_id, event_type, severity, assignee_org_id, assignee_user_id, deadline_at, ' +
  'escalation_level, escalated_at, next_escalation_at, handled_at, closed_at, handled_on_time, evaluation_pass, ' +
  'evaluation_score, evaluation_note, discovered_at, updated_at, version';

/** Item fields a transition may set, with their columns (and how booleans are stored). */
const CHANGE_COLUMNS: Readonly<Record<keyof ItemChanges, string>> = {
  assigneeOrgId: 'assignee_org_id',
  assigneeUserId: 'assignee_user_id',
  deadlineAt: 'deadline_at',
  escalationLevel: 'escalation_level',
  escalatedAt: 'escalated_at',
  nextEscalationAt: 'next_escalation_at',
  handledAt: 'handled_at',
  closedAt: 'closed_at',
  handledOnTime: 'handled_on_time',
  evaluationPass: 'evaluation_pass',
  evaluationScore: 'evaluation_score',
  evaluationNote: 'evaluation_note',
};

/** Open states with a deadline, i.e. the ones that can be overdue. */
const OVERDUE_SQL = "(state IN ('accepted', 'dispatched') AND deadline_at IS NOT NULL AND deadline_at < @now)";

const bool = (v: number | null): boolean | null => (v === null ? null : v !== 0);
const sqlValue = (v: number | string | boolean | null): number | string | null => (typeof v === 'boolean' ? (v ? 1 : 0) : v);

function toRecord(row: ItemRow): WorkflowRecord {
  return {
    eventId: row.event_id,
    // The CHECK constraint admits only WorkflowStates.
    state: row.state as WorkflowState,
    siteId: row.site_id,
    orgId: row.org_id,
    cameraId: row.camera_id,
    eventType: row.event_type,
    severity: row.severity,
    assigneeOrgId: row.assignee_org_id,
    assigneeUserId: row.assignee_user_id,
    deadlineAt: row.deadline_at,
    escalationLevel: row.escalation_level,
    escalatedAt: row.escalated_at,
    nextEscalationAt: row.next_escalation_at,
    handledAt: row.handled_at,
    closedAt: row.closed_at,
    handledOnTime: bool(row.handled_on_time),
    evaluationPass: bool(row.evaluation_pass),
    evaluationScore: row.evaluation_score,
    evaluationNote: row.evaluation_note,
    discoveredAt: row.discovered_at,
    updatedAt: row.updated_at,
    version: row.version,
  };
}

function toTransition(row: TransitionRow): TransitionRecord {
  return {
    id: row.id,
    eventId: row.event_id,
    // Written only by this repository from WorkflowActions, WorkflowStates and UserRoles.
    action: row.action as WorkflowAction,
    fromState: row.from_state as WorkflowState | null,
    toState: row.to_state as WorkflowState,
    at: row.at,
    user:
      row.user_id === null
        ? null
        : { id: row.user_id, username: row.username ?? '', role: (row.role ?? 'site') as UserRole },
    note: row.note,
    detail: row.detail_json === null ? null : (JSON.parse(row.detail_json) as Record<string, unknown>),
    attachments: row.attachments_json === null ? [] : (JSON.parse(row.attachments_json) as string[]),
  };
}

function toAttachment(row: AttachmentRow): AttachmentRecord {
  return {
    eventId: row.event_id,
    sha256: row.sha256,
    name: row.name,
    contentType: row.content_type,
    size: row.size,
    uploadedBy: row.uploaded_by,
    uploadedAt: row.uploaded_at,
  };
}

type Params = Record<string, string | number | null>;

/**
 * The closed-loop workflow's storage: one item per event, its timeline and uploaded photos.
 * A transition changes the item only if it is still in the state (and version) the caller decided on,
 * and appends its timeline entry in the same transaction, so two people acting at once cannot both
 * win and no state change is ever without its entry.
 */
export class WorkflowRepository {
  private readonly getStmt: Statement<[string], ItemRow>;
  private readonly discoverStmt: Statement<[Params], ItemRow>;
  private readonly insertTransitionStmt: Statement<[Params]>;
  private readonly timelineStmt: Statement<[string], TransitionRow>;
  private readonly backfillItemsStmt: Statement<[{ now: number }]>;
  private readonly backfillTransitionsStmt: Statement<[]>;
  private readonly insertAttachmentStmt: Statement<[Params]>;
  private readonly attachmentStmt: Statement<[string, string], AttachmentRow>;
  private readonly attachmentsStmt: Statement<[string], AttachmentRow>;
  private readonly dueStmt: Statement<[{ now: number; limit: number }], ItemRow>;
  /** One prepared statement per shape (SET columns, filter combination). */
  private readonly cache = new Map<string, Statement>();

  constructor(private readonly db: Database) {
    this.getStmt = db.prepare(`SELECT ${ITEM_COLUMNS} FROM workflow_items WHERE event_id = ?`);
    // The site and its org are read at discovery and kept: the item stays where the event happened
    // even if the camera or the site moves later.
    this.discoverStmt = db.prepare(`
      INSERT INTO workflow_items (event_id, state, site_id, org_id, camera_id, event_type, severity, discovered_at, updated_at)
      SELECT @event_id, 'new', d.site_id, s.org_id, @camera_id, @event_type, @severity, @at, @at
      FROM (SELECT 1) LEFT JOIN camera_directory d ON d.camera_id = @camera_id LEFT JOIN sites s ON s.id = d.site_id
      WHERE EXISTS (SELECT 1 FROM events WHERE id = @event_id)
      ON CONFLICT (event_id) DO NOTHING
      RETURNING ${ITEM_COLUMNS}`);
    this.insertTransitionStmt = db.prepare(`
      INSERT INTO workflow_transitions (event_id, action, from_state, to_state, at, user_id, username, role, note, detail_json, attachments_json)
      VALUES (@event_id, @action, @from_state, @to_state, @at, @user_id, @username, @role, @note, @detail_json, @attachments_json)`);
    this.timelineStmt = db.prepare(`
      SELECT id, event_id, action, from_state, to_state, at, user_id, username, role, note, detail_json, attachments_json
      FROM workflow_transitions WHERE event_id = ? ORDER BY id`);
    // Events stored before the workflow existed (or seeded around ingest) get their item at start-up;
    // they were discovered when they were received.
    this.backfillItemsStmt = db.prepare(`
      INSERT INTO workflow_items (event_id, state, site_id, org_id, camera_id, event_type, severity, discovered_at, updated_at)
      SELECT e.id, 'new', d.site_id, s.org_id, e.camera_id, e.type, e.severity, e.received_at, @now
      FROM events e LEFT JOIN camera_directory d ON d.camera_id = e.camera_id LEFT JOIN sites s ON s.id = d.site_id
      WHERE NOT EXISTS (SELECT 1 FROM workflow_items w WHERE w.event_id = e.id)`);
    this.backfillTransitionsStmt = db.prepare(`
      INSERT INTO workflow_transitions (event_id, action, from_state, to_state, at)
      SELECT w.event_id, 'discover', NULL, 'new', w.discovered_at FROM workflow_items w
      WHERE NOT EXISTS (SELECT 1 FROM workflow_transitions t WHERE t.event_id = w.event_id)`);
    this.insertAttachmentStmt = db.prepare(`
      INSERT INTO workflow_attachments (event_id, sha256, name, content_type, size, uploaded_by, uploaded_at)
      VALUES (@event_id, @sha256, @name, @content_type, @size, @uploaded_by, @uploaded_at)
      ON CONFLICT (event_id, sha256) DO NOTHING`);
    const attachmentColumns = 'event_id, sha256, name, content_type, size, uploaded_by, uploaded_at';
    this.attachmentStmt = db.prepare(`SELECT ${attachmentColumns} FROM workflow_attachments WHERE event_id = ? AND sha256 = ?`);
    this.attachmentsStmt = db.prepare(`SELECT ${attachmentColumns} FROM workflow_attachments WHERE event_id = ? ORDER BY id`);
    this.dueStmt = db.prepare(`
      SELECT ${ITEM_COLUMNS} FROM workflow_items
      WHERE next_escalation_at IS NOT NULL AND next_escalation_at <= @now AND state IN ('accepted', 'dispatched')
      ORDER BY next_escalation_at LIMIT @limit`);
  }

  get(eventId: string): WorkflowRecord | undefined {
    const row = this.getStmt.get(eventId);
    return row && toRecord(row);
  }

  /**
   * Creates the item of a stored event (state new, a `discover` entry without a user), idempotently.
   * @returns the new item and its entry, or undefined when the event already has one (or does not exist)
   */
  discover(event: DiscoveredEvent, at: number): { record: WorkflowRecord; entry: TransitionRecord } | undefined {
    return this.db.transaction(() => {
      const row = this.discoverStmt.get({
        event_id: event.eventId,
        camera_id: event.cameraId,
        event_type: event.eventType,
        severity: event.severity,
        at,
      });
      if (!row) return undefined;
      const entry = this.appendTransition({
        eventId: event.eventId,
        action: 'discover',
        from: null,
        to: 'new',
        at,
        user: null,
        note: null,
        detail: null,
        attachments: [],
      });
      return { record: toRecord(row), entry };
    })();
  }

  /** Creates the items of stored events that have none. @returns how many were created */
  backfill(now: number): number {
    return this.db.transaction(() => {
      const created = this.backfillItemsStmt.run({ now }).changes;
      if (created > 0) this.backfillTransitionsStmt.run();
      return created;
    })();
  }

  /**
   * Applies a transition if the item is still in the expected state and version, and appends its
   * timeline entry, atomically.
   * @throws CodedError CONFLICT when someone else changed the item first (nothing is written)
   */
  apply(change: TransitionChange): { record: WorkflowRecord; entry: TransitionRecord } {
    const keys = (Object.keys(change.set) as (keyof ItemChanges)[]).filter((k) => change.set[k] !== undefined).sort();
    const params: Params = {
      event_id: change.eventId,
      expect_state: change.expectState,
      expect_version: change.expectVersion,
      to: change.to,
      at: change.at,
    };
    for (const k of keys) params[k] = sqlValue(change.set[k] ?? null);
    const sql = `
      UPDATE workflow_items SET state = @to, version = version + 1, updated_at = @at
        ${keys.map((k) => `, ${CHANGE_COLUMNS[k]} = @${k}`).join('')}
      WHERE event_id = @event_id AND state = @expect_state AND version = @expect_version
      RETURNING ${ITEM_COLUMNS}`;
    const stmt = this.prepared<[Params], ItemRow>(`apply:${keys.join(',')}`, sql);
    return this.db.transaction(() => {
      const row = stmt.get(params);
      if (!row) {
        const now = this.get(change.eventId);
        throw new CodedError(
          'CONFLICT',
          now
            ? `the item changed meanwhile (now ${now.state}); reload it and try again`
            : `event ${change.eventId} has no workflow item`,
        );
      }
      const entry = this.appendTransition({
        eventId: change.eventId,
        action: change.action,
        from: change.expectState,
        to: change.to,
        at: change.at,
        user: change.user,
        note: change.note,
        detail: change.detail,
        attachments: change.attachments,
      });
      return { record: toRecord(row), entry };
    })();
  }

  /** The timeline of an item, oldest first. */
  timeline(eventId: string): TransitionRecord[] {
    return this.timelineStmt.all(eventId).map(toTransition);
  }

  /** Records a photo uploaded for an event; a repeated upload of the same file keeps the first record. */
  putAttachment(a: AttachmentRecord): AttachmentRecord {
    this.insertAttachmentStmt.run({
      event_id: a.eventId,
      sha256: a.sha256,
      name: a.name,
      content_type: a.contentType,
      size: a.size,
      uploaded_by: a.uploadedBy,
      uploaded_at: a.uploadedAt,
    });
    const stored = this.attachment(a.eventId, a.sha256);
    if (!stored) throw new Error(`attachment ${a.sha256} of ${a.eventId} vanished after saving`);
    return stored;
  }

  attachment(eventId: string, sha256: string): AttachmentRecord | undefined {
    const row = this.attachmentStmt.get(eventId, sha256);
    return row && toAttachment(row);
  }

  /** Every photo uploaded for an event, in upload order. */
  attachments(eventId: string): AttachmentRecord[] {
    return this.attachmentsStmt.all(eventId).map(toAttachment);
  }

  /**
   * Items newest discovery first by (discoveredAt, eventId). Reads one row more than asked to tell
   * whether a next page exists.
   */
  list(f: WorkflowListFilter): { items: WorkflowRecord[]; hasMore: boolean } {
    const where: string[] = [];
    const params: Params = { limit: f.limit + 1 };
    if (f.scopeSiteIds !== null) {
      // Scope follows the camera's directory record, as every other event route does.
      where.push(
        'camera_id IN (SELECT camera_id FROM camera_directory WHERE site_id IN (SELECT value FROM json_each(@scopeSites)))',
      );
      params.scopeSites = JSON.stringify(f.scopeSiteIds);
    }
    if (f.state !== undefined) {
      where.push('state = @state');
      params.state = f.state;
    }
    if (f.siteId !== undefined) {
      where.push('site_id = @siteId');
      params.siteId = f.siteId;
    }
    if (f.orgId !== undefined) {
      where.push('org_id = @orgId');
      params.orgId = f.orgId;
    }
    if (f.overdue !== undefined) {
      where.push(f.overdue ? OVERDUE_SQL : `NOT ${OVERDUE_SQL}`);
      params.now = f.now;
    }
    if (f.escalated !== undefined) where.push(f.escalated ? 'escalation_level > 0' : 'escalation_level = 0');
    if (f.after) {
      where.push('(discovered_at, event_id) < (@afterAt, @afterId)');
      params.afterAt = f.after.startedAt;
      params.afterId = f.after.id;
    }
    const key = `list:${where.join(' AND ')}`;
    const sql = `SELECT ${ITEM_COLUMNS} FROM workflow_items ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY discovered_at DESC, event_id DESC LIMIT @limit`;
    const rows = this.prepared<[Params], ItemRow>(key, sql).all(params);
    return { items: rows.slice(0, f.limit).map(toRecord), hasMore: rows.length > f.limit };
  }

  /** Open items whose next escalation is due, most overdue first. */
  dueForEscalation(now: number, limit: number): WorkflowRecord[] {
    return this.dueStmt.all({ now, limit }).map(toRecord);
  }

  private appendTransition(t: {
    eventId: string;
    action: WorkflowAction;
    from: WorkflowState | null;
    to: WorkflowState;
    at: number;
    user: TransitionUser | null;
    note: string | null;
    detail: Record<string, unknown> | null;
    attachments: readonly string[];
  }): TransitionRecord {
    const params: Params = {
      event_id: t.eventId,
      action: t.action,
      from_state: t.from,
      to_state: t.to,
      at: t.at,
      user_id: t.user?.id ?? null,
      username: t.user?.username ?? null,
      role: t.user?.role ?? null,
      note: t.note,
      detail_json: t.detail === null ? null : JSON.stringify(t.detail),
      attachments_json: t.attachments.length === 0 ? null : JSON.stringify(t.attachments),
    };
    const id = Number(this.insertTransitionStmt.run(params).lastInsertRowid);
    return {
      id,
      eventId: t.eventId,
      action: t.action,
      fromState: t.from,
      toState: t.to,
      at: t.at,
      user: t.user,
      note: t.note,
      detail: t.detail,
      attachments: [...t.attachments],
    };
  }

  private prepared<P extends unknown[], R>(key: string, sql: string): Statement<P, R> {
    let stmt = this.cache.get(key);
    if (!stmt) {
      stmt = this.db.prepare(sql);
      this.cache.set(key, stmt);
    }
    return stmt as Statement<P, R>;
  }
}
