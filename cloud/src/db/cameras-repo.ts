import type { Database, Statement } from 'better-sqlite3';
import type { CameraInfo, CameraItem, CameraStatus } from '../../../protocol/index.js';

interface CameraRow {
  id: string;
  edge_id: string;
  name: string;
  rules_json: string;
  state: string;
  state_since: number | null;
  last_seen_at: number | null;
}

/** A camera row with what health and KPI code need beyond the listing. */
export interface CameraRecord {
  item: CameraItem;
  reason: string | null;
  createdAt: number;
}

interface CameraRecordRow extends CameraRow {
  state_reason: string | null;
  created_at: number;
}

const COLUMNS = 'id, edge_id, name, rules_json, state, state_since, last_seen_at';

function toItem(row: CameraRow): CameraItem {
  return {
    id: row.id,
    edgeId: row.edge_id,
    name: row.name,
    rules: JSON.parse(row.rules_json) as string[],
    // Only values from the CameraState schema (or the initial 'unknown') are ever written.
    state: row.state as CameraItem['state'],
    stateSince: row.state_since,
    lastSeenAt: row.last_seen_at,
  };
}

function toRecord(row: CameraRecordRow): CameraRecord {
  return { item: toItem(row), reason: row.state_reason, createdAt: row.created_at };
}

/** What storing one status changed. */
export interface StatusApplied {
  /** The state or its start time changed (what viewers care about). */
  stateChanged: boolean;
  /** The camera's rule ids from its edge's hello. */
  rules: string[];
}

/** Cameras as declared by their edge's hello and kept current by heartbeats. */
export class CamerasRepository {
  private readonly getStmt: Statement<[string], CameraRow>;
  private readonly recordStmt: Statement<[string], CameraRecordRow>;
  private readonly recordsStmt: Statement<[], CameraRecordRow>;
  private readonly listStmt: Statement<[], CameraRow>;
  private readonly listByEdgeStmt: Statement<[string], CameraRow>;
  private readonly upsertStmt: Statement<[{ id: string; edgeId: string; name: string; rules: string; now: number }]>;
  private readonly statusStmt: Statement<
    [
      {
        id: string;
        edgeId: string;
        state: string;
        since: number;
        reason: string | null;
        status: string;
        seenAt: number;
        staleAfter: number;
      },
    ]
  >;
  private readonly edgeOfflineStmt: Statement<[{ edgeId: string; at: number; reason: string }], { id: string }>;
  private readonly offlineStmt: Statement<[{ id: string; at: number; reason: string }]>;
  private readonly staleStmt: Statement<[number], string>;
  private readonly ruleIdsStmt: Statement<[{ id: string; rules: string; now: number }]>;

  constructor(db: Database) {
    this.getStmt = db.prepare(`SELECT ${COLUMNS} FROM cameras WHERE id = ?`);
    this.recordStmt = db.prepare(`SELECT ${COLUMNS}, state_reason, created_at FROM cameras WHERE id = ?`);
    this.recordsStmt = db.prepare(`SELECT ${COLUMNS}, state_reason, created_at FROM cameras ORDER BY id`);
    this.listStmt = db.prepare(`SELECT ${COLUMNS} FROM cameras ORDER BY id`);
    this.listByEdgeStmt = db.prepare(`SELECT ${COLUMNS} FROM cameras WHERE edge_id = ? ORDER BY id`);
    // The WHERE on the update keeps a camera with its owner even if a caller skipped the ownership check.
    this.upsertStmt = db.prepare(`
      INSERT INTO cameras (id, edge_id, name, rules_json, created_at, updated_at)
      VALUES (@id, @edgeId, @name, @rules, @now, @now)
      ON CONFLICT (id) DO UPDATE SET name = excluded.name, rules_json = excluded.rules_json, updated_at = excluded.updated_at
      WHERE cameras.edge_id = excluded.edge_id AND (cameras.name IS NOT excluded.name OR cameras.rules_json IS NOT excluded.rules_json)`);
    this.statusStmt = db.prepare(`
      UPDATE cameras SET state = @state, state_since = @since, state_reason = @reason, status_json = @status,
        last_seen_at = @seenAt, updated_at = @seenAt, stale_after = @staleAfter
      WHERE id = @id AND edge_id = @edgeId`);
    this.edgeOfflineStmt = db.prepare(`
      UPDATE cameras SET state = 'offline', state_since = @at, state_reason = @reason, updated_at = @at, stale_after = NULL
      WHERE edge_id = @edgeId AND state NOT IN ('offline', 'unknown')
      RETURNING id`);
    this.offlineStmt = db.prepare(`
      UPDATE cameras SET state = 'offline', state_since = @at, state_reason = @reason, updated_at = @at, stale_after = NULL
      WHERE id = @id AND state NOT IN ('offline', 'unknown')`);
    this.ruleIdsStmt = db.prepare('UPDATE cameras SET rules_json = @rules, updated_at = @now WHERE id = @id AND rules_json IS NOT @rules');
    this.staleStmt = db
      .prepare<[number], string>(`SELECT id FROM cameras WHERE stale_after < ? AND state NOT IN ('offline', 'unknown') ORDER BY id`)
      .pluck();
  }

  get(id: string): CameraItem | undefined {
    const row = this.getStmt.get(id);
    return row && toItem(row);
  }

  /** A camera with its state reason and creation time. */
  record(id: string): CameraRecord | undefined {
    const row = this.recordStmt.get(id);
    return row && toRecord(row);
  }

  /** Every camera with its state reason and creation time, by id. */
  records(): CameraRecord[] {
    return this.recordsStmt.all().map(toRecord);
  }

  /** The edge owning a camera id, if the camera is known. */
  ownerOf(id: string): string | undefined {
    return this.getStmt.get(id)?.edge_id;
  }

  list(): CameraItem[] {
    return this.listStmt.all().map(toItem);
  }

  listByEdge(edgeId: string): CameraItem[] {
    return this.listByEdgeStmt.all(edgeId).map(toItem);
  }

  /**
   * Creates or renames a camera of `edgeId`. Call inside a transaction after checking ownership.
   * @returns true when a row was created or changed
   */
  upsert(edgeId: string, camera: CameraInfo, now: number): boolean {
    const row = { id: camera.id, edgeId, name: camera.name, rules: JSON.stringify(camera.rules), now };
    return this.upsertStmt.run(row).changes > 0;
  }

  /**
   * Sets the rule ids a camera runs (its edge applied rules edited in the cloud).
   * @returns true when they changed
   */
  setRuleIds(id: string, ruleIds: readonly string[], now: number): boolean {
    return this.ruleIdsStmt.run({ id, rules: JSON.stringify(ruleIds), now }).changes > 0;
  }

  /**
   * Stores the latest status of a camera of `edgeId`.
   * @param staleAfter when the camera counts as offline unless another heartbeat reports it
   * @returns what changed, or undefined when the camera is not the edge's
   */
  applyStatus(edgeId: string, status: CameraStatus, seenAt: number, staleAfter: number): StatusApplied | undefined {
    const before = this.getStmt.get(status.cameraId);
    if (!before || before.edge_id !== edgeId) return undefined;
    this.statusStmt.run({
      id: status.cameraId,
      edgeId,
      state: status.state,
      since: status.since,
      reason: status.reason ?? null,
      status: JSON.stringify(status),
      seenAt,
      staleAfter,
    });
    return {
      stateChanged: before.state !== status.state || before.state_since !== status.since,
      rules: JSON.parse(before.rules_json) as string[],
    };
  }

  /**
   * Marks every camera of an edge offline (the edge went away, so nobody reports their state).
   * @returns the ids of the cameras whose state changed
   */
  markEdgeOffline(edgeId: string, at: number, reason: string): string[] {
    return this.edgeOfflineStmt.all({ edgeId, at, reason }).map((r) => r.id);
  }

  /** Marks one camera offline. @returns false when it already was (or was never reported) */
  markOffline(id: string, at: number, reason: string): boolean {
    return this.offlineStmt.run({ id, at, reason }).changes > 0;
  }

  /** Cameras not yet offline whose last report is older than allowed at `now`. */
  stale(now: number): string[] {
    return this.staleStmt.all(now);
  }
}
