import type { Database, Statement } from 'better-sqlite3';
import type { OrgItem, OrgKind } from '../../../protocol/index.js';

interface OrgRow {
  id: number;
  parent_id: number | null;
  name: string;
  kind: string;
  created_at: number;
  updated_at: number;
}

/** The stored fields of an org. */
export interface OrgFields {
  parentId: number | null;
  name: string;
  kind: OrgKind;
}

const COLUMNS = 'id, parent_id, name, kind, created_at, updated_at';

function toItem(row: OrgRow): OrgItem {
  return {
    id: row.id,
    parentId: row.parent_id,
    name: row.name,
    // The column's CHECK constraint admits only OrgKind values.
    kind: row.kind as OrgKind,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** The organisation tree (city → district → street/bureau). Tree rules live in directory/org-tree.ts. */
export class OrgsRepository {
  private readonly listStmt: Statement<[], OrgRow>;
  private readonly getStmt: Statement<[number], OrgRow>;
  private readonly insertStmt: Statement<[{ parentId: number | null; name: string; kind: string; now: number }]>;
  private readonly updateStmt: Statement<[{ id: number; parentId: number | null; name: string; kind: string; now: number }]>;

  constructor(db: Database) {
    this.listStmt = db.prepare(`SELECT ${COLUMNS} FROM orgs ORDER BY id`);
    this.getStmt = db.prepare(`SELECT ${COLUMNS} FROM orgs WHERE id = ?`);
    this.insertStmt = db.prepare(`
      INSERT INTO orgs (parent_id, name, kind, created_at, updated_at) VALUES (@parentId, @name, @kind, @now, @now)`);
    this.updateStmt = db.prepare(`
      UPDATE orgs SET parent_id = @parentId, name = @name, kind = @kind, updated_at = @now WHERE id = @id`);
  }

  list(): OrgItem[] {
    return this.listStmt.all().map(toItem);
  }

  get(id: number): OrgItem | undefined {
    const row = this.getStmt.get(id);
    return row && toItem(row);
  }

  /** @returns the new org's id; throws a UNIQUE violation when a sibling has the name */
  create(fields: OrgFields, now: number): number {
    return Number(this.insertStmt.run({ ...fields, now }).lastInsertRowid);
  }

  /** Replaces the fields of an existing org. */
  update(id: number, fields: OrgFields, now: number): void {
    this.updateStmt.run({ id, ...fields, now });
  }
}
