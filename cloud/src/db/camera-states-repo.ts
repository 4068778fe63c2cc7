import type { Database, Statement } from 'better-sqlite3';
import type { CameraAnalysis, QualityIssueKind } from '../../../protocol/index.js';
import type { CameraHealth } from '../health/camera-health.js';

/** One history entry: `health` held from `at` until the camera's next entry. */
export interface CameraStateRecord {
  cameraId: string;
  at: number;
  health: CameraHealth;
}

interface StateRow {
  camera_id: string;
  at: number;
  state: string;
  reason: string | null;
  quality: string;
  analysis_enabled: number | null;
  analysis_running: number | null;
}

interface StateParams extends StateRow {
  recorded_at: number;
}

const COLUMNS = 'camera_id, at, state, reason, quality, analysis_enabled, analysis_running';
/** The same columns where camera_states is joined to cameras (which has a `state` of its own). */
const S_COLUMNS = COLUMNS.split(', ')
  .map((c) => `s.${c}`)
  .join(', ');

function toRecord(row: StateRow): CameraStateRecord {
  const analysis: CameraAnalysis | null =
    row.analysis_enabled === null || row.analysis_running === null
      ? null
      : { enabled: row.analysis_enabled === 1, running: row.analysis_running === 1 };
  return {
    cameraId: row.camera_id,
    at: row.at,
    health: {
      // Written only from CameraHealth values, so the narrowing holds.
      state: row.state as CameraHealth['state'],
      reason: row.reason,
      quality: row.quality === '' ? [] : (row.quality.split(',') as QualityIssueKind[]),
      analysis,
    },
  };
}

const flag = (value: boolean | undefined): number | null => (value === undefined ? null : value ? 1 : 0);

/** Camera health history (`camera_states`): appended on every change, read by time range. */
export class CameraStatesRepository {
  private readonly insertStmt: Statement<[StateParams]>;
  private readonly latestStmt: Statement<[string], StateRow>;
  private readonly latestAllStmt: Statement<[], StateRow>;
  private readonly atStmt: Statement<[{ cameraId: string; at: number }], StateRow>;
  private readonly atAllStmt: Statement<[{ at: number }], StateRow>;
  private readonly rangeStmt: Statement<[{ cameraId: string; from: number; to: number; limit: number }], StateRow>;
  private readonly rangeAllStmt: Statement<[{ from: number; to: number }], StateRow>;

  constructor(db: Database) {
    this.insertStmt = db.prepare(`
      INSERT INTO camera_states (camera_id, at, state, reason, quality, analysis_enabled, analysis_running, recorded_at)
      VALUES (@camera_id, @at, @state, @reason, @quality, @analysis_enabled, @analysis_running, @recorded_at)`);
    const lastOf = (bound: string): string =>
      `SELECT id FROM camera_states WHERE camera_id = c.id ${bound} ORDER BY at DESC, id DESC LIMIT 1`;
    this.latestStmt = db.prepare(
      `SELECT ${COLUMNS} FROM camera_states WHERE camera_id = ? ORDER BY at DESC, id DESC LIMIT 1`,
    );
    // One index seek per camera instead of a scan of the whole history.
    this.latestAllStmt = db.prepare(`SELECT ${S_COLUMNS} FROM cameras c JOIN camera_states s ON s.id = (${lastOf('')})`);
    this.atStmt = db.prepare(
      `SELECT ${COLUMNS} FROM camera_states WHERE camera_id = @cameraId AND at <= @at ORDER BY at DESC, id DESC LIMIT 1`,
    );
    this.atAllStmt = db.prepare(
      `SELECT ${S_COLUMNS} FROM cameras c JOIN camera_states s ON s.id = (${lastOf('AND at <= @at')})`,
    );
    this.rangeStmt = db.prepare(`
      SELECT ${COLUMNS} FROM camera_states WHERE camera_id = @cameraId AND at > @from AND at <= @to
      ORDER BY at, id LIMIT @limit`);
    this.rangeAllStmt = db.prepare(`
      SELECT ${COLUMNS} FROM camera_states WHERE at > @from AND at <= @to ORDER BY camera_id, at, id`);
  }

  /** Appends an entry. Callers keep `at` non-decreasing per camera (see cloudTimeOf). */
  append(cameraId: string, at: number, health: CameraHealth, recordedAt: number): void {
    this.insertStmt.run({
      camera_id: cameraId,
      at,
      state: health.state,
      reason: health.reason,
      quality: health.quality.join(','),
      analysis_enabled: flag(health.analysis?.enabled),
      analysis_running: flag(health.analysis?.running),
      recorded_at: recordedAt,
    });
  }

  /** The camera's newest entry: its health now. */
  latest(cameraId: string): CameraStateRecord | undefined {
    const row = this.latestStmt.get(cameraId);
    return row && toRecord(row);
  }

  /** Every camera's newest entry, by camera id. */
  latestAll(): Map<string, CameraStateRecord> {
    return new Map(this.latestAllStmt.all().map((row) => [row.camera_id, toRecord(row)]));
  }

  /**
   * A camera's entries over `(from, to]`, oldest first, preceded by the one in effect at `from`.
   * @returns at most `limit` entries, and whether more were left out
   */
  range(cameraId: string, from: number, to: number, limit: number): { items: CameraStateRecord[]; truncated: boolean } {
    const before = this.atStmt.get({ cameraId, at: from });
    const rows = [...(before ? [before] : []), ...this.rangeStmt.all({ cameraId, from, to, limit: limit + 1 })];
    // One row beyond the limit was read only to learn whether the answer is complete.
    return { items: rows.slice(0, limit).map(toRecord), truncated: rows.length > limit };
  }

  /**
   * Every camera's history over `(from, to]`, each preceded by its entry in effect at `from`: what a
   * time-weighted KPI over the window needs.
   */
  window(from: number, to: number): Map<string, CameraStateRecord[]> {
    const out = new Map<string, CameraStateRecord[]>();
    for (const row of this.atAllStmt.all({ at: from })) out.set(row.camera_id, [toRecord(row)]);
    for (const row of this.rangeAllStmt.all({ from, to })) {
      const list = out.get(row.camera_id);
      if (list) list.push(toRecord(row));
      else out.set(row.camera_id, [toRecord(row)]);
    }
    return out;
  }
}
