import type { Database, Statement } from 'better-sqlite3';
import type { CameraRuleSet } from '../../../protocol/index.js';

/** One camera's row of `camera_rules`, decoded. */
export interface CameraRulesRecord {
  cameraId: string;
  /** The desired cloud revision; null while none was saved. */
  revision: number | null;
  rules: CameraRuleSet | null;
  updatedAt: number | null;
  updatedBy: string | null;
  /** The cloud revision the edge runs; null = its config-file rules. */
  appliedRevision: number | null;
  appliedAt: number | null;
  applyError: string | null;
  reported: CameraRuleSet | null;
  classes: string[] | null;
  reportedAt: number | null;
}

interface Row {
  camera_id: string;
  revision: number | null;
  rules_json: string | null;
  updated_at: number | null;
  updated_by_name: string | null;
  applied_revision: number | null;
  applied_at: number | null;
  apply_error: string | null;
  reported_json: string | null;
  classes_json: string | null;
  reported_at: number | null;
}

const parse = <T>(json: string | null): T | null => (json === null ? null : (JSON.parse(json) as T));

function toRecord(row: Row): CameraRulesRecord {
  return {
    cameraId: row.camera_id,
    revision: row.revision,
    rules: parse<CameraRuleSet>(row.rules_json),
    updatedAt: row.updated_at,
    updatedBy: row.updated_by_name,
    appliedRevision: row.applied_revision,
    appliedAt: row.applied_at,
    applyError: row.apply_error,
    reported: parse<CameraRuleSet>(row.reported_json),
    classes: parse<string[]>(row.classes_json),
    reportedAt: row.reported_at,
  };
}

/** `camera_rules`: the desired rule set per camera, what its edge runs, and what the edge reported. */
export class CameraRulesRepository {
  private readonly getStmt: Statement<[string], Row>;
  private readonly desiredStmt: Statement<[{ id: string; revision: number; rules: string; by: number | null; at: number }]>;
  private readonly appliedStmt: Statement<[{ id: string; revision: number | null; at: number }]>;
  private readonly errorStmt: Statement<[{ id: string; error: string }]>;
  private readonly reportStmt: Statement<[{ id: string; revision: number | null; rules: string; classes: string; at: number }]>;

  constructor(db: Database) {
    this.getStmt = db.prepare(`
      SELECT r.camera_id, r.revision, r.rules_json, r.updated_at, u.username AS updated_by_name, r.applied_revision,
        r.applied_at, r.apply_error, r.reported_json, r.classes_json, r.reported_at
      FROM camera_rules r LEFT JOIN users u ON u.id = r.updated_by WHERE r.camera_id = ?`);
    // A new desired revision clears the previous one's refusal: it has not been tried yet.
    this.desiredStmt = db.prepare(`
      INSERT INTO camera_rules (camera_id, revision, rules_json, updated_by, updated_at)
      VALUES (@id, @revision, @rules, @by, @at)
      ON CONFLICT (camera_id) DO UPDATE SET revision = excluded.revision, rules_json = excluded.rules_json,
        updated_by = excluded.updated_by, updated_at = excluded.updated_at, apply_error = NULL`);
    this.appliedStmt = db.prepare(`
      INSERT INTO camera_rules (camera_id, applied_revision, applied_at) VALUES (@id, @revision, @at)
      ON CONFLICT (camera_id) DO UPDATE SET applied_revision = excluded.applied_revision, applied_at = excluded.applied_at, apply_error = NULL`);
    this.errorStmt = db.prepare('UPDATE camera_rules SET apply_error = @error WHERE camera_id = @id');
    // The applied time moves only when the reported revision differs from the one recorded.
    this.reportStmt = db.prepare(`
      INSERT INTO camera_rules (camera_id, applied_revision, applied_at, reported_json, classes_json, reported_at)
      VALUES (@id, @revision, @at, @rules, @classes, @at)
      ON CONFLICT (camera_id) DO UPDATE SET
        applied_at = CASE WHEN camera_rules.applied_revision IS excluded.applied_revision THEN camera_rules.applied_at ELSE excluded.applied_at END,
        applied_revision = excluded.applied_revision,
        reported_json = excluded.reported_json, classes_json = excluded.classes_json, reported_at = excluded.reported_at`);
  }

  get(cameraId: string): CameraRulesRecord | undefined {
    const row = this.getStmt.get(cameraId);
    return row && toRecord(row);
  }

  /** The revision a new save gets: above every revision the cloud saved or the edge reported running. */
  nextRevision(cameraId: string): number {
    const r = this.get(cameraId);
    return Math.max(r?.revision ?? 0, r?.appliedRevision ?? 0) + 1;
  }

  /** Stores a new desired rule set (call inside a transaction with what goes with it). */
  saveDesired(cameraId: string, revision: number, rules: CameraRuleSet, userId: number | null, at: number): void {
    this.desiredStmt.run({ id: cameraId, revision, rules: JSON.stringify(rules), by: userId, at });
  }

  /** Records that the edge runs `revision` now and clears any refusal. */
  markApplied(cameraId: string, revision: number | null, at: number): void {
    this.appliedStmt.run({ id: cameraId, revision, at });
  }

  /** Records why the edge refused the desired revision. */
  markError(cameraId: string, error: string): void {
    this.errorStmt.run({ id: cameraId, error });
  }

  /** Stores what the edge reported running on the camera. */
  saveReport(cameraId: string, revision: number | null, rules: CameraRuleSet, classes: readonly string[], at: number): void {
    this.reportStmt.run({ id: cameraId, revision, rules: JSON.stringify(rules), classes: JSON.stringify(classes), at });
  }
}
