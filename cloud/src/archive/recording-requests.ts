import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { FastifyBaseLogger } from 'fastify';
import { CodedError, type RecordingListing, type RecordingRequestItem } from '../../../protocol/index.js';
import type { ArchiveConfig } from './archive-config.js';
import type { ArchiveRepository, RecordingRequestRecord } from './archive-repo.js';
import type { EdgeRecordings } from './edge-recordings.js';

/** What recording requests need from the rest of the cloud. */
export interface RecordingRequestsDeps {
  readonly repo: ArchiveRepository;
  readonly edges: EdgeRecordings;
  /** The edge a camera belongs to; undefined for an unknown camera. */
  readonly cameraOwner: (cameraId: string) => string | undefined;
  /** Where fetched recordings are kept (`<id>.mp4`). */
  readonly dir: string;
  readonly config: ArchiveConfig;
  readonly log: FastifyBaseLogger;
  readonly now?: () => number;
}

/** A range may end a little in the future (clocks differ); the unrecorded rest is reported as a gap. */
const FUTURE_SLACK_MS = 60_000;

/** Where a ready recording is served from (with the bearer token; HTTP Range supported). */
export const recordingFileUrl = (id: string): string => `/api/recordings/requests/${id}/file`;

/**
 * Recording playback requests: a user asks for [from, to) of a camera, the cloud sends the camera's
 * edge `recording:fetch`, the edge uploads the joined MP4 (`receiveUpload`) and answers with the gaps;
 * the request is then ready and its file served with HTTP Range. Requests are rows in SQLite; the
 * wait for the edge lives in this process (a restart fails what is pending).
 */
export class RecordingRequests {
  private readonly progress = new Map<string, number>();
  private readonly running = new Map<string, Promise<RecordingRequestRecord>>();
  private readonly now: () => number;
  private closed = false;

  constructor(private readonly deps: RecordingRequestsDeps) {
    this.now = deps.now ?? Date.now;
  }

  async init(): Promise<void> {
    await mkdir(this.deps.dir, { recursive: true });
    // Uploads a process that died was receiving.
    for (const f of await readdir(this.deps.dir)) if (f.endsWith('.part')) await unlink(path.join(this.deps.dir, f)).catch(() => undefined);
  }

  /** Path of a request's file (present once uploaded). */
  filePath(id: string): string {
    return path.join(this.deps.dir, `${id}.mp4`);
  }

  /** The edge of a camera; NOT_FOUND for an unknown camera. */
  edgeOf(cameraId: string): string {
    const edgeId = this.deps.cameraOwner(cameraId);
    if (edgeId === undefined) throw new CodedError('NOT_FOUND', `no camera ${cameraId}`);
    return edgeId;
  }

  /** The edge of a camera; NOT_FOUND for an unknown camera, NOT_READY (503) when its edge is offline. */
  requireOnline(cameraId: string): string {
    const edgeId = this.edgeOf(cameraId);
    if (!this.deps.edges.isOnline(edgeId)) {
      throw new CodedError('NOT_READY', `the camera's edge ${edgeId} is offline; recordings can be fetched only while it is connected`, 503);
    }
    return edgeId;
  }

  /** @throws CodedError BAD_REQUEST for an empty, reversed, too long or future range */
  checkRange(from: number, to: number, maxSeconds = this.deps.config.maxRangeSeconds): void {
    if (to <= from) throw new CodedError('BAD_REQUEST', `the range must have from < to (got ${from}..${to})`);
    if (to - from > maxSeconds * 1000) throw new CodedError('BAD_REQUEST', `the range is longer than ${maxSeconds} s`);
    if (from > this.now() + FUTURE_SLACK_MS) throw new CodedError('BAD_REQUEST', 'the range lies in the future');
  }

  /** What the camera's edge has recorded in [from, to). */
  async list(cameraId: string, from: number, to: number): Promise<RecordingListing> {
    this.checkRange(from, to, this.deps.config.maxListRangeSeconds);
    const edgeId = this.edgeOf(cameraId);
    const ack = await this.deps.edges.list(edgeId, { cameraId, from, to }, this.deps.config.listTimeoutMs);
    if (!ack.ok) throw edgeRefusal(edgeId, ack.error);
    return ack.result;
  }

  /**
   * Starts a request: checks the range and that the edge is online (NOT_READY otherwise: nothing is
   * stored), stores it pending and sends the fetch in the background.
   */
  create(userId: number, cameraId: string, from: number, to: number): RecordingRequestRecord {
    this.checkRange(from, to);
    const edgeId = this.requireOnline(cameraId);
    const now = this.now();
    const id = randomUUID();
    this.deps.repo.insertRequest({ id, cameraId, edgeId, userId, from, to, createdAt: now, expiresAt: now + this.deps.config.retentionHours * 3600_000 });
    const record = this.deps.repo.getRequest(id);
    if (!record) throw new Error(`recording request ${id} vanished after insert`);
    const job = this.run(record)
      .catch((err: unknown) => {
        // Only a closed database gets here (the cloud shut down mid-request); the row fails at the next start.
        if (!this.closed) this.deps.log.error({ err, requestId: id }, 'recording request bookkeeping failed');
        return record;
      })
      .finally(() => {
        this.running.delete(id);
        this.progress.delete(id);
      });
    this.running.set(id, job);
    return record;
  }

  /** Resolves with the request once it is no longer pending. */
  async whenSettled(id: string): Promise<RecordingRequestRecord | undefined> {
    const job = this.running.get(id);
    return job ? await job : this.deps.repo.getRequest(id);
  }

  get(id: string): RecordingRequestRecord | undefined {
    return this.deps.repo.getRequest(id);
  }

  /** The REST view of a request. */
  item(r: RecordingRequestRecord): RecordingRequestItem {
    const ready = r.state === 'ready';
    return {
      id: r.id,
      cameraId: r.cameraId,
      from: r.from,
      to: r.to,
      state: r.state,
      progress: ready ? 1 : r.state === 'pending' ? (this.progress.get(r.id) ?? 0) : 0,
      gaps: r.gaps,
      startAt: r.startAt,
      endAt: r.endAt,
      size: ready ? r.size : null,
      sha256: ready ? r.sha256 : null,
      url: ready ? recordingFileUrl(r.id) : null,
      error: r.error,
      createdAt: r.createdAt,
      expiresAt: r.expiresAt,
    };
  }

  /**
   * Stores an edge's upload for a pending request of that edge: hashed while it streams to a
   * temporary file, kept only when complete and matching `sha256`.
   * @throws CodedError NOT_FOUND (no such pending request of this edge), PAYLOAD_TOO_LARGE, EVIDENCE_MISMATCH, BAD_REQUEST
   */
  async receiveUpload(edgeId: string, id: string, sha256: string, body: Readable, declaredBytes: number | undefined): Promise<number> {
    const request = this.deps.repo.getRequest(id);
    if (!request || request.edgeId !== edgeId || request.state !== 'pending') throw new CodedError('NOT_FOUND', `no pending recording request ${id} for edge ${edgeId}`);
    const max = this.deps.config.maxRecordingBytes;
    if (declaredBytes !== undefined && declaredBytes > max) throw new CodedError('PAYLOAD_TOO_LARGE', `recording larger than ${max} bytes`);
    const tmp = path.join(this.deps.dir, `${id}.${randomUUID()}.part`);
    const hash = createHash('sha256');
    let size = 0;
    const progress = this.progress;
    const meter = new Transform({
      transform(chunk: Buffer, _encoding, callback: TransformCallback) {
        size += chunk.length;
        if (size > max) {
          callback(new CodedError('PAYLOAD_TOO_LARGE', `recording larger than ${max} bytes`));
          return;
        }
        hash.update(chunk);
        if (declaredBytes) progress.set(id, Math.min(0.99, size / declaredBytes));
        callback(null, chunk);
      },
    });
    try {
      try {
        await pipeline(body, meter, createWriteStream(tmp, { flags: 'wx', flush: true }));
      } catch (err) {
        if (err instanceof CodedError) throw err;
        throw new CodedError('BAD_REQUEST', 'upload interrupted before the body was complete');
      }
      if (size === 0) throw new CodedError('BAD_REQUEST', 'empty recording body');
      const actual = hash.digest('hex');
      if (actual !== sha256) throw new CodedError('EVIDENCE_MISMATCH', `body hashes to ${actual}, not ${sha256}`);
      await rename(tmp, this.filePath(id));
      this.deps.repo.uploaded(id, size, sha256, this.now());
      return size;
    } finally {
      await unlink(tmp).catch(() => undefined); // renamed, or never created
    }
  }

  /** Deletes the files of expired requests. */
  async sweep(): Promise<number> {
    const now = this.now();
    const ids = this.deps.repo.expiredRequests(now).filter((id) => !this.running.has(id));
    for (const id of ids) {
      await unlink(this.filePath(id)).catch(() => undefined); // a failed request has no file
      this.deps.repo.expireRequest(id, now);
    }
    return ids.length;
  }

  /**
   * Stops bookkeeping: requests still waiting for an edge are left pending, and the next start fails
   * them (`failInterrupted`), since their answer can no longer arrive.
   */
  close(): void {
    this.closed = true;
  }

  private async run(r: RecordingRequestRecord): Promise<RecordingRequestRecord> {
    const { repo, edges, config, log } = this.deps;
    try {
      const ack = await edges.fetch(r.edgeId, { requestId: r.id, cameraId: r.cameraId, from: r.from, to: r.to }, config.fetchTimeoutSeconds * 1000);
      if (this.closed) return r;
      if (!ack.ok) {
        repo.settleRequest(r.id, { state: 'failed', gaps: ack.gaps ?? [], error: `${ack.error.code}: ${ack.error.message}` }, this.now());
      } else {
        const uploaded = repo.getRequest(r.id);
        if (uploaded?.sha256 !== ack.result.sha256 || uploaded.size !== ack.result.size) {
          repo.settleRequest(r.id, { state: 'failed', gaps: ack.result.gaps, error: 'the edge reported a file the cloud did not receive intact' }, this.now());
        } else {
          const { startAt, endAt, segments, gaps } = ack.result;
          repo.settleRequest(r.id, { state: 'ready', gaps, startAt, endAt, segments }, this.now());
        }
      }
    } catch (err) {
      if (this.closed) return r;
      const message = err instanceof Error ? err.message : String(err);
      log.warn({ requestId: r.id, cameraId: r.cameraId, err: message }, 'recording request failed');
      repo.settleRequest(r.id, { state: 'failed', gaps: [], error: message }, this.now());
    }
    const settled = repo.getRequest(r.id);
    if (!settled) throw new Error(`recording request ${r.id} vanished`);
    if (settled.state !== 'ready') await unlink(this.filePath(r.id)).catch(() => undefined); // no half-delivered file is kept
    return settled;
  }
}

function edgeRefusal(edgeId: string, error: { code: string; message: string }): CodedError {
  if (error.code === 'NOT_FOUND') return new CodedError('NOT_FOUND', error.message);
  if (error.code === 'BAD_MESSAGE') return new CodedError('BAD_REQUEST', error.message);
  return new CodedError('NOT_READY', `edge ${edgeId}: ${error.code}: ${error.message}`, 503);
}
