import { copyFileSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { EventMessage } from '../../../protocol/index.js';

/** An evidence file handed to the outbox: bytes in memory (snapshots) or a file to move in (clips). */
export type EvidenceInput = { sha256: string; contentType: string } & ({ data: Buffer } | { file: string });

/** An evidence file waiting to be uploaded with its message. */
export interface OutboxEvidence {
  readonly sha256: string;
  readonly contentType: string;
  readonly bytes: number;
}

export interface OutboxItem {
  readonly id: number;
  readonly message: EventMessage;
  /** Files to upload before the message; files dropped by the quota are not listed. */
  readonly evidence: readonly OutboxEvidence[];
  readonly attempts: number;
}

export interface OutboxStats {
  backlog: number;
  evidenceBytes: number;
  droppedFiles: number;
  droppedBytes: number;
  rejected: number;
}

/**
 * Stage interface: durable store-and-forward queue between the rules and the uplink. A message is
 * written (evidence files first, then the row) before anything is sent and removed only after the cloud
 * acknowledged it after its own commit, so neither a cloud outage nor an edge restart loses it.
 */
export interface Outbox {
  enqueue(message: EventMessage, evidence?: readonly EvidenceInput[]): void;
  /** The oldest message; delivering strictly in insertion order keeps update after start per event. */
  peek(): OutboxItem | undefined;
  /** Path of a queued evidence file (uploads stream it from disk). */
  evidencePath(sha256: string): string;
  /** Removes a delivered message and any evidence file no other queued message refers to. */
  ack(id: number): void;
  /** Moves a message the cloud refused for good out of the queue, keeping it for inspection. */
  reject(id: number, reason: string): void;
  noteAttempt(id: number, error: string): void;
  /**
   * Gives up on an evidence file that is gone from disk (deleted by hand, or a crash inside the quota
   * step): its messages go out without it instead of blocking the queue forever. Counted as a drop.
   */
  dropMissingEvidence(sha256: string): void;
  /**
   * Calls `listener` with each evidence sha256 no queued message refers to any more (its messages were
   * delivered, or refused for good): what guarded it until now (recorded segments) may let go.
   * @returns the unsubscribe function
   */
  onEvidenceSettled(listener: (sha256: string) => void): () => void;
  /** The clips of queued messages (oldest first), so an edge restarting can guard their footage again. */
  queuedClips(): QueuedClip[];
  size(): number;
  stats(): OutboxStats;
  close(): void;
}

/** A clip still waiting in the outbox, with the camera and span it was cut from. */
export interface QueuedClip {
  readonly sha256: string;
  readonly cameraId: string;
  readonly startAt: number;
  readonly endAt: number;
}

interface Row {
  id: number;
  payload: string;
  attempts: number;
}

/**
 * {@link Outbox} on SQLite (WAL, synchronous=FULL so an acknowledged enqueue survives power loss).
 * Evidence files are stored once per sha256. Over `maxBytes` the oldest queued files are dropped
 * first — a regulator can live without an old snapshot, not without the event — and each drop is counted.
 */
export function openSqliteOutbox(dataDir: string, opts: { maxBytes?: number } = {}): Outbox {
  const maxBytes = opts.maxBytes ?? Number.POSITIVE_INFINITY;
  const evidenceDir = path.join(dataDir, 'outbox-evidence');
  mkdirSync(evidenceDir, { recursive: true });
  const db = new Database(path.join(dataDir, 'outbox.sqlite'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.exec(`
    CREATE TABLE IF NOT EXISTS messages (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      event_id TEXT NOT NULL,
      payload TEXT NOT NULL,
      attempts INTEGER NOT NULL DEFAULT 0,
      last_error TEXT,
      created_at INTEGER NOT NULL
    );
    CREATE TABLE IF NOT EXISTS message_evidence (
      message_id INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
      sha256 TEXT NOT NULL,
      content_type TEXT NOT NULL,
      bytes INTEGER NOT NULL,
      dropped INTEGER NOT NULL DEFAULT 0,
      PRIMARY KEY (message_id, sha256)
    );
    CREATE INDEX IF NOT EXISTS message_evidence_sha ON message_evidence(sha256);
    CREATE TABLE IF NOT EXISTS rejected (
      id INTEGER PRIMARY KEY,
      event_id TEXT NOT NULL,
      payload TEXT NOT NULL,
      reason TEXT NOT NULL,
      rejected_at INTEGER NOT NULL
    );
    CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
  `);
  const insertMsg = db.prepare('INSERT INTO messages (event_id, payload, created_at) VALUES (?, ?, ?)');
  const insertEv = db.prepare('INSERT OR IGNORE INTO message_evidence (message_id, sha256, content_type, bytes) VALUES (?, ?, ?, ?)');
  const first = db.prepare<[], Row>('SELECT id, payload, attempts FROM messages ORDER BY id LIMIT 1');
  const evidenceOf = db.prepare<[number], { sha256: string; content_type: string; bytes: number }>(
    'SELECT sha256, content_type, bytes FROM message_evidence WHERE message_id = ? AND dropped = 0',
  );
  const evidenceShas = db.prepare<[number], { sha256: string }>('SELECT sha256 FROM message_evidence WHERE message_id = ?');
  const del = db.prepare('DELETE FROM messages WHERE id = ?');
  const refs = db.prepare<[string], { n: number }>('SELECT count(*) AS n FROM message_evidence WHERE sha256 = ? AND dropped = 0');
  const anyRefs = db.prepare<[string], { n: number }>('SELECT count(*) AS n FROM message_evidence WHERE sha256 = ?');
  const clipRows = db.prepare<[], { sha256: string; cameraId: string; startAt: number; endAt: number }>(
    `SELECT json_extract(payload, '$.clip.sha256') AS sha256, json_extract(payload, '$.cameraId') AS cameraId,
       json_extract(payload, '$.clip.startAt') AS startAt, json_extract(payload, '$.clip.endAt') AS endAt
     FROM messages WHERE json_extract(payload, '$.clip.sha256') IS NOT NULL ORDER BY id`,
  );
  const attempt = db.prepare('UPDATE messages SET attempts = attempts + 1, last_error = ? WHERE id = ?');
  const count = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM messages');
  const countRejected = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM rejected');
  const keepRejected = db.prepare('INSERT INTO rejected (id, event_id, payload, reason, rejected_at) SELECT id, event_id, payload, ?, ? FROM messages WHERE id = ?');
  const liveBytes = db.prepare<[], { b: number | null }>(
    'SELECT sum(bytes) AS b FROM (SELECT sha256, max(bytes) AS bytes FROM message_evidence WHERE dropped = 0 GROUP BY sha256)',
  );
  const oldestLive = db.prepare<[], { sha256: string; bytes: number }>(
    'SELECT sha256, bytes FROM message_evidence WHERE dropped = 0 ORDER BY message_id LIMIT 1',
  );
  const markDropped = db.prepare('UPDATE message_evidence SET dropped = 1 WHERE sha256 = ?');
  const bump = db.prepare('INSERT INTO counters (name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = value + excluded.value');
  const counter = db.prepare<[string], { value: number }>('SELECT value FROM counters WHERE name = ?');

  const fileOf = (sha: string) => path.join(evidenceDir, sha);
  const settledListeners = new Set<(sha256: string) => void>();
  const dropFilesIfUnused = (shas: readonly string[]) => {
    for (const sha of shas) if ((refs.get(sha)?.n ?? 0) === 0) rmSync(fileOf(sha), { force: true });
    for (const sha of shas) {
      if ((anyRefs.get(sha)?.n ?? 0) > 0) continue;
      for (const listener of settledListeners) listener(sha);
    }
  };
  const removeRow = db.transaction((id: number, rejectReason?: string) => {
    const shas = evidenceShas.all(id).map((r) => r.sha256);
    if (rejectReason !== undefined) keepRejected.run(rejectReason, Date.now(), id);
    del.run(id);
    return shas;
  });
  const insert = db.transaction((message: EventMessage, files: { sha256: string; contentType: string; bytes: number }[]) => {
    const id = Number(insertMsg.run(message.id, JSON.stringify(message), Date.now()).lastInsertRowid);
    for (const f of files) insertEv.run(id, f.sha256, f.contentType, f.bytes);
  });
  const enforceQuota = db.transaction(() => {
    let total = liveBytes.get()?.b ?? 0;
    while (total > maxBytes) {
      const victim = oldestLive.get();
      if (!victim) break;
      markDropped.run(victim.sha256);
      bump.run('dropped_files', 1);
      bump.run('dropped_bytes', victim.bytes);
      total -= victim.bytes;
      rmSync(fileOf(victim.sha256), { force: true });
    }
  });

  // A crash inside enqueue() or ack() leaves a file no queued message refers to: a torn `.tmp` write,
  // a complete file whose row was never committed, or one whose row ack() deleted just before it. Nothing
  // else would ever delete it and the quota does not count it, so it is removed here, before any enqueue.
  for (const name of readdirSync(evidenceDir)) {
    if ((refs.get(name)?.n ?? 0) === 0) rmSync(fileOf(name), { force: true });
  }

  /** Puts a file in place under its sha256: write-then-rename, so a crash leaves no torn file. */
  function store(ev: EvidenceInput): number {
    const target = fileOf(ev.sha256);
    if ('data' in ev) {
      if (!existsSync(target)) {
        const tmp = `${target}.${process.pid}.tmp`;
        writeFileSync(tmp, ev.data, { flush: true });
        renameSync(tmp, target);
      }
      return ev.data.length;
    }
    const bytes = statSync(ev.file).size;
    if (existsSync(target)) {
      rmSync(ev.file, { force: true });
      return bytes;
    }
    try {
      renameSync(ev.file, target);
    } catch (err) {
      // A clip on another filesystem cannot be renamed across devices: copy it, then remove the original.
      if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
      const tmp = `${target}.${process.pid}.tmp`;
      copyFileSync(ev.file, tmp);
      renameSync(tmp, target);
      rmSync(ev.file, { force: true });
    }
    return bytes;
  }

  return {
    enqueue(message, evidence = []) {
      const files = evidence.map((ev) => ({ sha256: ev.sha256, contentType: ev.contentType, bytes: store(ev) }));
      insert(message, files);
      if (files.length > 0) enforceQuota();
    },
    peek() {
      const row = first.get();
      if (!row) return undefined;
      return {
        id: row.id,
        message: JSON.parse(row.payload) as EventMessage,
        evidence: evidenceOf.all(row.id).map((e) => ({ sha256: e.sha256, contentType: e.content_type, bytes: e.bytes })),
        attempts: row.attempts,
      };
    },
    evidencePath: fileOf,
    ack(id) {
      dropFilesIfUnused(removeRow(id));
    },
    reject(id, reason) {
      dropFilesIfUnused(removeRow(id, reason));
    },
    noteAttempt(id, error) {
      attempt.run(error.slice(0, 500), id);
    },
    dropMissingEvidence(sha256) {
      markDropped.run(sha256);
      bump.run('dropped_files', 1);
    },
    onEvidenceSettled(listener) {
      settledListeners.add(listener);
      return () => settledListeners.delete(listener);
    },
    queuedClips: () => clipRows.all(),
    size: () => count.get()?.n ?? 0,
    stats: () => ({
      backlog: count.get()?.n ?? 0,
      evidenceBytes: liveBytes.get()?.b ?? 0,
      droppedFiles: counter.get('dropped_files')?.value ?? 0,
      droppedBytes: counter.get('dropped_bytes')?.value ?? 0,
      rejected: countRejected.get()?.n ?? 0,
    }),
    close: () => db.close(),
  };
}
