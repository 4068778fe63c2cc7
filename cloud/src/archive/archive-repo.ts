import type { Database, Statement } from 'better-sqlite3';
import type { ClipRef, ExportState, RecordingGap, RecordingRequestState } from '../../../protocol/index.js';

/** A stored recording request. */
export interface RecordingRequestRecord {
  id: string;
  cameraId: string;
  edgeId: string;
  userId: number;
  from: number;
  to: number;
  state: RecordingRequestState;
  gaps: RecordingGap[];
  startAt: number | null;
  endAt: number | null;
  segments: number | null;
  size: number | null;
  sha256: string | null;
  error: string | null;
  createdAt: number;
  expiresAt: number;
}

/** A stored export. */
export interface ExportRecord {
  id: string;
  userId: number;
  eventIds: string[];
  cameraId: string | null;
  from: number | null;
  to: number | null;
  state: ExportState;
  filesDone: number;
  filesTotal: number;
  bytes: number;
  sha256: string | null;
  error: string | null;
  createdAt: number;
  expiresAt: number;
}

/** One step of an event's workflow timeline, as an export's event JSON carries it. */
export interface TimelineEntry {
  action: string;
  fromState: string | null;
  toState: string;
  at: number;
  username: string | null;
  role: string | null;
  note: string | null;
  detail: unknown;
}

interface RequestRow {
  id: string;
  camera_id: string;
  edge_id: string;
  user_id: number;
  from_at: number;
  to_at: number;
  state: string;
  gaps_json: string;
  start_at: number | null;
  end_at: number | null;
  segments: number | null;
  size: number | null;
  sha256: string | null;
  error: string | null;
  created_at: number;
  expires_at: number;
}

interface ExportRow {
  id: string;
  user_id: number;
  event_ids: string;
  camera_id: string | null;
  from_at: number | null;
  to_at: number | null;
  state: string;
  files_done: number;
  files_total: number;
  bytes: number;
  sha256: string | null;
  error: string | null;
  created_at: number;
  expires_at: number;
}

const toRequest = (r: RequestRow): RecordingRequestRecord => ({
  id: r.id,
  cameraId: r.camera_id,
  edgeId: r.edge_id,
  userId: r.user_id,
  from: r.from_at,
  to: r.to_at,
  // Only values of the CHECK constraint are ever written.
  state: r.state as RecordingRequestState,
  gaps: JSON.parse(r.gaps_json) as RecordingGap[],
  startAt: r.start_at,
  endAt: r.end_at,
  segments: r.segments,
  size: r.size,
  sha256: r.sha256,
  error: r.error,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
});

const toExport = (r: ExportRow): ExportRecord => ({
  id: r.id,
  userId: r.user_id,
  eventIds: JSON.parse(r.event_ids) as string[],
  cameraId: r.camera_id,
  from: r.from_at,
  to: r.to_at,
  state: r.state as ExportState,
  filesDone: r.files_done,
  filesTotal: r.files_total,
  bytes: r.bytes,
  sha256: r.sha256,
  error: r.error,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
});

/** Recording requests and exports (migration 6), plus the event facts exports read. */
export class ArchiveRepository {
  private readonly insertRequestStmt: Statement<[RequestRow]>;
  private readonly getRequestStmt: Statement<[string], RequestRow>;
  private readonly uploadedStmt: Statement<[{ id: string; size: number; sha256: string; now: number }]>;
  private readonly settleRequestStmt: Statement<[Record<string, string | number | null>]>;
  private readonly insertExportStmt: Statement<[ExportRow & { updated_at: number }]>;
  private readonly getExportStmt: Statement<[string], ExportRow>;
  private readonly exportProgressStmt: Statement<[{ id: string; done: number; total: number; bytes: number; now: number }]>;
  private readonly settleExportStmt: Statement<[Record<string, string | number | null>]>;
  private readonly interruptedRequestsStmt: Statement<[{ now: number }]>;
  private readonly interruptedExportsStmt: Statement<[{ now: number }]>;
  private readonly expiredRequestsStmt: Statement<[number], { id: string }>;
  private readonly expiredExportsStmt: Statement<[number], { id: string }>;
  private readonly expireRequestStmt: Statement<[number, string]>;
  private readonly expireExportStmt: Statement<[number, string]>;
  private readonly evidenceOfEventStmt: Statement<[string], { snapshot_sha256: string | null; clip_json: string | null }>;
  private readonly timelineStmt: Statement<[string], { action: string; from_state: string | null; to_state: string; at: number; username: string | null; role: string | null; note: string | null; detail_json: string | null }>;
  private readonly workflowStateStmt: Statement<[string], { state: string }>;

  constructor(db: Database) {
    this.insertRequestStmt = db.prepare(`
      INSERT INTO recording_requests (id, camera_id, edge_id, user_id, from_at, to_at, state, gaps_json, start_at, end_at,
        segments, size, sha256, error, created_at, updated_at, expires_at)
      VALUES (@id, @camera_id, @edge_id, @user_id, @from_at, @to_at, @state, @gaps_json, @start_at, @end_at,
        @segments, @size, @sha256, @error, @created_at, @created_at, @expires_at)`);
    this.getRequestStmt = db.prepare('SELECT * FROM recording_requests WHERE id = ?');
    this.uploadedStmt = db.prepare(
      "UPDATE recording_requests SET size = @size, sha256 = @sha256, updated_at = @now WHERE id = @id AND state = 'pending'",
    );
    this.settleRequestStmt = db.prepare(`
      UPDATE recording_requests SET state = @state, gaps_json = @gaps_json, start_at = @start_at, end_at = @end_at,
        segments = @segments, error = @error, updated_at = @now
      WHERE id = @id AND state = 'pending'`);
    this.insertExportStmt = db.prepare(`
      INSERT INTO evidence_exports (id, user_id, event_ids, camera_id, from_at, to_at, state, files_done, files_total, bytes,
        sha256, error, created_at, updated_at, expires_at)
      VALUES (@id, @user_id, @event_ids, @camera_id, @from_at, @to_at, @state, @files_done, @files_total, @bytes,
        @sha256, @error, @created_at, @updated_at, @expires_at)`);
    this.getExportStmt = db.prepare('SELECT * FROM evidence_exports WHERE id = ?');
    this.exportProgressStmt = db.prepare(
      "UPDATE evidence_exports SET files_done = @done, files_total = @total, bytes = @bytes, updated_at = @now WHERE id = @id AND state = 'building'",
    );
    this.settleExportStmt = db.prepare(`
      UPDATE evidence_exports SET state = @state, sha256 = @sha256, bytes = COALESCE(@bytes, bytes), error = @error, updated_at = @now
      WHERE id = @id AND state = 'building'`);
    this.interruptedRequestsStmt = db.prepare(
      "UPDATE recording_requests SET state = 'failed', error = 'interrupted by a restart of the cloud', updated_at = @now WHERE state = 'pending'",
    );
    this.interruptedExportsStmt = db.prepare(
      "UPDATE evidence_exports SET state = 'failed', error = 'interrupted by a restart of the cloud', updated_at = @now WHERE state = 'building'",
    );
    this.expiredRequestsStmt = db.prepare("SELECT id FROM recording_requests WHERE expires_at <= ? AND state <> 'expired'");
    this.expiredExportsStmt = db.prepare("SELECT id FROM evidence_exports WHERE expires_at <= ? AND state <> 'expired'");
    this.expireRequestStmt = db.prepare("UPDATE recording_requests SET state = 'expired', updated_at = ? WHERE id = ?");
    this.expireExportStmt = db.prepare("UPDATE evidence_exports SET state = 'expired', updated_at = ? WHERE id = ?");
    this.evidenceOfEventStmt = db.prepare('SELECT snapshot_sha256, clip_json FROM events WHERE id = ?');
    this.timelineStmt = db.prepare(
      'SELECT action, from_state, to_state, at, username, role, note, detail_json FROM workflow_transitions WHERE event_id = ? ORDER BY id',
    );
    this.workflowStateStmt = db.prepare('SELECT state FROM workflow_items WHERE event_id = ?');
  }

  insertRequest(r: Omit<RecordingRequestRecord, 'state' | 'gaps' | 'startAt' | 'endAt' | 'segments' | 'size' | 'sha256' | 'error'>): void {
    this.insertRequestStmt.run({
      id: r.id,
      camera_id: r.cameraId,
      edge_id: r.edgeId,
      user_id: r.userId,
      from_at: r.from,
      to_at: r.to,
      state: 'pending',
      gaps_json: '[]',
      start_at: null,
      end_at: null,
      segments: null,
      size: null,
      sha256: null,
      error: null,
      created_at: r.createdAt,
      expires_at: r.expiresAt,
    });
  }

  getRequest(id: string): RecordingRequestRecord | undefined {
    const row = this.getRequestStmt.get(id);
    return row && toRequest(row);
  }

  /** Records the file an edge uploaded for a pending request. */
  uploaded(id: string, size: number, sha256: string, now: number): void {
    this.uploadedStmt.run({ id, size, sha256, now });
  }

  /** Ends a pending request. @returns whether it was pending */
  settleRequest(
    id: string,
    outcome: { state: 'ready' | 'failed'; gaps: readonly RecordingGap[]; startAt?: number; endAt?: number; segments?: number; error?: string },
    now: number,
  ): boolean {
    return (
      this.settleRequestStmt.run({
        id,
        state: outcome.state,
        gaps_json: JSON.stringify(outcome.gaps),
        start_at: outcome.startAt ?? null,
        end_at: outcome.endAt ?? null,
        segments: outcome.segments ?? null,
        error: outcome.error ?? null,
        now,
      }).changes === 1
    );
  }

  insertExport(r: Pick<ExportRecord, 'id' | 'userId' | 'eventIds' | 'cameraId' | 'from' | 'to' | 'createdAt' | 'expiresAt'>): void {
    this.insertExportStmt.run({
      id: r.id,
      user_id: r.userId,
      event_ids: JSON.stringify(r.eventIds),
      camera_id: r.cameraId,
      from_at: r.from,
      to_at: r.to,
      state: 'building',
      files_done: 0,
      files_total: 0,
      bytes: 0,
      sha256: null,
      error: null,
      created_at: r.createdAt,
      updated_at: r.createdAt,
      expires_at: r.expiresAt,
    });
  }

  getExport(id: string): ExportRecord | undefined {
    const row = this.getExportStmt.get(id);
    return row && toExport(row);
  }

  exportProgress(id: string, done: number, total: number, bytes: number, now: number): void {
    this.exportProgressStmt.run({ id, done, total, bytes, now });
  }

  settleExport(id: string, outcome: { state: 'ready' | 'failed'; sha256?: string; bytes?: number; error?: string }, now: number): void {
    this.settleExportStmt.run({ id, state: outcome.state, sha256: outcome.sha256 ?? null, bytes: outcome.bytes ?? null, error: outcome.error ?? null, now });
  }

  /** Fails what a previous process left unfinished (its background work died with it). */
  failInterrupted(now: number): { requests: number; exports: number } {
    return { requests: this.interruptedRequestsStmt.run({ now }).changes, exports: this.interruptedExportsStmt.run({ now }).changes };
  }

  expiredRequests(now: number): string[] {
    return this.expiredRequestsStmt.all(now).map((r) => r.id);
  }

  expiredExports(now: number): string[] {
    return this.expiredExportsStmt.all(now).map((r) => r.id);
  }

  expireRequest(id: string, now: number): void {
    this.expireRequestStmt.run(now, id);
  }

  expireExport(id: string, now: number): void {
    this.expireExportStmt.run(now, id);
  }

  /** The evidence an event refers to; undefined when the event does not exist. */
  evidenceOfEvent(eventId: string): { snapshotSha256: string | null; clip: ClipRef | null } | undefined {
    const row = this.evidenceOfEventStmt.get(eventId);
    if (!row) return undefined;
    return { snapshotSha256: row.snapshot_sha256, clip: row.clip_json === null ? null : (JSON.parse(row.clip_json) as ClipRef) };
  }

  /** The event's workflow state and timeline (none for an event without a workflow item). */
  workflowOf(eventId: string): { state: string | null; timeline: TimelineEntry[] } {
    return {
      state: this.workflowStateStmt.get(eventId)?.state ?? null,
      timeline: this.timelineStmt.all(eventId).map((t) => ({
        action: t.action,
        fromState: t.from_state,
        toState: t.to_state,
        at: t.at,
        username: t.username,
        role: t.role,
        note: t.note,
        detail: t.detail_json === null ? null : (JSON.parse(t.detail_json) as unknown),
      })),
    };
  }
}
