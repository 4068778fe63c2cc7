import type { Database, Statement } from 'better-sqlite3';

/** A live-view connection as recorded in `live_views` (migration 3). */
export interface LiveViewRecord {
  readonly id: number;
  readonly cameraId: string;
  readonly userId: number | null;
  readonly username: string | null;
  readonly viewId: string;
  readonly sessionId: string;
  readonly protocol: string;
  readonly clientIp: string;
  readonly startedAt: number;
  readonly endedAt: number | null;
  readonly durationMs: number | null;
  readonly bytesOut: number | null;
  /** `closed` (the viewer left), `media-restart`, `shutdown`, or `cloud-restart` (found open at start). */
  readonly endReason: string | null;
}

/** What is known when a view starts. */
export interface LiveViewStart {
  readonly cameraId: string;
  readonly userId: number;
  readonly username: string | null;
  readonly viewId: string;
  readonly sessionId: string;
  readonly protocol: string;
  readonly clientIp: string;
  readonly startedAt: number;
}

interface Row {
  id: number;
  camera_id: string;
  user_id: number | null;
  username: string | null;
  view_id: string;
  session_id: string;
  protocol: string;
  client_ip: string;
  started_at: number;
  ended_at: number | null;
  duration_ms: number | null;
  bytes_out: number | null;
  end_reason: string | null;
}

function toRecord(r: Row): LiveViewRecord {
  return {
    id: r.id,
    cameraId: r.camera_id,
    userId: r.user_id,
    username: r.username,
    viewId: r.view_id,
    sessionId: r.session_id,
    protocol: r.protocol,
    clientIp: r.client_ip,
    startedAt: r.started_at,
    endedAt: r.ended_at,
    durationMs: r.duration_ms,
    bytesOut: r.bytes_out,
    endReason: r.end_reason,
  };
}

/** The live-view audit trail: who watched which camera, from when to when. */
export class LiveViewsRepository {
  private readonly insertStmt: Statement<[LiveViewStart]>;
  private readonly endStmt: Statement<[{ id: number; at: number; reason: string; bytes: number | null }]>;
  private readonly endOpenStmt: Statement<[{ at: number; reason: string }]>;
  private readonly listStmt: Statement<[string, number], Row>;

  constructor(db: Database) {
    this.insertStmt = db.prepare(`
      INSERT INTO live_views (camera_id, user_id, username, view_id, session_id, protocol, client_ip, started_at)
      VALUES (@cameraId, @userId, @username, @viewId, @sessionId, @protocol, @clientIp, @startedAt)`);
    this.endStmt = db.prepare(`
      UPDATE live_views SET ended_at = @at, duration_ms = MAX(0, @at - started_at), end_reason = @reason, bytes_out = @bytes
      WHERE id = @id AND ended_at IS NULL`);
    this.endOpenStmt = db.prepare(`
      UPDATE live_views SET ended_at = @at, duration_ms = MAX(0, @at - started_at), end_reason = @reason
      WHERE ended_at IS NULL`);
    this.listStmt = db.prepare(`
      SELECT id, camera_id, user_id, username, view_id, session_id, protocol, client_ip, started_at, ended_at,
             duration_ms, bytes_out, end_reason
      FROM live_views WHERE camera_id = ? ORDER BY started_at DESC, id DESC LIMIT ?`);
  }

  /** @returns the new row's id */
  start(view: LiveViewStart): number {
    return Number(this.insertStmt.run(view).lastInsertRowid);
  }

  /** Closes a view; a second call for the same view changes nothing. */
  end(id: number, at: number, reason: string, bytesOut: number | null): void {
    this.endStmt.run({ id, at, reason, bytes: bytesOut });
  }

  /**
   * Closes every view still open, e.g. at start after a crash (the end time is then only an upper bound).
   * @returns how many were closed
   */
  endAllOpen(at: number, reason: string): number {
    return this.endOpenStmt.run({ at, reason }).changes;
  }

  /** The newest views of a camera. */
  listByCamera(cameraId: string, limit = 100): LiveViewRecord[] {
    return this.listStmt.all(cameraId, limit).map(toRecord);
  }
}
