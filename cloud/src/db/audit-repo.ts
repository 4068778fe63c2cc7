import type { Database, Statement } from 'better-sqlite3';
import type { AuditItem } from '../../../protocol/index.js';

/** One record to append. */
export interface AuditEntry {
  at: number;
  userId: number | null;
  username: string | null;
  role: string | null;
  /** Dotted verb, e.g. `auth.login`, `live.start`, `evidence.download`, `user.update`. */
  action: string;
  targetKind: string | null;
  targetId: string | null;
  outcome: 'ok' | 'denied' | 'failed';
  clientIp: string | null;
  detail: Record<string, unknown> | null;
}

/** Filter of {@link AuditRepository.query}; records come newest first. */
export interface AuditFilter {
  from?: number | undefined;
  to?: number | undefined;
  userId?: number | undefined;
  action?: string | undefined;
  targetKind?: string | undefined;
  targetId?: string | undefined;
  before?: number | undefined;
  limit: number;
}

interface AuditRow {
  id: number;
  at: number;
  user_id: number | null;
  username: string | null;
  role: string | null;
  action: string;
  target_kind: string | null;
  target_id: string | null;
  outcome: string;
  client_ip: string | null;
  detail_json: string | null;
}

function toItem(row: AuditRow): AuditItem {
  return {
    id: row.id,
    at: row.at,
    userId: row.user_id,
    username: row.username,
    role: row.role,
    action: row.action,
    targetKind: row.target_kind,
    targetId: row.target_id,
    // The column's CHECK admits only these.
    outcome: row.outcome as AuditItem['outcome'],
    clientIp: row.client_ip,
    detail: row.detail_json === null ? null : (JSON.parse(row.detail_json) as Record<string, unknown>),
  };
}

/** The append-only audit log (triggers refuse UPDATE and DELETE). */
export class AuditRepository {
  private readonly insertStmt: Statement<[Record<string, unknown>]>;
  private readonly queryStmt: Statement<[Record<string, unknown>], AuditRow>;

  constructor(db: Database) {
    this.insertStmt = db.prepare(`
      INSERT INTO audit_log (at, user_id, username, role, action, target_kind, target_id, outcome, client_ip, detail_json)
      VALUES (@at, @userId, @username, @role, @action, @targetKind, @targetId, @outcome, @clientIp, @detailJson)`);
    // Optional filters as "(@x IS NULL OR col = @x)": one statement, and the (at, id) index walks newest first.
    this.queryStmt = db.prepare(`
      SELECT * FROM audit_log
      WHERE (@from IS NULL OR at >= @from) AND (@to IS NULL OR at < @to)
        AND (@userId IS NULL OR user_id = @userId) AND (@action IS NULL OR action = @action)
        AND (@targetKind IS NULL OR target_kind = @targetKind) AND (@targetId IS NULL OR target_id = @targetId)
        AND (@before IS NULL OR id < @before)
      ORDER BY id DESC LIMIT @limit`);
  }

  append(entry: AuditEntry): number {
    const { detail, ...rest } = entry;
    return Number(this.insertStmt.run({ ...rest, detailJson: detail === null ? null : JSON.stringify(detail) }).lastInsertRowid);
  }

  query(filter: AuditFilter): AuditItem[] {
    return this.queryStmt
      .all({
        from: filter.from ?? null,
        to: filter.to ?? null,
        userId: filter.userId ?? null,
        action: filter.action ?? null,
        targetKind: filter.targetKind ?? null,
        targetId: filter.targetId ?? null,
        before: filter.before ?? null,
        limit: filter.limit,
      })
      .map(toItem);
  }
}
