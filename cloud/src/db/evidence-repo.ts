import type { Database, Statement } from 'better-sqlite3';

/** A stored evidence file; `relPath` is relative to the evidence directory. */
export interface EvidenceRecord {
  sha256: string;
  relPath: string;
  size: number;
  contentType: string;
  edgeId: string | null;
}

interface EvidenceRow {
  sha256: string;
  rel_path: string;
  size: number;
  content_type: string;
  edge_id: string | null;
}

/** Index of evidence files on disk, addressed by SHA-256. */
export class EvidenceRepository {
  private readonly getStmt: Statement<[string], EvidenceRow>;
  private readonly insertStmt: Statement<[EvidenceRow & { now: number }]>;

  constructor(db: Database) {
    this.getStmt = db.prepare('SELECT sha256, rel_path, size, content_type, edge_id FROM evidence WHERE sha256 = ?');
    this.insertStmt = db.prepare(`
      INSERT INTO evidence (sha256, rel_path, size, content_type, edge_id, created_at)
      VALUES (@sha256, @rel_path, @size, @content_type, @edge_id, @now)
      ON CONFLICT (sha256) DO NOTHING`);
  }

  get(sha256: string): EvidenceRecord | undefined {
    const row = this.getStmt.get(sha256);
    return (
      row && { sha256: row.sha256, relPath: row.rel_path, size: row.size, contentType: row.content_type, edgeId: row.edge_id }
    );
  }

  /** @returns false when the sha256 was already recorded (the first upload wins) */
  insert(record: EvidenceRecord, now: number): boolean {
    const row = {
      sha256: record.sha256,
      rel_path: record.relPath,
      size: record.size,
      content_type: record.contentType,
      edge_id: record.edgeId,
      now,
    };
    return this.insertStmt.run(row).changes > 0;
  }
}
