import type { Database, Statement } from 'better-sqlite3';
import type { ClipRef, Detection, EventItem, EventMessage, RuleName } from '../../../protocol/index.js';

/** The position of an event in the newest-first order; pages continue strictly after it. */
export interface EventPosition {
  startedAt: number;
  id: string;
}

/** Filters and page bounds of an event listing. */
export interface EventListFilter {
  limit: number;
  after?: EventPosition | undefined;
  cameraId?: string | undefined;
  type?: string | undefined;
  /** Only events that started at or after this time. */
  from?: number | undefined;
  /** Only events that started before this time. */
  to?: number | undefined;
  /** Only events of cameras at these sites (the caller's scope, or one site); undefined: no filter. */
  siteIds?: readonly number[] | undefined;
}

/** What ingest needs to decide whether a message applies. */
export interface StoredEventState {
  seq: number;
  edgeId: string;
  cameraId: string;
}

interface EventRow {
  id: string;
  seq: number;
  edge_id: string;
  camera_id: string;
  rule_id: string;
  type: string;
  severity: number;
  label: string;
  top_score: number;
  phase: string;
  started_at: number;
  updated_at: number;
  ended_at: number | null;
  end_reason: string | null;
  detections_json: string;
  snapshot_sha256: string | null;
  thumbnail_sha256: string | null;
  /** Only in reads that join the workflow item. */
  workflow_state?: string | null;
  clip_json: string | null;
  zone_id: string | null;
  rule_name_json: string | null;
}

/** Optional facts stored so none is lost before the REST view shows them. */
interface EventExtras {
  gb_alarm_json: string | null;
  track_ids_json: string | null;
  attributes_json: string | null;
}

type EventParams = EventRow & EventExtras & { received_at: number };

const json = (value: unknown): string | null => (value === undefined ? null : JSON.stringify(value));

const COLUMNS =
  'id, seq, edge_id, camera_id, rule_id, type, severity, label, top_score, phase, started_at, updated_at, ' +
  'ended_at, end_reason, detections_json, snapshot_sha256, thumbnail_sha256, clip_json, zone_id, rule_name_json';

/** The event's workflow state, read by primary key next to the event (a LEFT JOIN in effect). */
const WORKFLOW_STATE = '(SELECT w.state FROM workflow_items w WHERE w.event_id = events.id) AS workflow_state';

/** The URL viewers fetch an event's snapshot from (with their bearer token). */
export function snapshotUrlFor(eventId: string): string {
  return `/api/events/${eventId}/snapshot`;
}

/** The evidence files of an event, by kind. */
export type EvidenceKind = 'snapshot' | 'thumbnail' | 'clip';

/** The optional parts of a stored event: evidence, zone and rule name. */
type OptionalParts = Pick<EventRow, 'snapshot_sha256' | 'thumbnail_sha256' | 'clip_json' | 'zone_id' | 'rule_name_json'>;

/** What the viewer shows of the optional parts of an event. */
function extras(
  id: string,
  parts: OptionalParts,
): Pick<EventItem, 'snapshotUrl' | 'thumbnailUrl' | 'clipUrl' | 'clip' | 'zoneId' | 'name'> {
  const clip = parts.clip_json === null ? null : (JSON.parse(parts.clip_json) as ClipRef);
  return {
    snapshotUrl: parts.snapshot_sha256 ? snapshotUrlFor(id) : null,
    thumbnailUrl: parts.thumbnail_sha256 ? `/api/events/${id}/thumbnail` : null,
    clipUrl: clip ? `/api/events/${id}/clip` : null,
    clip: clip ? { size: clip.size, startAt: clip.startAt, endAt: clip.endAt } : null,
    zoneId: parts.zone_id,
    name: parts.rule_name_json === null ? null : (JSON.parse(parts.rule_name_json) as RuleName),
  };
}

function toItem(row: EventRow): EventItem {
  return {
    id: row.id,
    edgeId: row.edge_id,
    cameraId: row.camera_id,
    ruleId: row.rule_id,
    type: row.type,
    // Rows are only written from schema-checked EventMessages, so these narrowings hold.
    severity: row.severity as EventItem['severity'],
    label: row.label,
    topScore: row.top_score,
    phase: row.phase as EventItem['phase'],
    startedAt: row.started_at,
    updatedAt: row.updated_at,
    endedAt: row.ended_at,
    endReason: row.end_reason,
    detections: JSON.parse(row.detections_json) as Detection[],
    ...extras(row.id, row),
    // The workflow table admits only WorkflowStates.
    ...(row.workflow_state === undefined ? {} : { workflowState: row.workflow_state as EventItem['workflowState'] }),
  };
}

function toParams(msg: EventMessage, receivedAt: number): EventParams {
  return {
    id: msg.id,
    seq: msg.seq,
    edge_id: msg.edgeId,
    camera_id: msg.cameraId,
    rule_id: msg.ruleId,
    type: msg.type,
    severity: msg.severity,
    label: msg.label,
    top_score: msg.topScore,
    phase: msg.phase,
    started_at: msg.startedAt,
    updated_at: msg.at,
    ended_at: msg.endedAt ?? null,
    end_reason: msg.endReason ?? null,
    detections_json: JSON.stringify(msg.detections),
    snapshot_sha256: msg.snapshot?.sha256 ?? null,
    thumbnail_sha256: msg.thumbnail?.sha256 ?? null,
    clip_json: json(msg.clip),
    zone_id: msg.zoneId ?? null,
    rule_name_json: json(msg.name),
    gb_alarm_json: json(msg.gbAlarm),
    track_ids_json: json(msg.trackIds),
    attributes_json: json(msg.attributes),
    received_at: receivedAt,
  };
}

/** The item viewers get for a message just stored, without reading the row back. */
/** What an update keeps of the stored row: the start, and optional parts a later phase may leave out. */
type KeptParts = Pick<EventRow, 'started_at' | 'snapshot_sha256' | 'thumbnail_sha256' | 'clip_json' | 'zone_id' | 'rule_name_json'>;
const KEPT_COLUMNS = 'started_at, snapshot_sha256, thumbnail_sha256, clip_json, zone_id, rule_name_json';

/**
 * The item viewers get for a message just stored, from the message and the parts kept in the row —
 * without reading back and parsing the row's detections (ingest's hot path).
 */
function itemFromMessage(msg: EventMessage, kept: KeptParts): EventItem {
  return {
    id: msg.id,
    edgeId: msg.edgeId,
    cameraId: msg.cameraId,
    ruleId: msg.ruleId,
    type: msg.type,
    severity: msg.severity,
    label: msg.label,
    topScore: msg.topScore,
    phase: msg.phase,
    startedAt: kept.started_at,
    updatedAt: msg.at,
    endedAt: msg.endedAt ?? null,
    endReason: msg.endReason ?? null,
    detections: msg.detections,
    ...extras(msg.id, kept),
  };
}

/** Optional parts an older message may still contribute to an event stored from a newer one. */
const FILLABLE = ['snapshot_sha256', 'thumbnail_sha256', 'clip_json', 'zone_id', 'rule_name_json', 'gb_alarm_json', 'track_ids_json', 'attributes_json'];

/** Events as last reported by their edge, one row per event id. */
export class EventsRepository {
  private readonly getStmt: Statement<[string], EventRow>;
  private readonly stateStmt: Statement<[string], { seq: number; edge_id: string; camera_id: string }>;
  private readonly insertStmt: Statement<[EventParams]>;
  private readonly updateStmt: Statement<[EventParams], KeptParts>;
  private readonly backfillStmt: Statement<[EventParams], EventRow>;
  /** One prepared statement per filter combination, so each can use its own index. */
  private readonly listStmts = new Map<string, Statement<[Record<string, string | number>], EventRow>>();

  constructor(private readonly db: Database) {
    this.getStmt = db.prepare(`SELECT ${COLUMNS}, ${WORKFLOW_STATE} FROM events WHERE id = ?`);
    this.stateStmt = db.prepare('SELECT seq, edge_id, camera_id FROM events WHERE id = ?');
    // DO NOTHING on a repeated id: the caller then classifies the message (replay, newer, older, foreign).
    this.insertStmt = db.prepare(`
      INSERT INTO events (id, seq, edge_id, camera_id, rule_id, type, severity, label, top_score, phase, started_at,
        updated_at, ended_at, end_reason, detections_json, snapshot_sha256, thumbnail_sha256, clip_json, zone_id,
        rule_name_json, gb_alarm_json, track_ids_json, attributes_json, received_at)
      VALUES (@id, @seq, @edge_id, @camera_id, @rule_id, @type, @severity, @label, @top_score, @phase, @started_at,
        @updated_at, @ended_at, @end_reason, @detections_json, @snapshot_sha256, @thumbnail_sha256, @clip_json, @zone_id,
        @rule_name_json,
        @gb_alarm_json, @track_ids_json, @attributes_json, @received_at)
      ON CONFLICT (id) DO NOTHING`);
    // started_at is the pagination key and never moves; neither does type (an event does not change
    // its kind, and leaving indexed columns out of the SET spares SQLite the index upkeep). Optional
    // parts a message leaves out (a snapshot, a clip announced earlier) keep their last value instead
    // of being erased by a later phase.
    this.updateStmt = db.prepare(`
      UPDATE events SET seq = @seq, rule_id = @rule_id, severity = @severity, label = @label,
        top_score = @top_score, phase = @phase, updated_at = @updated_at, ended_at = @ended_at,
        end_reason = @end_reason, detections_json = @detections_json,
        snapshot_sha256 = COALESCE(@snapshot_sha256, snapshot_sha256),
        thumbnail_sha256 = COALESCE(@thumbnail_sha256, thumbnail_sha256),
        clip_json = COALESCE(@clip_json, clip_json),
        zone_id = COALESCE(@zone_id, zone_id),
        rule_name_json = COALESCE(@rule_name_json, rule_name_json),
        gb_alarm_json = COALESCE(@gb_alarm_json, gb_alarm_json),
        track_ids_json = COALESCE(@track_ids_json, track_ids_json),
        attributes_json = COALESCE(@attributes_json, attributes_json),
        received_at = @received_at
      WHERE id = @id AND edge_id = @edge_id AND camera_id = @camera_id AND seq < @seq
      RETURNING ${KEPT_COLUMNS}`);
    // An older message (a start that arrives after its update) changes nothing the newer one set; it
    // only fills in what is still missing, and the WHERE makes "nothing to fill" no write at all.
    this.backfillStmt = db.prepare(`
      UPDATE events SET ${FILLABLE.map((c) => `${c} = COALESCE(${c}, @${c})`).join(', ')}
      WHERE id = @id AND edge_id = @edge_id AND camera_id = @camera_id AND seq > @seq
        AND (${FILLABLE.map((c) => `(${c} IS NULL AND @${c} IS NOT NULL)`).join(' OR ')})
      RETURNING ${COLUMNS}`);
  }

  get(id: string): EventItem | undefined {
    const row = this.getStmt.get(id);
    return row && toItem(row);
  }

  /** The camera of an event and the SHA-256 of its evidence file of a kind; undefined when no such event. */
  evidenceOf(id: string, kind: EvidenceKind): { cameraId: string; sha256: string | null } | undefined {
    const row = this.getStmt.get(id);
    if (!row) return undefined;
    const sha256 =
      kind === 'snapshot'
        ? row.snapshot_sha256
        : kind === 'thumbnail'
          ? row.thumbnail_sha256
          : row.clip_json === null
            ? null
            : (JSON.parse(row.clip_json) as ClipRef).sha256;
    return { cameraId: row.camera_id, sha256 };
  }

  state(id: string): StoredEventState | undefined {
    const row = this.stateStmt.get(id);
    return row && { seq: row.seq, edgeId: row.edge_id, cameraId: row.camera_id };
  }

  /** Stores the first message of an event. @returns the stored item, or undefined when the id exists */
  insert(msg: EventMessage, receivedAt: number): EventItem | undefined {
    const params = toParams(msg, receivedAt);
    if (this.insertStmt.run(params).changes === 0) return undefined;
    return itemFromMessage(msg, params);
  }

  /**
   * Applies a message with a higher seq than the stored one, of the same edge and camera.
   * @returns the updated item, or undefined when no such row (missing, not newer, or foreign)
   */
  update(msg: EventMessage, receivedAt: number): EventItem | undefined {
    const kept = this.updateStmt.get(toParams(msg, receivedAt));
    return kept && itemFromMessage(msg, kept);
  }

  /**
   * Lets a message older than the stored one fill in optional parts still missing (the snapshot of
   * a start that arrived after its update).
   * @returns the item when something was filled in
   */
  backfill(msg: EventMessage, receivedAt: number): EventItem | undefined {
    const row = this.backfillStmt.get(toParams(msg, receivedAt));
    return row && toItem(row);
  }

  /**
   * Newest first by (startedAt, id). Reads one row more than asked to tell whether a next page exists.
   */
  list(filter: EventListFilter): { items: EventItem[]; hasMore: boolean } {
    const where: string[] = [];
    const params: Record<string, string | number> = { limit: filter.limit + 1 };
    if (filter.siteIds !== undefined) {
      where.push('camera_id IN (SELECT camera_id FROM camera_directory WHERE site_id IN (SELECT value FROM json_each(@siteIds)))');
      params.siteIds = JSON.stringify(filter.siteIds);
    }
    if (filter.from !== undefined) {
      where.push('started_at >= @from');
      params.from = filter.from;
    }
    if (filter.to !== undefined) {
      where.push('started_at < @to');
      params.to = filter.to;
    }
    if (filter.cameraId !== undefined) {
      where.push('camera_id = @cameraId');
      params.cameraId = filter.cameraId;
    }
    if (filter.type !== undefined) {
      where.push('type = @type');
      params.type = filter.type;
    }
    if (filter.after) {
      where.push('(started_at, id) < (@afterStartedAt, @afterId)');
      params.afterStartedAt = filter.after.startedAt;
      params.afterId = filter.after.id;
    }
    const key = where.join(' AND ');
    let stmt = this.listStmts.get(key);
    if (!stmt) {
      stmt = this.db.prepare<[Record<string, string | number>], EventRow>(
        `SELECT ${COLUMNS}, ${WORKFLOW_STATE} FROM events ${key ? `WHERE ${key}` : ''} ORDER BY started_at DESC, id DESC LIMIT @limit`,
      );
      this.listStmts.set(key, stmt);
    }
    const rows = stmt.all(params);
    const hasMore = rows.length > filter.limit;
    return { items: rows.slice(0, filter.limit).map(toItem), hasMore };
  }
}
