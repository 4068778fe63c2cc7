import { access, mkdir, readdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import {
  anchorFileName,
  listFileName,
  parseRunFileName,
  planDirectory,
  recoverRun,
  segmentFileName,
  type ListedFile,
} from './segment-files.js';
import { SegmentIndex, type PrunePolicy, type RetainedRange, type SegmentInfo } from './segment-index.js';

/** The retained ranges of the `events` recording mode, beside the segments. */
const RETAINED_FILE = 'retained.json';

/** What one pruning pass did. */
export interface PruneResult {
  readonly removedByAge: number;
  readonly removedByQuota: number;
  readonly removedBytes: number;
  /** Segments past the limits that protections kept. */
  readonly keptProtected: number;
  /** Bytes above the quota that only protected segments hold. */
  readonly overQuotaBytes: number;
}

/**
 * One camera's segment directory on disk and its {@link SegmentIndex}: rebuilding the index from
 * the directory, turning ffmpeg's part files into finished segments, recovering what a crash left,
 * and pruning. One store (one recorder) per directory.
 */
export class SegmentStore {
  readonly index = new SegmentIndex();

  constructor(
    readonly dir: string,
    private readonly log: Logger,
  ) {}

  /**
   * Creates the directory, indexes its finished segments and recovers every run left behind by a
   * process that did not finish it (see `recoverRun`). Returns how many segments were recovered.
   */
  async load(): Promise<number> {
    await mkdir(this.dir, { recursive: true });
    await this.loadRetained();
    const plan = planDirectory(this.dir, await this.list());
    for (const s of plan.segments) this.index.add(s);
    let recovered = 0;
    for (const run of plan.runs) {
      const listText = run.listName === undefined ? undefined : await readOptional(path.join(this.dir, run.listName));
      const anchorText = run.anchorName === undefined ? undefined : await readOptional(path.join(this.dir, run.anchorName));
      const anchorMs = anchorText === undefined || !Number.isFinite(Number(anchorText)) ? undefined : Number(anchorText);
      const segs = await this.recover({
        runId: run.runId,
        parts: run.parts,
        ...(listText === undefined ? {} : { listText }),
        ...(anchorMs === undefined ? {} : { anchorMs }),
      });
      recovered += segs.length;
    }
    this.log.info(
      { segments: this.index.size, bytes: this.index.totalBytes, recovered, foreign: plan.foreign.length },
      'segment directory loaded',
    );
    return recovered;
  }

  /**
   * Gives part files of a finished run their spans (`recoverRun`), renames them to finished
   * segments, and deletes the run's list and anchor. `parts` default: every part of the run on disk.
   * Returns the segments it indexed.
   */
  async recover(run: {
    readonly runId: number;
    readonly parts?: readonly ListedFile[];
    readonly listText?: string;
    readonly anchorMs?: number;
    readonly afterMs?: number;
  }): Promise<SegmentInfo[]> {
    const parts =
      run.parts ??
      (await this.list()).filter((f) => {
        const parsed = parseRunFileName(f.name);
        return parsed?.kind === 'part' && parsed.runId === run.runId;
      });
    const { segments, discard } = recoverRun({ ...run, parts });
    for (const name of discard) await this.removeFile(path.join(this.dir, name));
    const done: SegmentInfo[] = [];
    for (const s of segments) {
      const seg = await this.finish(s.partName, s.startAt, s.endAt);
      if (seg === undefined) continue;
      done.push(seg);
      this.log.info({ file: path.basename(seg.file), estimated: s.estimated }, 'recovered segment of an ended run');
    }
    await this.removeFile(path.join(this.dir, listFileName(run.runId)));
    await this.removeFile(path.join(this.dir, anchorFileName(run.runId)));
    return done;
  }

  /** Renames a closed part file to its finished name and indexes it; undefined if it is gone or empty. */
  async finish(partName: string, startAt: number, endAt: number): Promise<SegmentInfo | undefined> {
    const from = path.join(this.dir, partName);
    let bytes: number;
    try {
      bytes = (await stat(from)).size;
    } catch (err) {
      if (!isMissing(err)) throw err;
      this.log.warn({ file: partName }, 'closed segment vanished before it was indexed');
      return undefined;
    }
    if (bytes === 0) {
      await this.removeFile(from);
      return undefined;
    }
    let dup = 0;
    let to = path.join(this.dir, segmentFileName(startAt, endAt));
    while (await exists(to)) to = path.join(this.dir, segmentFileName(startAt, endAt, ++dup));
    await rename(from, to);
    const seg: SegmentInfo = { file: to, startAt, endAt, bytes };
    this.index.add(seg);
    return seg;
  }

  /**
   * Loads the retained ranges of the `events` recording mode from `retained.json` (missing or
   * unreadable: none, with a warning for the latter).
   */
  async loadRetained(): Promise<void> {
    const text = await readOptional(path.join(this.dir, RETAINED_FILE));
    if (text === undefined) return;
    try {
      const parsed = JSON.parse(text) as unknown;
      const ranges = Array.isArray(parsed)
        ? parsed.filter((r): r is RetainedRange => typeof r === 'object' && r !== null && typeof (r as RetainedRange).fromMs === 'number' && typeof (r as RetainedRange).toMs === 'number')
        : [];
      this.index.setRetained(ranges);
    } catch (err) {
      // A torn file cannot happen (write-then-rename); a hand-edited one must not stop the recorder.
      this.log.warn({ err, file: RETAINED_FILE }, 'retained ranges unreadable; starting without them');
    }
  }

  /** Writes the retained ranges (write-then-rename, so a crash leaves the old or the new list). */
  async saveRetained(): Promise<void> {
    const file = path.join(this.dir, RETAINED_FILE);
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify(this.index.retainedRanges()));
    await rename(tmp, file);
  }

  /** Saves a run's timeline origin for crash recovery. */
  async saveAnchor(runId: number, originMs: number): Promise<void> {
    await writeFile(path.join(this.dir, anchorFileName(runId)), String(originMs));
  }

  /**
   * Removes the segments `policy` allows (unprotected ones past the age or over the quota), from the
   * index first, so no clip picks a file being deleted.
   */
  async prune(nowMs: number, policy: PrunePolicy): Promise<PruneResult> {
    const plan = this.index.planPrune(nowMs, policy);
    const drop = [...plan.byAge, ...plan.byQuota];
    this.index.remove(drop.map((s) => s.file));
    let removedBytes = 0;
    for (const s of drop) {
      try {
        await unlink(s.file);
        removedBytes += s.bytes;
      } catch (err) {
        // Gone already (someone cleaned up): the goal is reached. Other errors leave a file the
        // quota no longer counts; say so, since the disk may fill.
        if (isMissing(err)) removedBytes += s.bytes;
        else this.log.error({ err, file: s.file }, 'could not delete a pruned segment');
      }
    }
    return {
      removedByAge: plan.byAge.length,
      removedByQuota: plan.byQuota.length,
      removedBytes,
      keptProtected: plan.keptProtected.length,
      overQuotaBytes: plan.overQuotaBytes,
    };
  }

  /** The directory's files (not subdirectories) with size and mtime. */
  async list(): Promise<ListedFile[]> {
    const entries = await readdir(this.dir, { withFileTypes: true });
    const out: ListedFile[] = [];
    for (const e of entries) {
      if (!e.isFile()) continue;
      try {
        const s = await stat(path.join(this.dir, e.name));
        out.push({ name: e.name, bytes: s.size, mtimeMs: s.mtimeMs });
      } catch (err) {
        // Deleted between readdir and stat: it is not part of the listing.
        if (!isMissing(err)) throw err;
      }
    }
    return out;
  }

  private async removeFile(file: string): Promise<void> {
    try {
      await unlink(file);
    } catch (err) {
      // Never written (a run that ended before its first segment has no list): nothing to remove.
      if (!isMissing(err)) throw err;
    }
  }
}

function isMissing(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    // access() reports absence only by throwing.
    return false;
  }
}

async function readOptional(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    if (isMissing(err)) return undefined;
    throw err;
  }
}
