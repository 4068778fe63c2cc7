import type { Database, Statement } from 'better-sqlite3';

/** Roles grow with the org/role work; today every user is an administrator. */
export type UserRole = 'admin';

/** A stored user, password as an argon2id PHC string. */
export interface UserRecord {
  id: number;
  username: string;
  passwordHash: string;
  role: UserRole;
  disabledAt: number | null;
}

interface UserRow {
  id: number;
  username: string;
  password_hash: string;
  role: string;
  disabled_at: number | null;
}

const COLUMNS = 'id, username, password_hash, role, disabled_at';

function toRecord(row: UserRow): UserRecord {
  return {
    id: row.id,
    username: row.username,
    passwordHash: row.password_hash,
    role: row.role as UserRole,
    disabledAt: row.disabled_at,
  };
}

/** People who log in to the web viewer. */
export class UsersRepository {
  private readonly byNameStmt: Statement<[string], UserRow>;
  private readonly byIdStmt: Statement<[number], UserRow>;
  private readonly insertStmt: Statement<[{ username: string; hash: string; role: string; now: number }]>;
  private readonly passwordStmt: Statement<[{ id: number; hash: string; now: number }]>;

  constructor(db: Database) {
    this.byNameStmt = db.prepare(`SELECT ${COLUMNS} FROM users WHERE username = ?`);
    this.byIdStmt = db.prepare(`SELECT ${COLUMNS} FROM users WHERE id = ?`);
    this.insertStmt = db.prepare(`
      INSERT INTO users (username, password_hash, role, created_at, updated_at) VALUES (@username, @hash, @role, @now, @now)`);
    this.passwordStmt = db.prepare('UPDATE users SET password_hash = @hash, updated_at = @now WHERE id = @id');
  }

  findByUsername(username: string): UserRecord | undefined {
    const row = this.byNameStmt.get(username);
    return row && toRecord(row);
  }

  findById(id: number): UserRecord | undefined {
    const row = this.byIdStmt.get(id);
    return row && toRecord(row);
  }

  /** @returns the new user's id */
  create(username: string, passwordHash: string, role: UserRole, now: number): number {
    return Number(this.insertStmt.run({ username, hash: passwordHash, role, now }).lastInsertRowid);
  }

  setPasswordHash(id: number, passwordHash: string, now: number): void {
    this.passwordStmt.run({ id, hash: passwordHash, now });
  }
}
