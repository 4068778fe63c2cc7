import type { Database, Statement } from 'better-sqlite3';
import type { SiteItem, SiteKind } from '../../../protocol/index.js';

interface SiteRow {
  id: number;
  org_id: number;
  name: string;
  kind: string;
  address: string | null;
  created_at: number;
  updated_at: number;
}

/** The stored fields of a site. */
export interface SiteFields {
  orgId: number;
  name: string;
  kind: SiteKind;
  address: string | null;
}

const COLUMNS = 'id, org_id, name, kind, address, created_at, updated_at';

function toItem(row: SiteRow): SiteItem {
  return {
    id: row.id,
    orgId: row.org_id,
    name: row.name,
    // The column's CHECK constraint admits only SiteKind values.
    kind: row.kind as SiteKind,
    address: row.address,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** Sites (a restaurant, a school canteen, a worksite, a public area), each belonging to one org. */
export class SitesRepository {
  private readonly listStmt: Statement<[], SiteRow>;
  private readonly listInOrgsStmt: Statement<[string], SiteRow>;
  private readonly getStmt: Statement<[number], SiteRow>;
  private readonly insertStmt: Statement<[SiteFields & { now: number }]>;
  private readonly updateStmt: Statement<[SiteFields & { id: number; now: number }]>;

  constructor(db: Database) {
    this.listStmt = db.prepare(`SELECT ${COLUMNS} FROM sites ORDER BY id`);
    // The (org_id, name) index answers each org of the list.
    this.listInOrgsStmt = db.prepare(
      `SELECT ${COLUMNS} FROM sites WHERE org_id IN (SELECT value FROM json_each(?)) ORDER BY id`,
    );
    this.getStmt = db.prepare(`SELECT ${COLUMNS} FROM sites WHERE id = ?`);
    this.insertStmt = db.prepare(`
      INSERT INTO sites (org_id, name, kind, address, created_at, updated_at)
      VALUES (@orgId, @name, @kind, @address, @now, @now)`);
    this.updateStmt = db.prepare(`
      UPDATE sites SET org_id = @orgId, name = @name, kind = @kind, address = @address, updated_at = @now WHERE id = @id`);
  }

  list(): SiteItem[] {
    return this.listStmt.all().map(toItem);
  }

  /** The sites of the given orgs. */
  listInOrgs(orgIds: readonly number[]): SiteItem[] {
    return this.listInOrgsStmt.all(JSON.stringify(orgIds)).map(toItem);
  }

  get(id: number): SiteItem | undefined {
    const row = this.getStmt.get(id);
    return row && toItem(row);
  }

  /** @returns the new site's id; throws a UNIQUE violation when the org has a site of that name */
  create(fields: SiteFields, now: number): number {
    return Number(this.insertStmt.run({ ...fields, now }).lastInsertRowid);
  }

  update(id: number, fields: SiteFields, now: number): void {
    this.updateStmt.run({ ...fields, id, now });
  }
}
