import type { Database, Statement } from 'better-sqlite3';

/** A stored refresh token (only its hash). */
export interface RefreshTokenRecord {
  id: number;
  userId: number;
  family: string;
  expiresAt: number;
  usedAt: number | null;
  revokedAt: number | null;
}

interface Row {
  id: number;
  user_id: number;
  family: string;
  expires_at: number;
  used_at: number | null;
  revoked_at: number | null;
}

/** Refresh tokens, rotated on use; a family is one login's chain of tokens. */
export class RefreshTokensRepository {
  private readonly insertStmt: Statement<[{ userId: number; family: string; hash: string; now: number; expiresAt: number }]>;
  private readonly byHashStmt: Statement<[string], Row>;
  private readonly useStmt: Statement<[{ id: number; now: number }]>;
  private readonly revokeFamilyStmt: Statement<[{ family: string; now: number }]>;
  private readonly revokeUserStmt: Statement<[{ userId: number; now: number }]>;
  private readonly pruneStmt: Statement<[number]>;

  constructor(db: Database) {
    this.insertStmt = db.prepare(`
      INSERT INTO refresh_tokens (user_id, family, token_hash, created_at, expires_at)
      VALUES (@userId, @family, @hash, @now, @expiresAt)`);
    this.byHashStmt = db.prepare('SELECT id, user_id, family, expires_at, used_at, revoked_at FROM refresh_tokens WHERE token_hash = ?');
    // Guarded so two concurrent refreshes with one token cannot both succeed.
    this.useStmt = db.prepare('UPDATE refresh_tokens SET used_at = @now WHERE id = @id AND used_at IS NULL AND revoked_at IS NULL');
    this.revokeFamilyStmt = db.prepare('UPDATE refresh_tokens SET revoked_at = @now WHERE family = @family AND revoked_at IS NULL');
    this.revokeUserStmt = db.prepare('UPDATE refresh_tokens SET revoked_at = @now WHERE user_id = @userId AND revoked_at IS NULL');
    this.pruneStmt = db.prepare('DELETE FROM refresh_tokens WHERE expires_at < ?');
  }

  insert(userId: number, family: string, hash: string, now: number, expiresAt: number): void {
    this.insertStmt.run({ userId, family, hash, now, expiresAt });
  }

  findByHash(hash: string): RefreshTokenRecord | undefined {
    const row = this.byHashStmt.get(hash);
    return row && {
      id: row.id,
      userId: row.user_id,
      family: row.family,
      expiresAt: row.expires_at,
      usedAt: row.used_at,
      revokedAt: row.revoked_at,
    };
  }

  /** @returns false when the token was already used or revoked (a lost race or a replay) */
  markUsed(id: number, now: number): boolean {
    return this.useStmt.run({ id, now }).changes === 1;
  }

  revokeFamily(family: string, now: number): void {
    this.revokeFamilyStmt.run({ family, now });
  }

  revokeUser(userId: number, now: number): void {
    this.revokeUserStmt.run({ userId, now });
  }

  /** Deletes tokens past expiry (nothing can use them, nor replay them). */
  pruneExpired(now: number): number {
    return this.pruneStmt.run(now).changes;
  }
}
