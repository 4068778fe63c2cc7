import type { Database, Statement } from 'better-sqlite3';
import type { NoticeItem } from '../../../protocol/index.js';

/** Whose notices to read: a user, its site and the orgs in its scope; null sets: everything. */
export interface NoticeFilter {
  userId: number;
  siteIds: readonly number[] | null;
  orgIds: readonly number[] | null;
  after?: number | undefined;
  before?: number | undefined;
  limit: number;
}

/** A notice to store: exactly one recipient is set. */
export type NoticeDraft = Omit<NoticeItem, 'id'>;

interface NoticeRow {
  id: number;
  at: number;
  kind: string;
  event_id: string;
  to_org_id: number | null;
  to_site_id: number | null;
  to_user_id: number | null;
  message: string;
}

function toNotice(row: NoticeRow): NoticeItem {
  return {
    id: row.id,
    at: row.at,
    // Written only by this repository from NoticeItem kinds.
    kind: row.kind as NoticeItem['kind'],
    eventId: row.event_id,
    toOrgId: row.to_org_id,
    toSiteId: row.to_site_id,
    toUserId: row.to_user_id,
    message: row.message,
  };
}

type Params = Record<string, string | number | null>;

/** Notices of the workflow to orgs, sites and users (双推送, dispatch, escalation, …). */
export class NoticesRepository {
  private readonly insertNoticeStmt: Statement<[Params]>;
  /** One prepared statement per filter combination. */
  private readonly cache = new Map<string, Statement<[Params], NoticeRow>>();

  constructor(private readonly db: Database) {
    this.insertNoticeStmt = db.prepare(`
      INSERT INTO notices (at, kind, event_id, to_org_id, to_site_id, to_user_id, message)
      VALUES (@at, @kind, @event_id, @to_org_id, @to_site_id, @to_user_id, @message)`);
  }

  add(n: NoticeDraft): NoticeItem {
    const id = Number(
      this.insertNoticeStmt.run({
        at: n.at,
        kind: n.kind,
        event_id: n.eventId,
        to_org_id: n.toOrgId,
        to_site_id: n.toSiteId,
        to_user_id: n.toUserId,
        message: n.message,
      }).lastInsertRowid,
    );
    return { id, ...n };
  }

  /**
   * The notices addressed to the user, one of the sites or one of the orgs. With `after`: newer
   * ones, oldest first; otherwise the newest first (older than `before` when given).
   */
  list(f: NoticeFilter): NoticeItem[] {
    const where: string[] = [];
    const params: Params = { limit: f.limit };
    if (f.siteIds !== null || f.orgIds !== null) {
      params.user = f.userId;
      params.sites = JSON.stringify(f.siteIds ?? []);
      params.orgs = JSON.stringify(f.orgIds ?? []);
      where.push(
        '(to_user_id = @user OR to_site_id IN (SELECT value FROM json_each(@sites)) OR to_org_id IN (SELECT value FROM json_each(@orgs)))',
      );
    }
    const ascending = f.after !== undefined;
    if (f.after !== undefined) {
      where.push('id > @after');
      params.after = f.after;
    } else if (f.before !== undefined) {
      where.push('id < @before');
      params.before = f.before;
    }
    const key = `notices:${where.join(' AND ')}:${ascending ? 'asc' : 'desc'}`;
    const sql = `SELECT id, at, kind, event_id, to_org_id, to_site_id, to_user_id, message FROM notices
      ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id ${ascending ? 'ASC' : 'DESC'} LIMIT @limit`;
    let stmt = this.cache.get(key);
    if (!stmt) {
      stmt = this.db.prepare<[Params], NoticeRow>(sql);
      this.cache.set(key, stmt);
    }
    return stmt.all(params).map(toNotice);
  }
}
