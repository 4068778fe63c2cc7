import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { stringify } from 'yaml';
import { repoRoot } from '../../common/env.js';
import type { EventMessage } from '../../protocol/index.js';

/**
 * Real edge and cloud processes for fault tests: `node --import tsx <entry> --config <yaml>` from the
 * sources, their logs kept in memory, their data directories read from outside with SQLite. Every
 * wait is bounded; any child still running when the test process exits is killed by its pid.
 */

export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** One parsed pino line. */
export type LogRecord = Record<string, unknown> & { msg?: string };

const live = new Set<ChildProcess>();
// Last resort for a test that failed half-way: no cloud or edge outlives the test process.
process.on('exit', () => {
  for (const c of live) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

/** tsx's ESM loader as an absolute file URL, so `--import` does not depend on the working directory. */
function tsxLoader(): string {
  const pkgFile = createRequire(import.meta.url).resolve('tsx/package.json');
  const pkg = JSON.parse(readFileSync(pkgFile, 'utf8')) as { exports: Record<string, string | { import?: string | { default?: string } }> };
  const entry = pkg.exports['.'];
  const rel = typeof entry === 'string' ? entry : typeof entry?.import === 'string' ? entry.import : entry?.import?.default;
  if (!rel) throw new Error('tsx does not export an ESM loader at "."');
  return pathToFileURL(path.join(path.dirname(pkgFile), rel)).href;
}

/** A TCP port that was free on 127.0.0.1 a moment ago (for a server that must keep its port across restarts). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => (port > 0 ? resolve(port) : reject(new Error('no port'))));
    });
  });
}

export function writeYaml(file: string, doc: unknown): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, stringify(doc), 'utf8');
}

/** Whether a pid is a running (not zombie) process. */
export function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 3, after the parenthesised command name (which may itself hold spaces or parentheses).
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    // No /proc entry: the process is gone.
    return false;
  }
}

/** All descendants of a process, read from /proc (children of every thread, recursively). */
export function descendants(pid: number): number[] {
  const out: number[] = [];
  let tasks: string[] = [];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    // The process ended meanwhile: it has no descendants to list.
    return out;
  }
  for (const tid of tasks) {
    let children = '';
    try {
      children = readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8');
    } catch {
      // The thread ended between the listing and this read.
      continue;
    }
    for (const c of children.split(' ').filter((s) => s !== '')) {
      const child = Number(c);
      out.push(child, ...descendants(child));
    }
  }
  return out;
}

/** A Node process started from a TypeScript entry of this repository, with its output kept for the test. */
export class NodeChild {
  readonly exited: Promise<ChildExit>;
  private readonly lines: string[] = [];
  private readonly stderrTail: string[] = [];
  private partial = '';
  private exit: ChildExit | undefined;
  private readonly changed = new Set<() => void>();

  private constructor(
    readonly name: string,
    private readonly child: ChildProcess,
  ) {
    live.add(child);
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (text: string) => {
      const parts = (this.partial + text).split('\n');
      this.partial = parts.pop() ?? '';
      this.lines.push(...parts.filter((l) => l !== ''));
      this.poke();
    });
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (text: string) => {
      this.stderrTail.push(...text.split('\n').filter((l) => l !== ''));
      this.stderrTail.splice(0, Math.max(0, this.stderrTail.length - 40));
    });
    this.exited = new Promise((resolve) => {
      child.once('close', (code, signal) => {
        live.delete(child);
        this.exit = { code, signal };
        this.poke();
        resolve(this.exit);
      });
    });
  }

  /** Starts `node --import tsx <entry> ...args` in the repository root; `entry` is relative to it. */
  static start(name: string, entry: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): NodeChild {
    const child = spawn(process.execPath, ['--import', tsxLoader(), path.join(repoRoot, entry), ...args], {
      cwd: repoRoot,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new NodeChild(name, child);
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get running(): boolean {
    return this.exit === undefined;
  }

  /** stdout lines that are pino JSON records. */
  records(): LogRecord[] {
    const out: LogRecord[] = [];
    for (const l of this.lines) {
      if (!l.startsWith('{')) continue;
      try {
        out.push(JSON.parse(l) as LogRecord);
      } catch {
        // A line cut by a kill is not a record.
      }
    }
    return out;
  }

  /** Last stderr lines, for failure messages. */
  stderr(): string {
    return this.stderrTail.join('\n');
  }

  /** Resolves with the first stdout line (from index `from`) matching `match`; rejects on exit or after `timeoutMs`. */
  waitForLine(what: string, match: (line: string) => boolean, timeoutMs: number, from = 0): Promise<string> {
    return new Promise((resolve, reject) => {
      let checked = from;
      const check = (): void => {
        for (; checked < this.lines.length; checked++) {
          const line = this.lines[checked];
          if (line !== undefined && match(line)) return done(() => resolve(line));
        }
        if (this.exit) done(() => reject(new Error(`${this.name} exited (${this.exit?.code ?? this.exit?.signal}) before ${what}: ${this.stderr()}`)));
      };
      const timer = setTimeout(() => done(() => reject(new Error(`${this.name}: no ${what} within ${timeoutMs} ms: ${this.stderr()}`))), timeoutMs);
      const done = (settle: () => void): void => {
        clearTimeout(timer);
        this.changed.delete(check);
        settle();
      };
      this.changed.add(check);
      check();
    });
  }

  kill(signal: NodeJS.Signals): void {
    if (this.running) this.child.kill(signal);
  }

  /** SIGTERM, then SIGKILL if it has not exited after `graceMs`; resolves with the exit. */
  async stop(graceMs = 15_000): Promise<ChildExit> {
    if (!this.running) return this.exited;
    this.kill('SIGTERM');
    const timer = setTimeout(() => this.kill('SIGKILL'), graceMs);
    const exit = await this.exited;
    clearTimeout(timer);
    return exit;
  }

  private poke(): void {
    for (const f of [...this.changed]) f();
  }
}

export interface TestEdgeCredentials {
  id: string;
  token: string;
}

/** One row of the cloud's `events` table, as far as delivery checks need it. */
export interface StoredEvent {
  id: string;
  seq: number;
  phase: string;
  snapshotSha256: string | null;
  clipSha256: string | null;
}

/** How the cloud answered each event message it received, from its debug log (`event` records). */
export interface IngestTally {
  /** `eventId/seq` → outcomes in arrival order (stored, duplicate, stale, backfilled). */
  readonly outcomes: ReadonlyMap<string, readonly string[]>;
  readonly received: number;
  readonly duplicates: number;
}

/**
 * The cloud as a real process (`cloud/src/main.ts --config`) on a fixed loopback port with a data
 * directory that survives restarts, so a test can stop it (SIGTERM or SIGKILL) and start it again.
 */
export class CloudProcess {
  readonly configFile: string;
  readonly dataDir: string;
  readonly base: string;
  /** Every run so far, oldest first: the ingest tally reads all of their logs. */
  readonly runs: NodeChild[] = [];

  constructor(
    dir: string,
    readonly port: number,
    edges: readonly TestEdgeCredentials[],
  ) {
    this.dataDir = path.join(dir, 'data');
    this.configFile = path.join(dir, 'cloud.yaml');
    this.base = `http://127.0.0.1:${port}`;
    writeYaml(this.configFile, {
      server: { host: '127.0.0.1', port },
      dataDir: this.dataDir,
      // debug: the ingest logs one record per event message with its outcome, which the tally counts.
      logLevel: 'debug',
      auth: { admin: { password: 'fault-admin-password' } },
      edges: edges.map((e) => ({ id: e.id, token: e.token })),
      health: { heartbeatIntervalMs: 1000 },
    });
  }

  get current(): NodeChild | undefined {
    return this.runs.at(-1);
  }

  /** Starts a run and resolves once it listens; returns how long that took (ms). */
  async start(timeoutMs = 30_000): Promise<number> {
    const t0 = Date.now();
    const child = NodeChild.start(`cloud#${this.runs.length + 1}`, 'cloud/src/main.ts', ['--config', this.configFile]);
    this.runs.push(child);
    await child.waitForLine('"listening on"', (l) => l.startsWith('Mingliang cloud listening on'), timeoutMs);
    return Date.now() - t0;
  }

  /** Reads the events table (read-only; the running cloud keeps writing). */
  events(): Map<string, StoredEvent> {
    const db = new Database(path.join(this.dataDir, 'mingliang.sqlite'), { readonly: true, fileMustExist: true });
    try {
      const rows = db.prepare('SELECT id, seq, phase, snapshot_sha256, clip_json FROM events').all() as {
        id: string;
        seq: number;
        phase: string;
        snapshot_sha256: string | null;
        clip_json: string | null;
      }[];
      return new Map(
        rows.map((r) => [
          r.id,
          {
            id: r.id,
            seq: r.seq,
            phase: r.phase,
            snapshotSha256: r.snapshot_sha256,
            clipSha256: r.clip_json === null ? null : (JSON.parse(r.clip_json) as { sha256: string }).sha256,
          },
        ]),
      );
    } finally {
      db.close();
    }
  }

  /**
   * Problems with the evidence store: a referenced file missing from the table or the disk, bytes that
   * do not hash to their name, a partial upload left in tmp/, or a file on disk the table does not know.
   */
  evidenceProblems(referenced: Iterable<string>): string[] {
    const dir = path.join(this.dataDir, 'evidence');
    const db = new Database(path.join(this.dataDir, 'mingliang.sqlite'), { readonly: true, fileMustExist: true });
    const rows = new Map(
      (db.prepare('SELECT sha256, rel_path, size FROM evidence').all() as { sha256: string; rel_path: string; size: number }[]).map((r) => [r.sha256, r]),
    );
    db.close();
    const problems: string[] = [];
    for (const sha of new Set(referenced)) {
      const row = rows.get(sha);
      if (!row) {
        problems.push(`evidence ${sha} is not in the evidence table`);
        continue;
      }
      const file = path.join(dir, row.rel_path);
      if (!existsSync(file)) {
        problems.push(`evidence ${sha}: ${row.rel_path} is missing`);
        continue;
      }
      const bytes = readFileSync(file);
      const actual = createHash('sha256').update(bytes).digest('hex');
      if (actual !== sha) problems.push(`evidence ${sha}: the file hashes to ${actual}`);
      if (bytes.length !== row.size) problems.push(`evidence ${sha}: ${bytes.length} bytes on disk, ${row.size} recorded`);
    }
    const tmp = path.join(dir, 'tmp');
    for (const f of existsSync(tmp) ? readdirSync(tmp) : []) problems.push(`partial upload left in evidence/tmp: ${f}`);
    const known = new Set([...rows.values()].map((r) => r.rel_path));
    for (const sub of existsSync(dir) ? readdirSync(dir).filter((d) => d !== 'tmp') : []) {
      for (const f of readdirSync(path.join(dir, sub))) {
        if (!known.has(path.join(sub, f))) problems.push(`file evidence/${sub}/${f} is not in the evidence table`);
      }
    }
    return problems;
  }

  /** Files in evidence/tmp right now (uploads being received). */
  partialUploads(): string[] {
    const tmp = path.join(this.dataDir, 'evidence', 'tmp');
    return existsSync(tmp) ? readdirSync(tmp) : [];
  }

  /** Tallies the `event` debug records of every run: what the cloud did with each message it received. */
  ingestTally(): IngestTally {
    const outcomes = new Map<string, string[]>();
    let received = 0;
    let duplicates = 0;
    for (const run of this.runs) {
      for (const r of run.records()) {
        if (r.msg !== 'event' || typeof r.eventId !== 'string' || typeof r.outcome !== 'string') continue;
        received += 1;
        if (r.outcome === 'duplicate') duplicates += 1;
        const key = `${r.eventId}/${String(r.seq)}`;
        outcomes.set(key, [...(outcomes.get(key) ?? []), r.outcome]);
      }
    }
    return { outcomes, received, duplicates };
  }

  /** Evidence uploads the cloud logged: sha256 → how many times each was stored (201) and found already stored (200). */
  uploadTally(): Map<string, { stored: number; repeated: number }> {
    const out = new Map<string, { stored: number; repeated: number }>();
    for (const run of this.runs) {
      for (const r of run.records()) {
        if (r.msg !== 'evidence upload' || typeof r.sha256 !== 'string') continue;
        const t = out.get(r.sha256) ?? { stored: 0, repeated: 0 };
        if (r.stored === true) t.stored += 1;
        else t.repeated += 1;
        out.set(r.sha256, t);
      }
    }
    return out;
  }
}

/** What a delivery check needs of one produced message. */
export interface ProducedMessage {
  id: string;
  seq: number;
  phase: string;
  snapshotSha256?: string | undefined;
  clipSha256?: string | undefined;
}

export function produced(msg: EventMessage): ProducedMessage {
  return { id: msg.id, seq: msg.seq, phase: msg.phase, snapshotSha256: msg.snapshot?.sha256, clipSha256: msg.clip?.sha256 };
}

/**
 * Compares what an edge produced with what the cloud stored: every event id present, its stored seq
 * and phase those of the last message produced for it, its snapshot and clip those last announced, and
 * every message applied exactly once (resends answered `duplicate` are fine: that is the idempotent
 * store at work). Returns the problems (empty when delivery was exact).
 */
export function deliveryProblems(messages: readonly ProducedMessage[], stored: ReadonlyMap<string, StoredEvent>, tally: IngestTally): string[] {
  const last = new Map<string, ProducedMessage>();
  const snapshot = new Map<string, string>();
  const clip = new Map<string, string>();
  for (const m of messages) {
    last.set(m.id, m);
    if (m.snapshotSha256) snapshot.set(m.id, m.snapshotSha256);
    if (m.clipSha256) clip.set(m.id, m.clipSha256);
  }
  const problems: string[] = [];
  for (const [id, m] of last) {
    const s = stored.get(id);
    if (!s) {
      problems.push(`event ${id} (last seq ${m.seq} ${m.phase}) was never stored`);
      continue;
    }
    if (s.seq !== m.seq || s.phase !== m.phase) problems.push(`event ${id}: stored seq ${s.seq} ${s.phase}, last produced seq ${m.seq} ${m.phase}`);
    if ((snapshot.get(id) ?? null) !== s.snapshotSha256) problems.push(`event ${id}: stored snapshot ${s.snapshotSha256}, produced ${snapshot.get(id)}`);
    if ((clip.get(id) ?? null) !== s.clipSha256) problems.push(`event ${id}: stored clip ${s.clipSha256}, produced ${clip.get(id)}`);
  }
  for (const m of messages) {
    const seen = tally.outcomes.get(`${m.id}/${m.seq}`) ?? [];
    const applied = seen.filter((o) => o === 'stored' || o === 'backfilled').length;
    if (applied !== 1) problems.push(`message ${m.id}/${m.seq} was applied ${applied} times (${seen.join(', ') || 'never received'})`);
  }
  return problems;
}

/** One message still in an edge's outbox. */
export interface OutboxRow extends ProducedMessage {
  rowId: number;
  /** sha256 of every evidence row of the message, dropped by the quota or not. */
  evidence: string[];
}

/** Reads an edge's outbox from its data directory (read-only: the edge may be running, or dead). */
export function readOutbox(edgeDataDir: string): OutboxRow[] {
  const db = new Database(path.join(edgeDataDir, 'outbox.sqlite'), { readonly: true, fileMustExist: true });
  try {
    const rows = db.prepare('SELECT id, payload FROM messages ORDER BY id').all() as { id: number; payload: string }[];
    const ev = db.prepare('SELECT sha256 FROM message_evidence WHERE message_id = ? AND dropped = 0');
    return rows.map((r) => ({
      rowId: r.id,
      ...produced(JSON.parse(r.payload) as EventMessage),
      evidence: (ev.all(r.id) as { sha256: string }[]).map((e) => e.sha256),
    }));
  } finally {
    db.close();
  }
}

/** Files in an edge's outbox evidence directory. */
export function outboxFiles(edgeDataDir: string): string[] {
  const dir = path.join(edgeDataDir, 'outbox-evidence');
  return existsSync(dir) ? readdirSync(dir) : [];
}

/**
 * The camera both fault tests run: the Intel parking lot with every analysed frame detected, low thresholds
 * (the top-down view gives weak scores) and short events, so events and clips come often.
 */
export function parkingLotFaultCamera(id: string, url: string, eventMs: number, record: { preSeconds: number; postSeconds: number; bufferSeconds: number; maxClipSeconds: number }) {
  const presence = { type: 'presence', minScore: 0.15, enterFrames: 2, exitFrames: 3, updateIntervalMs: 1000, maxDurationMs: eventMs };
  return {
    id,
    name: 'Parking lot',
    url,
    detect: { width: 768, height: 432, fps: 4 },
    models: ['coco-yolox-nano'],
    motion: { enabled: false },
    health: { enabled: false },
    record: { enabled: true, segmentSeconds: 1, ...record },
    rules: [
      { ...presence, id: 'vehicle-present', classes: ['car', 'truck', 'bus', 'motorcycle'] },
      { ...presence, id: 'person-present', classes: ['person', 'bicycle'], minScore: 0.2 },
    ],
  };
}
