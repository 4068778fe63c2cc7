import type { Database, Statement } from 'better-sqlite3';
import { hashEdgeToken } from '../auth/edge-tokens.js';

/** An edge that may connect (not revoked). */
export interface ActiveEdge {
  id: string;
  tokenHash: string;
}

/** What seeding the edges table from the config file changed. */
export interface EdgeSeedResult {
  upserted: number;
  revoked: string[];
}

interface EdgeRow {
  id: string;
  token_hash: string;
}

/** The edges allowed to connect, with their token hashes (never the tokens). */
export class EdgesRepository {
  private readonly upsertConfigEdge: Statement<[{ id: string; tokenHash: string; now: number }]>;
  private readonly configEdgeIds: Statement<[], string>;
  private readonly revokeStmt: Statement<[number, string]>;
  private readonly findActiveStmt: Statement<[string], EdgeRow>;
  private readonly touchStmt: Statement<[number, string]>;

  constructor(private readonly db: Database) {
    this.upsertConfigEdge = db.prepare(`
      INSERT INTO edges (id, token_hash, source, created_at) VALUES (@id, @tokenHash, 'config', @now)
      ON CONFLICT (id) DO UPDATE SET token_hash = excluded.token_hash, source = 'config', revoked_at = NULL`);
    this.configEdgeIds = db
      .prepare<[], string>(`SELECT id FROM edges WHERE source = 'config' AND revoked_at IS NULL`)
      .pluck();
    this.revokeStmt = db.prepare('UPDATE edges SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL');
    this.findActiveStmt = db.prepare('SELECT id, token_hash FROM edges WHERE id = ? AND revoked_at IS NULL');
    this.touchStmt = db.prepare('UPDATE edges SET last_seen_at = ? WHERE id = ?');
  }

  /**
   * Makes the config file authoritative for the edges it lists: each listed edge is active with the
   * hash of its configured token; an edge once seeded from config and now missing is revoked. Edges
   * created another way (a future admin API) are left alone.
   */
  seedFromConfig(edges: readonly { id: string; token: string }[], now: number): EdgeSeedResult {
    return this.db.transaction(() => {
      const listed = new Set(edges.map((e) => e.id));
      const revoked = this.configEdgeIds.all().filter((id) => !listed.has(id));
      for (const id of revoked) this.revokeStmt.run(now, id);
      for (const e of edges) this.upsertConfigEdge.run({ id: e.id, tokenHash: hashEdgeToken(e.token), now });
      return { upserted: edges.length, revoked };
    })();
  }

  /** The edge if it exists and is not revoked. */
  findActive(id: string): ActiveEdge | undefined {
    const row = this.findActiveStmt.get(id);
    return row && { id: row.id, tokenHash: row.token_hash };
  }

  /** Revokes an edge; its open connections are not closed by this call. */
  revoke(id: string, now: number): boolean {
    return this.revokeStmt.run(now, id).changes > 0;
  }

  /** Records that the edge was heard from. */
  touch(id: string, at: number): void {
    this.touchStmt.run(at, id);
  }
}
