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

/** Who revoked an edge: the config file (it no longer lists the edge) or an administrator. */
export type EdgeRevoker = 'config' | 'api';

/** An edge as stored, without its token hash. */
export interface EdgeRecord {
  id: string;
  source: 'config' | 'api';
  createdAt: number;
  revokedAt: number | null;
  lastSeenAt: number | null;
  /** Cameras the edge has declared. */
  cameras: number;
}

interface EdgeRow {
  id: string;
  token_hash: string;
}

interface EdgeListRow {
  id: string;
  source: string;
  created_at: number;
  revoked_at: number | null;
  last_seen_at: number | null;
  cameras: number;
}

const LIST_SQL = `
  SELECT e.id, e.source, e.created_at, e.revoked_at, e.last_seen_at,
    (SELECT count(*) FROM cameras c WHERE c.edge_id = e.id) AS cameras
  FROM edges e`;

function toRecord(row: EdgeListRow): EdgeRecord {
  return {
    id: row.id,
    // The column's CHECK constraint admits only these two values.
    source: row.source as EdgeRecord['source'],
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
    lastSeenAt: row.last_seen_at,
    cameras: row.cameras,
  };
}

/** The edges allowed to connect, with their token hashes (never the tokens). */
export class EdgesRepository {
  private readonly upsertConfigEdge: Statement<[{ id: string; tokenHash: string; now: number }]>;
  private readonly configEdgeIds: Statement<[], string>;
  private readonly revokeStmt: Statement<[{ id: string; now: number; by: EdgeRevoker }]>;
  private readonly findActiveStmt: Statement<[string], EdgeRow>;
  private readonly touchStmt: Statement<[number, string]>;
  private readonly listStmt: Statement<[], EdgeListRow>;
  private readonly getStmt: Statement<[string], EdgeListRow>;
  private readonly createStmt: Statement<[{ id: string; tokenHash: string; now: number }]>;

  constructor(private readonly db: Database) {
    // An administrator's revocation outlives restarts while the config keeps the same token: only a
    // new token in the config (a deliberate act) brings such an edge back.
    this.upsertConfigEdge = db.prepare(`
      INSERT INTO edges (id, token_hash, source, created_at) VALUES (@id, @tokenHash, 'config', @now)
      ON CONFLICT (id) DO UPDATE SET
        revoked_at = CASE WHEN edges.revoked_by = 'api' AND edges.token_hash = excluded.token_hash THEN edges.revoked_at END,
        revoked_by = CASE WHEN edges.revoked_by = 'api' AND edges.token_hash = excluded.token_hash THEN 'api' END,
        token_hash = excluded.token_hash,
        source = 'config'`);
    this.configEdgeIds = db
      .prepare<[], string>(`SELECT id FROM edges WHERE source = 'config' AND revoked_at IS NULL`)
      .pluck();
    this.revokeStmt = db.prepare('UPDATE edges SET revoked_at = @now, revoked_by = @by WHERE id = @id AND revoked_at IS NULL');
    this.findActiveStmt = db.prepare('SELECT id, token_hash FROM edges WHERE id = ? AND revoked_at IS NULL');
    this.touchStmt = db.prepare('UPDATE edges SET last_seen_at = ? WHERE id = ?');
    this.listStmt = db.prepare(`${LIST_SQL} ORDER BY e.id`);
    this.getStmt = db.prepare(`${LIST_SQL} WHERE e.id = ?`);
    this.createStmt = db.prepare(`
      INSERT INTO edges (id, token_hash, source, created_at) VALUES (@id, @tokenHash, 'api', @now)
      ON CONFLICT (id) DO NOTHING`);
  }

  /**
   * Makes the config file authoritative for the edges it lists: each listed edge is active with the
   * hash of its configured token (unless an administrator revoked that very token); an edge once
   * seeded from config and now missing is revoked. Edges created through the API are left alone.
   */
  seedFromConfig(edges: readonly { id: string; token: string }[], now: number): EdgeSeedResult {
    return this.db.transaction(() => {
      const listed = new Set(edges.map((e) => e.id));
      const revoked = this.configEdgeIds.all().filter((id) => !listed.has(id));
      for (const id of revoked) this.revokeStmt.run({ id, now, by: 'config' });
      for (const e of edges) this.upsertConfigEdge.run({ id: e.id, tokenHash: hashEdgeToken(e.token), now });
      return { upserted: edges.length, revoked };
    })();
  }

  /** The edge if it exists and is not revoked. */
  findActive(id: string): ActiveEdge | undefined {
    const row = this.findActiveStmt.get(id);
    return row && { id: row.id, tokenHash: row.token_hash };
  }

  /** Every edge, revoked ones included, by id. */
  list(): EdgeRecord[] {
    return this.listStmt.all().map(toRecord);
  }

  get(id: string): EdgeRecord | undefined {
    const row = this.getStmt.get(id);
    return row && toRecord(row);
  }

  /**
   * Registers an edge created by an administrator.
   * @returns false when the id is taken (by any edge, revoked ones included: ids are never reused,
   *   so stored events keep an unambiguous origin)
   */
  create(id: string, tokenHash: string, now: number): boolean {
    return this.createStmt.run({ id, tokenHash, now }).changes > 0;
  }

  /**
   * Revokes an edge; its open connections are not closed by this call.
   * @returns false when the edge does not exist or was already revoked
   */
  revoke(id: string, now: number, by: EdgeRevoker = 'api'): boolean {
    return this.revokeStmt.run({ id, now, by }).changes > 0;
  }

  /** Records that the edge was heard from. */
  touch(id: string, at: number): void {
    this.touchStmt.run(at, id);
  }
}
