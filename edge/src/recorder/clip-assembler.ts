import { execFile } from 'node:child_process';
import { randomBytes, createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, rename, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { pino, type Logger } from 'pino';
import type { ClipRef } from '../../../protocol/index.js';
import { formatFfmpegLogLine, isMeaningfulError } from '../capture/ffmpeg-log.js';
import { FfmpegProcess } from '../capture/ffmpeg-process.js';
import { RecorderError } from './recorder-error.js';
import { findGaps, selectSegments, type SegmentInfo } from './segment-index.js';

const execFileAsync = promisify(execFile);

/** Options of {@link assembleClip}. */
export interface AssembleClipOptions {
  /** Candidate segments (any order, any range): the ones overlapping [fromMs, toMs] are used. */
  readonly segments: readonly SegmentInfo[];
  /** Epoch ms; the clip starts at the keyframe at or before it (the start of its segment). */
  readonly fromMs: number;
  /** Epoch ms; the clip runs at least to here, as far as segments exist. */
  readonly toMs: number;
  /** Where the MP4 goes; written under a temporary name in the same directory, then renamed. */
  readonly outFile: string;
  /** Default `ffmpeg` on PATH. */
  readonly ffmpegPath?: string;
  /** Default `ffprobe` on PATH. */
  readonly ffprobePath?: string;
  /** Default: silent. */
  readonly logger?: Logger;
  /** ffmpeg is killed after this long. Default 60 000 ms (a stream copy of minutes of video takes under a second). */
  readonly timeoutMs?: number;
  /** Holes between segments longer than this are reported in `gaps`. Default 500 ms. */
  readonly gapToleranceMs?: number;
}

/** A clip written to disk: the facts of a `ClipRef`, plus what it is made of. */
export interface AssembledClip {
  readonly file: string;
  /** Wall-clock time of the clip's first frame: the keyframe at or before `fromMs`, epoch ms. */
  readonly startAt: number;
  /** Wall-clock end: `toMs`, or the end of the footage when it stops earlier, epoch ms. */
  readonly endAt: number;
  readonly bytes: number;
  /** Lower-case hex SHA-256 of the file. */
  readonly sha256: string;
  /** How many segments were joined. */
  readonly segments: number;
  /**
   * Time missing between segments (the camera was down). The MP4 plays the parts back to back, so
   * its duration is `endAt − startAt` minus these.
   */
  readonly gaps: readonly { readonly fromMs: number; readonly toMs: number }[];
}

/**
 * Joins the segments overlapping [fromMs, toMs] into one MP4 without re-encoding: ffmpeg's concat
 * demuxer, `-c copy`, `-movflags +faststart` (the index at the front, so a browser plays it while it
 * downloads). Trimmed inside the end segments; a stream copy can start only on a keyframe, so the clip
 * starts at the keyframe at or before `fromMs`. Written to a
 * temporary name and renamed, so `outFile` never holds half a clip. Throws a {@link RecorderError}:
 * `NO_FOOTAGE` when no segment overlaps, `ASSEMBLY_FAILED` when ffmpeg fails.
 */
export async function assembleClip(opts: AssembleClipOptions): Promise<AssembledClip> {
  const picked = selectSegments(opts.segments, opts.fromMs, opts.toMs);
  const first = picked[0];
  const last = picked.at(-1);
  if (first === undefined || last === undefined) {
    throw new RecorderError('NO_FOOTAGE', `no recorded segment overlaps ${iso(opts.fromMs)} … ${iso(opts.toMs)}`);
  }
  const log = opts.logger ?? pino({ level: 'silent' });
  const dir = path.dirname(opts.outFile);
  await mkdir(dir, { recursive: true });
  const tag = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const listFile = path.join(dir, `.${path.basename(opts.outFile)}.${tag}.ffconcat`);
  const tmpFile = path.join(dir, `.${path.basename(opts.outFile)}.${tag}.tmp`);
  try {
    // Trim inside the first and last segments: a stream copy from `inpoint` starts at the keyframe at or
    // before it (so the clip begins at most one GOP early) and `outpoint` drops packets at or after it.
    // Points are in each file's own timestamps, which in MPEG-TS do not start at zero: probe them.
    const ffprobe = opts.ffprobePath ?? 'ffprobe';
    const inOffset = opts.fromMs - first.startAt;
    const outOffset = opts.toMs - last.startAt;
    const trim = {
      ...(inOffset > 0 ? { inpoint: (await probeStartTime(ffprobe, first.file)) + inOffset / 1000 } : {}),
      ...(outOffset < last.endAt - last.startAt ? { outpoint: (await probeStartTime(ffprobe, last.file)) + outOffset / 1000 } : {}),
    };
    await writeFile(listFile, ffconcatScript(picked.map((s) => s.file), trim));
    await runFfmpeg(buildConcatArgs({ listFile, outFile: tmpFile }), opts, log);
    const { size } = await stat(tmpFile);
    if (size === 0) throw new RecorderError('ASSEMBLY_FAILED', 'ffmpeg wrote an empty clip');
    const sha256 = await sha256File(tmpFile);
    const gaps = findGaps(picked, opts.gapToleranceMs ?? 500);
    const endAt = trim.outpoint !== undefined ? opts.toMs : last.endAt;
    // Where the copy really starts (the keyframe before `fromMs`) follows from the clip's own duration.
    const missing = gaps.reduce((sum, g) => sum + (g.toMs - g.fromMs), 0);
    const startAt = Math.max(first.startAt, Math.round(endAt - (await probeDuration(ffprobe, tmpFile)) * 1000 - missing));
    await rename(tmpFile, opts.outFile);
    return {
      file: opts.outFile,
      startAt,
      endAt,
      bytes: size,
      sha256,
      segments: picked.length,
      gaps,
    };
  } finally {
    await Promise.all([removeQuietly(listFile), removeQuietly(tmpFile)]);
  }
}

/** The `ClipRef` of an assembled clip, as event messages carry it. */
export function toClipRef(clip: AssembledClip): ClipRef {
  return { sha256: clip.sha256, contentType: 'video/mp4', size: clip.bytes, startAt: clip.startAt, endAt: clip.endAt };
}

/**
 * An ffconcat playlist of absolute paths. Each name is quoted (`'` written `'\''`), and carries a
 * `file:` scheme so that a name with a colon is not taken for a protocol.
 */
export function ffconcatScript(files: readonly string[], trim: { inpoint?: number; outpoint?: number } = {}): string {
  const lines = files.map((f, i) => {
    if (!path.isAbsolute(f)) throw new RangeError(`segment path must be absolute: ${f}`);
    if (/[\n\r]/.test(f)) throw new RangeError('segment path must not contain a line break');
    const entry = [`file 'file:${f.replace(/'/g, "'\\''")}'`];
    if (i === 0 && trim.inpoint !== undefined) entry.push(`inpoint ${trim.inpoint.toFixed(3)}`);
    if (i === files.length - 1 && trim.outpoint !== undefined) entry.push(`outpoint ${trim.outpoint.toFixed(3)}`);
    return entry.join('\n');
  });
  return `ffconcat version 1.0\n${lines.join('\n')}\n`;
}

/**
 * ffmpeg arguments that join the playlist's MPEG-TS segments into an MP4 by stream copy. `-f mp4`
 * because the temporary name has no `.mp4`; audio is kept when the segments have it (the MP4 muxer
 * converts ADTS AAC by itself).
 */
export function buildConcatArgs(opts: { readonly listFile: string; readonly outFile: string }): string[] {
  return [
    '-hide_banner',
    '-loglevel',
    'level+warning',
    '-nostats',
    '-f',
    'concat',
    '-safe',
    '0',
    '-i',
    opts.listFile,
    '-map',
    '0:v:0',
    '-map',
    '0:a:0?',
    '-c',
    'copy',
    '-movflags',
    '+faststart',
    '-f',
    'mp4',
    '-y',
    opts.outFile,
  ];
}

async function runFfmpeg(args: string[], opts: AssembleClipOptions, log: Logger): Promise<void> {
  let lastError: string | undefined;
  const proc = FfmpegProcess.spawn({
    args,
    logger: log,
    ...(opts.ffmpegPath === undefined ? {} : { ffmpegPath: opts.ffmpegPath }),
    onStderrLine: (line) => {
      if (isMeaningfulError(line)) lastError = formatFfmpegLogLine(line);
    },
  });
  const timeoutMs = opts.timeoutMs ?? 60_000;
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    void proc.kill();
  }, timeoutMs);
  const exit = await proc.exited;
  clearTimeout(timer);
  if (exit.error !== undefined) throw new RecorderError('ASSEMBLY_FAILED', exit.error.message);
  if (timedOut) throw new RecorderError('ASSEMBLY_FAILED', `ffmpeg did not finish the clip within ${timeoutMs} ms`);
  if (exit.code !== 0) {
    throw new RecorderError('ASSEMBLY_FAILED', `ffmpeg exited with ${exit.code ?? exit.signal}${lastError ? `: ${lastError}` : ''}`);
  }
}

async function ffprobeValue(ffprobe: string, file: string, entry: string): Promise<number> {
  const { stdout } = await execFileAsync(ffprobe, ['-v', 'error', '-show_entries', entry, '-of', 'default=noprint_wrappers=1:nokey=1', file], {
    timeout: 15_000,
  });
  const value = Number(stdout.trim().split('\n')[0]);
  if (!Number.isFinite(value)) throw new RecorderError('ASSEMBLY_FAILED', `ffprobe gave no ${entry} for ${path.basename(file)}`);
  return value;
}

/** Timestamp (s) of the first packet of a segment. */
const probeStartTime = (ffprobe: string, file: string) => ffprobeValue(ffprobe, file, 'format=start_time');
/** Duration (s) of a finished clip. */
const probeDuration = (ffprobe: string, file: string) => ffprobeValue(ffprobe, file, 'format=duration');

async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function removeQuietly(file: string): Promise<void> {
  try {
    await unlink(file);
  } catch (err) {
    // Already renamed or never written: nothing to clean up. Anything else is worth knowing.
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

function iso(ms: number): string {
  return Number.isFinite(ms) ? new Date(ms).toISOString() : String(ms);
}
