import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import { Transform, type TransformCallback } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import type { FastifyBaseLogger } from 'fastify';
import { ZipFile } from 'yazl';
import { CodedError, type EventItem, type ExportItem, type ExportManifest, type ExportManifestFile, type RecordingGap } from '../../../protocol/index.js';
import type { AccessScope, AuthUser } from '../access/access-scope.js';
import type { EvidenceStore } from '../evidence/evidence-store.js';
import type { ArchiveConfig } from './archive-config.js';
import type { ArchiveRepository, ExportRecord } from './archive-repo.js';
import type { RecordingRequests } from './recording-requests.js';

/** What exports need from the rest of the cloud. */
export interface EvidenceExportsDeps {
  readonly repo: ArchiveRepository;
  readonly eventOf: (id: string) => EventItem | undefined;
  readonly evidence: Pick<EvidenceStore, 'get'>;
  readonly recordings: RecordingRequests;
  /** Where built zips are kept (`<id>.zip`). */
  readonly dir: string;
  readonly config: ArchiveConfig;
  readonly log: FastifyBaseLogger;
  readonly now?: () => number;
}

/** What to export (already schema-checked). */
export interface ExportSpec {
  eventIds?: readonly string[] | undefined;
  cameraId?: string | undefined;
  from?: number | undefined;
  to?: number | undefined;
}

/** One file to put in the zip: bytes in memory or a file on disk. */
type Entry = { path: string } & ({ data: Buffer } | { file: string });

/** Where a ready export is downloaded from (with the bearer token). */
export const exportDownloadUrl = (id: string): string => `/api/exports/${id}/download`;

/** The sha256sum format: `<hex>  <path>` per line. */
export function sha256sums(files: readonly ExportManifestFile[]): string {
  return files.map((f) => `${f.sha256}  ${f.path}\n`).join('');
}

/**
 * Evidence exports: a zip built in the background with, for each event, its JSON record (the event,
 * its evidence references and workflow timeline), its snapshot and MP4 clip from the evidence store;
 * for a time range, the recording fetched from the camera's edge; and `manifest.json` plus
 * `SHA256SUMS` listing every file with its size and SHA-256 (computed from the bytes as they go into
 * the zip). Media entries are stored uncompressed: they are compressed already.
 */
export class EvidenceExports {
  private readonly running = new Map<string, Promise<void>>();
  private readonly now: () => number;
  private closed = false;

  constructor(private readonly deps: EvidenceExportsDeps) {
    this.now = deps.now ?? Date.now;
  }

  async init(): Promise<void> {
    await mkdir(this.deps.dir, { recursive: true });
    // Half-built zips of a process that died.
    for (const f of await readdir(this.deps.dir)) if (f.endsWith('.part')) await unlink(path.join(this.deps.dir, f)).catch(() => undefined);
  }

  filePath(id: string): string {
    return path.join(this.deps.dir, `${id}.zip`);
  }

  /**
   * Checks the spec against the caller's scope (every event and the camera; out of scope reads as
   * not found) and the limits, stores the export and builds it in the background. Nothing is stored
   * when a check fails.
   */
  create(user: AuthUser, scope: AccessScope, spec: ExportSpec): ExportRecord {
    const { config, recordings } = this.deps;
    const eventIds = [...(spec.eventIds ?? [])];
    const hasRange = spec.cameraId !== undefined || spec.from !== undefined || spec.to !== undefined;
    if (eventIds.length === 0 && !hasRange) throw new CodedError('BAD_REQUEST', 'name eventIds, or cameraId with from and to');
    if (eventIds.length > config.maxEventsPerExport) throw new CodedError('BAD_REQUEST', `at most ${config.maxEventsPerExport} events per export`);
    for (const id of eventIds) {
      const event = this.deps.eventOf(id);
      if (!event || !scope.seesCamera(event.cameraId)) throw new CodedError('NOT_FOUND', `no event ${id}`);
    }
    let range: { cameraId: string; from: number; to: number } | null = null;
    if (hasRange) {
      if (spec.cameraId === undefined || spec.from === undefined || spec.to === undefined) {
        throw new CodedError('BAD_REQUEST', 'a time range needs cameraId, from and to');
      }
      scope.requireCamera(spec.cameraId);
      recordings.checkRange(spec.from, spec.to);
      recordings.requireOnline(spec.cameraId);
      range = { cameraId: spec.cameraId, from: spec.from, to: spec.to };
    }
    const now = this.now();
    const id = randomUUID();
    this.deps.repo.insertExport({
      id,
      userId: user.id,
      eventIds,
      cameraId: range?.cameraId ?? null,
      from: range?.from ?? null,
      to: range?.to ?? null,
      createdAt: now,
      expiresAt: now + config.retentionHours * 3600_000,
    });
    const record = this.deps.repo.getExport(id);
    if (!record) throw new Error(`export ${id} vanished after insert`);
    const job = this.build(record, user)
      .catch((err: unknown) => {
        // Only a closed database gets here (the cloud shut down mid-build); the row fails at the next start.
        if (!this.closed) this.deps.log.error({ err, exportId: id }, 'export bookkeeping failed');
      })
      .finally(() => this.running.delete(id));
    this.running.set(id, job);
    return record;
  }

  get(id: string): ExportRecord | undefined {
    return this.deps.repo.getExport(id);
  }

  /** Resolves once the export is no longer building. */
  async whenSettled(id: string): Promise<ExportRecord | undefined> {
    await this.running.get(id);
    return this.deps.repo.getExport(id);
  }

  item(r: ExportRecord): ExportItem {
    const ready = r.state === 'ready';
    return {
      id: r.id,
      state: r.state,
      progress: ready ? 1 : r.filesTotal > 0 ? Math.min(1, r.filesDone / r.filesTotal) : 0,
      filesDone: r.filesDone,
      filesTotal: r.filesTotal,
      bytes: r.bytes,
      eventIds: r.eventIds,
      cameraId: r.cameraId,
      from: r.from,
      to: r.to,
      sha256: ready ? r.sha256 : null,
      url: ready ? exportDownloadUrl(r.id) : null,
      error: r.error,
      createdAt: r.createdAt,
      expiresAt: r.expiresAt,
    };
  }

  /** Deletes the zips of expired exports. */
  async sweep(): Promise<number> {
    const now = this.now();
    const ids = this.deps.repo.expiredExports(now).filter((id) => !this.running.has(id));
    for (const id of ids) {
      await unlink(this.filePath(id)).catch(() => undefined); // a failed export has no file
      this.deps.repo.expireExport(id, now);
    }
    return ids.length;
  }

  /** Stops bookkeeping; builds in flight are failed at the next start (`failInterrupted`). */
  close(): void {
    this.closed = true;
  }

  private async build(r: ExportRecord, user: AuthUser): Promise<void> {
    const { repo, log } = this.deps;
    const tmp = path.join(this.deps.dir, `${r.id}.${randomUUID()}.part`);
    try {
      const { entries, missing, rangeInfo } = await this.plan(r, user);
      const total = entries.length + 2;
      const zip = new ZipFile();
      let bytes = 0;
      const zipHash = createHash('sha256');
      const counter = new Transform({
        transform(chunk: Buffer, _enc, cb: TransformCallback) {
          bytes += chunk.length;
          zipHash.update(chunk);
          cb(null, chunk);
        },
      });
      const written = pipeline(zip.outputStream, counter, createWriteStream(tmp, { flags: 'wx', flush: true }));
      const files: ExportManifestFile[] = [];
      const mtime = new Date(r.createdAt);
      repo.exportProgress(r.id, 0, total, 0, this.now());
      for (const entry of entries) {
        if ('data' in entry) {
          zip.addBuffer(entry.data, entry.path, { mtime, compress: true });
          files.push({ path: entry.path, size: entry.data.length, sha256: createHash('sha256').update(entry.data).digest('hex') });
        } else {
          files.push(await addHashedFile(zip, entry.file, entry.path, mtime));
        }
        repo.exportProgress(r.id, files.length, total, bytes, this.now());
      }
      const manifest: ExportManifest = {
        format: 'mingliang-export/1',
        exportId: r.id,
        createdAt: r.createdAt,
        createdBy: user.username,
        eventIds: r.eventIds,
        range: rangeInfo,
        files,
        missing,
      };
      zip.addBuffer(Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`), 'manifest.json', { mtime, compress: true });
      zip.addBuffer(Buffer.from(sha256sums(files)), 'SHA256SUMS', { mtime, compress: true });
      zip.end();
      await written;
      await rename(tmp, this.filePath(r.id));
      repo.exportProgress(r.id, total, total, bytes, this.now());
      repo.settleExport(r.id, { state: 'ready', sha256: zipHash.digest('hex'), bytes }, this.now());
      log.info({ exportId: r.id, files: files.length, missing: missing.length, bytes }, 'export built');
    } catch (err) {
      await unlink(tmp).catch(() => undefined); // never started, or renamed
      if (this.closed) return;
      const message = err instanceof Error ? err.message : String(err);
      log.warn({ exportId: r.id, err: message }, 'export failed');
      repo.settleExport(r.id, { state: 'failed', error: message }, this.now());
    }
  }

  /** Gathers what goes into the zip; fetches the range's recording first (the slow part). */
  private async plan(
    r: ExportRecord,
    user: AuthUser,
  ): Promise<{ entries: Entry[]; missing: { path: string; reason: string }[]; rangeInfo: ExportManifest['range'] }> {
    const entries: Entry[] = [];
    const missing: { path: string; reason: string }[] = [];
    let rangeInfo: ExportManifest['range'] = null;
    if (r.cameraId !== null && r.from !== null && r.to !== null) {
      const request = this.deps.recordings.create(user.id, r.cameraId, r.from, r.to);
      const done = await this.deps.recordings.whenSettled(request.id);
      if (!done || done.state !== 'ready') throw new Error(`the recording of ${r.cameraId} could not be fetched: ${done?.error ?? 'unknown'}`);
      const base = `recordings/${r.cameraId}_${r.from}_${r.to}`;
      const gaps: RecordingGap[] = done.gaps;
      entries.push({ path: `${base}.mp4`, file: this.deps.recordings.filePath(done.id) });
      entries.push({
        path: `${base}.json`,
        data: json({ cameraId: r.cameraId, from: r.from, to: r.to, startAt: done.startAt, endAt: done.endAt, segments: done.segments, gaps, requestId: done.id }),
      });
      rangeInfo = { cameraId: r.cameraId, from: r.from, to: r.to, gaps };
    }
    for (const id of r.eventIds) {
      const event = this.deps.eventOf(id);
      const refs = this.deps.repo.evidenceOfEvent(id);
      if (!event || !refs) {
        missing.push({ path: `events/${id}.json`, reason: 'the event no longer exists' });
        continue;
      }
      const workflow = this.deps.repo.workflowOf(id);
      entries.push({ path: `events/${id}.json`, data: json({ event, snapshotSha256: refs.snapshotSha256, clip: refs.clip, workflow }) });
      for (const [name, sha] of [
        ['snapshot.jpg', refs.snapshotSha256],
        ['clip.mp4', refs.clip?.sha256 ?? null],
      ] as const) {
        if (sha === null) continue;
        const file = await this.deps.evidence.get(sha);
        if (file) entries.push({ path: `events/${id}/${name}`, file: file.path });
        else missing.push({ path: `events/${id}/${name}`, reason: `evidence ${sha} has not reached the cloud (not uploaded yet, or dropped by the edge's quota)` });
      }
    }
    return { entries, missing, rangeInfo };
  }
}

function json(value: unknown): Buffer {
  return Buffer.from(`${JSON.stringify(value, null, 2)}\n`);
}

/** Streams a file into the zip, hashing the very bytes yazl reads; resolves once yazl has taken them all. */
async function addHashedFile(zip: ZipFile, file: string, entryPath: string, mtime: Date): Promise<ExportManifestFile> {
  const hash = createHash('sha256');
  let size = 0;
  const hashing = new Transform({
    transform(chunk: Buffer, _enc, cb: TransformCallback) {
      hash.update(chunk);
      size += chunk.length;
      cb(null, chunk);
    },
  });
  const source = createReadStream(file);
  source.on('error', (err) => hashing.destroy(err));
  source.pipe(hashing);
  zip.addReadStream(hashing, entryPath, { mtime, compress: false });
  // Both sides: the readable side ends only once yazl has read every byte.
  await finished(hashing);
  return { path: entryPath, size, sha256: hash.digest('hex') };
}
