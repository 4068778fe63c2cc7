import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CodedError } from '../../../protocol/index.js';
import type { EvidenceRepository } from '../db/evidence-repo.js';

/** One upload to store. */
export interface EvidenceUpload {
  /** The SHA-256 the uploader announced (lower-case hex); the body must hash to it. */
  sha256: string;
  contentType: string;
  /** The uploading edge; null for a file a user uploaded (a rectification photo). */
  edgeId: string | null;
  body: Readable;
  maxBytes: number;
}

/** A stored evidence file ready to be served. */
export interface EvidenceFile {
  path: string;
  size: number;
  contentType: string;
}

const TMP_DIR = 'tmp';
const TMP_SUFFIX = '.part';

/**
 * Evidence files under `<dir>/<first two hex digits>/<sha256>`, written content-addressed: a body is
 * hashed while it streams into a temporary file, and only a complete file with the announced hash is
 * renamed into place, so readers never see a partial or wrong file and repeats are harmless.
 */
export class EvidenceStore {
  private readonly tmpDir: string;

  constructor(
    readonly dir: string,
    private readonly repo: EvidenceRepository,
    private readonly now: () => number = Date.now,
  ) {
    this.tmpDir = path.join(dir, TMP_DIR);
  }

  /**
   * Creates the directories and deletes temporary files a crash left behind.
   * @returns how many leftover temporary files were deleted
   */
  async init(): Promise<number> {
    await mkdir(this.tmpDir, { recursive: true });
    const leftovers = (await readdir(this.tmpDir)).filter((f) => f.endsWith(TMP_SUFFIX));
    await Promise.all(leftovers.map((f) => unlinkIfPresent(path.join(this.tmpDir, f))));
    return leftovers.length;
  }

  /** Where the file for a SHA-256 lives, relative to {@link EvidenceStore.dir}. */
  static relativePath(sha256: string): string {
    return path.join(sha256.slice(0, 2), sha256);
  }

  /**
   * Streams an upload to disk.
   * @returns whether this call stored the file (false: it was already there)
   * @throws CodedError EVIDENCE_MISMATCH, PAYLOAD_TOO_LARGE, BAD_REQUEST (empty or interrupted body)
   */
  async put(upload: EvidenceUpload): Promise<{ stored: boolean; size: number }> {
    const tmp = path.join(this.tmpDir, `${randomUUID()}${TMP_SUFFIX}`);
    const hash = createHash('sha256');
    let size = 0;
    const meter = new Transform({
      transform(chunk: Buffer, _encoding, callback: TransformCallback) {
        size += chunk.length;
        if (size > upload.maxBytes) {
          callback(new CodedError('PAYLOAD_TOO_LARGE', `evidence larger than ${upload.maxBytes} bytes`));
          return;
        }
        hash.update(chunk);
        callback(null, chunk);
      },
    });
    try {
      try {
        // flush: the data must be on disk before the rename makes the file visible under its final name.
        await pipeline(upload.body, meter, createWriteStream(tmp, { flags: 'wx', mode: 0o644, flush: true }));
      } catch (err) {
        if (err instanceof CodedError) throw err;
        throw new CodedError('BAD_REQUEST', 'upload interrupted before the body was complete');
      }
      if (size === 0) throw new CodedError('BAD_REQUEST', 'empty evidence body');
      const actual = hash.digest('hex');
      if (actual !== upload.sha256) {
        throw new CodedError('EVIDENCE_MISMATCH', `body hashes to ${actual}, not ${upload.sha256}`);
      }
      const relPath = EvidenceStore.relativePath(upload.sha256);
      const finalPath = path.join(this.dir, relPath);
      const existed = await fileExists(finalPath);
      if (!existed) {
        await mkdir(path.dirname(finalPath), { recursive: true });
        // rename is atomic within one file system; two concurrent uploads of the same hash both end well.
        await rename(tmp, finalPath);
      }
      this.repo.insert(
        { sha256: upload.sha256, relPath, size, contentType: upload.contentType, edgeId: upload.edgeId },
        this.now(),
      );
      return { stored: !existed, size };
    } finally {
      await unlinkIfPresent(tmp);
    }
  }

  /** The stored file for a SHA-256, or undefined when it was never uploaded (or was removed). */
  async get(sha256: string): Promise<EvidenceFile | undefined> {
    const record = this.repo.get(sha256);
    if (!record) return undefined;
    const file = path.join(this.dir, record.relPath);
    return (await fileExists(file)) ? { path: file, size: record.size, contentType: record.contentType } : undefined;
  }
}

async function fileExists(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

async function unlinkIfPresent(file: string): Promise<void> {
  try {
    await unlink(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}
