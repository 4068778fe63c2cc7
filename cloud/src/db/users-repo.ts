import type { Database, Statement } from 'better-sqlite3';
import type { UserRole } from '../../../protocol/index.js';

export type { UserRole } from '../../../protocol/index.js';

/** A stored user, password as an argon2id PHC string. */
export interface UserRecord {
  id: number;
  username: string;
  passwordHash: string;
  role: UserRole;
  /** Operators and regulators: the root of the org subtree they see. */
  orgId: number | null;
  /** Site users: the one site they see. */
  siteId: number | null;
  displayName: string | null;
  phone: string | null;
  createdAt: number;
  updatedAt: number;
  disabledAt: number | null;
}

/** The fields an administrator sets on a user. */
export interface UserFields {
  role: UserRole;
  orgId: number | null;
  siteId: number | null;
  displayName: string | null;
  phone: string | null;
}

interface UserRow {
  id: number;
  username: string;
  password_hash: string;
  role: string;
  org_id: number | null;
  site_id: number | null;
  display_name: string | null;
  phone: string | null;
  created_at: number;
  updated_at: number;
  disabled_at: number | null;
}

const COLUMNS = 'id, username, password_hash, role, org_id, site_id, display_name, phone, created_at, updated_at, disabled_at';

function toRecord(row: UserRow): UserRecord {
  return {
    id: row.id,
    username: row.username,
    passwordHash: row.password_hash,
    // Written only through this repository, which takes a UserRole.
    role: row.role as UserRole,
    orgId: row.org_id,
    siteId: row.site_id,
    displayName: row.display_name,
    phone: row.phone,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    disabledAt: row.disabled_at,
  };
}

/** People who log in to the web viewer. */
export class UsersRepository {
  private readonly byNameStmt: Statement<[string], UserRow>;
  private readonly byIdStmt: Statement<[number], UserRow>;
  private readonly listStmt: Statement<[], UserRow>;
  private readonly insertStmt: Statement<[UserFields & { username: string; hash: string; now: number }]>;
  private readonly updateStmt: Statement<[UserFields & { id: number; now: number }]>;
  private readonly passwordStmt: Statement<[{ id: number; hash: string; now: number }]>;
  private readonly disabledStmt: Statement<[{ id: number; disabledAt: number | null; now: number }]>;
  private readonly inOrgsStmt: Statement<[string, string], UserRow>;

  constructor(db: Database) {
    this.byNameStmt = db.prepare(`SELECT ${COLUMNS} FROM users WHERE username = ?`);
    this.byIdStmt = db.prepare(`SELECT ${COLUMNS} FROM users WHERE id = ?`);
    this.listStmt = db.prepare(`SELECT ${COLUMNS} FROM users ORDER BY id`);
    this.insertStmt = db.prepare(`
      INSERT INTO users (username, password_hash, role, org_id, site_id, display_name, phone, created_at, updated_at)
      VALUES (@username, @hash, @role, @orgId, @siteId, @displayName, @phone, @now, @now)`);
    this.updateStmt = db.prepare(`
      UPDATE users SET role = @role, org_id = @orgId, site_id = @siteId, display_name = @displayName,
        phone = @phone, updated_at = @now WHERE id = @id`);
    this.passwordStmt = db.prepare('UPDATE users SET password_hash = @hash, updated_at = @now WHERE id = @id');
    this.disabledStmt = db.prepare('UPDATE users SET disabled_at = @disabledAt, updated_at = @now WHERE id = @id');
    this.inOrgsStmt = db.prepare(`
      SELECT ${COLUMNS} FROM users WHERE disabled_at IS NULL AND (
        org_id IN (SELECT value FROM json_each(?)) OR site_id IN (SELECT value FROM json_each(?)))
      ORDER BY id`);
  }

  findByUsername(username: string): UserRecord | undefined {
    const row = this.byNameStmt.get(username);
    return row && toRecord(row);
  }

  findById(id: number): UserRecord | undefined {
    const row = this.byIdStmt.get(id);
    return row && toRecord(row);
  }

  list(): UserRecord[] {
    return this.listStmt.all().map(toRecord);
  }

  /** Enabled users whose scope root is one of these orgs, or whose site is one of these sites. */
  enabledIn(orgIds: readonly number[], siteIds: readonly number[]): UserRecord[] {
    return this.inOrgsStmt.all(JSON.stringify(orgIds), JSON.stringify(siteIds)).map(toRecord);
  }

  /**
   * @returns the new user's id; throws a UNIQUE violation when the username is taken
   * @param fields role and scope; an administrator needs neither org nor site
   */
  create(username: string, passwordHash: string, fields: UserFields | UserRole, now: number): number {
    const f: UserFields =
      typeof fields === 'string' ? { role: fields, orgId: null, siteId: null, displayName: null, phone: null } : fields;
    return Number(this.insertStmt.run({ ...f, username, hash: passwordHash, now }).lastInsertRowid);
  }

  update(id: number, fields: UserFields, now: number): void {
    this.updateStmt.run({ ...fields, id, now });
  }

  setPasswordHash(id: number, passwordHash: string, now: number): void {
    this.passwordStmt.run({ id, hash: passwordHash, now });
  }

  /** Disables (at `now`) or re-enables a user. */
  setDisabled(id: number, disabled: boolean, now: number): void {
    this.disabledStmt.run({ id, disabledAt: disabled ? now : null, now });
  }
}
