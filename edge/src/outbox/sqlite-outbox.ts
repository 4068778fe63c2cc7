import { mkdirSync, renameSync, rmSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { EventMessage } from '../../../protocol/index.js';

/** An evidence file waiting to be uploaded with its message. */
export interface OutboxEvidence {
  readonly sha256: string;
  readonly contentType: string;
}

export interface OutboxItem {
  readonly id: number;
  readonly message: EventMessage;
  readonly evidence: OutboxEvidence | null;
  readonly attempts: number;
}

/**
 * Stage interface: durable store-and-forward queue between the rules and the uplink. A message is
 * written (evidence file first, then the row) before anything is sent and removed only after the cloud
 * acknowledged it after its own commit, so neither a cloud outage nor an edge restart loses it.
 */
export interface Outbox {
  enqueue(message: EventMessage, evidence?: { data: Buffer; contentType: string }): void;
  /** The oldest message; delivering strictly in insertion order keeps update after start per event. */
  peek(): OutboxItem | undefined;
  readEvidence(sha256: string): Buffer;
  /** Removes a delivered message and any evidence file no other queued message refers to. */
  ack(id: number): void;
  /** Moves a message the cloud refused for good out of the queue, keeping it for inspection. */
  reject(id: number, reason: string): void;
  noteAttempt(id: number, error: string): void;
  size(): number;
  rejectedCount(): number;
  close(): void;
}

interface Row {
  id: number;
  payload: string;
  evidence_sha256: string | null;
  evidence_type: string | null;
  attempts: number;
}

/** {@link Outbox} on SQLite (WAL, synchronous=FULL so an acknowledged enqueue survives power loss). */
export function openSqliteOutbox(dataDir: string): Outbox {
  const evidenceDir = path.join(dataDir, 'outbox-evidence');
  mkdirSync(evidenceDir, { recursive: true });
  const db = new Database(path.join(dataDir, 'outbox.sqlite'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec(`
    CREATE TABLE IF NOT EXISTS outbox (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      event_id TEXT NOT NULL,
      payload TEXT NOT NULL,
      evidence_sha256 TEXT,
      evidence_type TEXT,
      attempts INTEGER NOT NULL DEFAULT 0,
      last_error TEXT,
      created_at INTEGER NOT NULL
    );
    CREATE INDEX IF NOT EXISTS outbox_evidence ON outbox(evidence_sha256);
    CREATE TABLE IF NOT EXISTS rejected (
      id INTEGER PRIMARY KEY,
      event_id TEXT NOT NULL,
      payload TEXT NOT NULL,
      reason TEXT NOT NULL,
      rejected_at INTEGER NOT NULL
    );
  `);
  const insert = db.prepare(
    'INSERT INTO outbox (event_id, payload, evidence_sha256, evidence_type, created_at) VALUES (?, ?, ?, ?, ?)',
  );
  const first = db.prepare<[], Row>('SELECT id, payload, evidence_sha256, evidence_type, attempts FROM outbox ORDER BY id LIMIT 1');
  const byId = db.prepare<[number], Row>('SELECT id, payload, evidence_sha256, evidence_type, attempts FROM outbox WHERE id = ?');
  const del = db.prepare('DELETE FROM outbox WHERE id = ?');
  const refs = db.prepare<[string], { n: number }>('SELECT count(*) AS n FROM outbox WHERE evidence_sha256 = ?');
  const attempt = db.prepare('UPDATE outbox SET attempts = attempts + 1, last_error = ? WHERE id = ?');
  const count = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM outbox');
  const countRejected = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM rejected');
  const keepRejected = db.prepare('INSERT INTO rejected (id, event_id, payload, reason, rejected_at) SELECT id, event_id, payload, ?, ? FROM outbox WHERE id = ?');

  const fileOf = (sha: string) => path.join(evidenceDir, sha);
  const dropFileIfUnused = (sha: string | null) => {
    if (sha && (refs.get(sha)?.n ?? 0) === 0) rmSync(fileOf(sha), { force: true });
  };
  const removeRow = db.transaction((id: number, rejectReason?: string) => {
    const row = byId.get(id);
    if (!row) return null;
    if (rejectReason !== undefined) keepRejected.run(rejectReason, Date.now(), id);
    del.run(id);
    return row.evidence_sha256;
  });

  return {
    enqueue(message, evidence) {
      let sha: string | null = null;
      if (evidence) {
        sha = message.snapshot?.sha256 ?? null;
        if (!sha) throw new Error('outbox: evidence given without a snapshot reference in the message');
        const target = fileOf(sha);
        if (!existsSync(target)) {
          // Write then rename: a crash leaves either no file or a whole one, never a torn file.
          const tmp = `${target}.${process.pid}.tmp`;
          writeFileSync(tmp, evidence.data, { flush: true });
          renameSync(tmp, target);
        }
      }
      insert.run(message.id, JSON.stringify(message), sha, evidence?.contentType ?? null, Date.now());
    },
    peek() {
      const row = first.get();
      if (!row) return undefined;
      return {
        id: row.id,
        message: JSON.parse(row.payload) as EventMessage,
        evidence: row.evidence_sha256 ? { sha256: row.evidence_sha256, contentType: row.evidence_type ?? 'application/octet-stream' } : null,
        attempts: row.attempts,
      };
    },
    readEvidence(sha256) {
      return readFileSync(fileOf(sha256));
    },
    ack(id) {
      dropFileIfUnused(removeRow(id) ?? null);
    },
    reject(id, reason) {
      dropFileIfUnused(removeRow(id, reason) ?? null);
    },
    noteAttempt(id, error) {
      attempt.run(error.slice(0, 500), id);
    },
    size: () => count.get()?.n ?? 0,
    rejectedCount: () => countRejected.get()?.n ?? 0,
    close: () => db.close(),
  };
}
