import path from 'node:path';
import type { SegmentInfo } from './segment-index.js';

/**
 * File layout of one camera's segment directory. Pure naming and parsing, no I/O.
 *
 * - `<startAt>-<endAt>.ts`: a finished segment, its wall-clock span (epoch ms) in its name, so a
 *   directory listing alone rebuilds the index, and a person (or a regulator's export) can find a
 *   time range with `ls`.
 * - `run-<runId>-<n>.ts`: a segment of ffmpeg run `runId` (its spawn time, epoch ms), still being
 *   written, or left behind by a crash.
 * - `run-<runId>.csv`: ffmpeg's list of that run's closed segments, on the run's timeline (seconds).
 * - `run-<runId>.anchor`: the wall-clock time of that timeline's origin, kept for crash recovery.
 */

/** Extension of segment files (MPEG-TS). */
export const SEGMENT_EXT = '.ts';

const FINAL = /^(\d{1,16})-(\d{1,16})(?:-(\d+))?\.ts$/;
const RUN_FILE = /^run-(\d{1,16})(?:-(\d{1,9}))?\.(ts|csv|anchor)$/;

/** Name of a finished segment; `dup` > 0 only when that name is already taken. */
export function segmentFileName(startAt: number, endAt: number, dup = 0): string {
  return `${startAt}-${endAt}${dup > 0 ? `-${dup}` : ''}${SEGMENT_EXT}`;
}

/** The span encoded in a finished segment's name, or undefined for any other name. */
export function parseSegmentFileName(name: string): { startAt: number; endAt: number } | undefined {
  const m = FINAL.exec(name);
  if (!m) return undefined;
  const startAt = Number(m[1]);
  const endAt = Number(m[2]);
  return endAt > startAt ? { startAt, endAt } : undefined;
}

/** The ffmpeg output pattern of a run's segments inside `dir` (a `%` in `dir` is escaped for ffmpeg). */
export function partFilePattern(dir: string, runId: number): string {
  return path.join(dir.replace(/%/g, '%%'), `run-${runId}-%06d${SEGMENT_EXT}`);
}

/** Name of a run's segment list. */
export function listFileName(runId: number): string {
  return `run-${runId}.csv`;
}

/** Name of a run's anchor file. */
export function anchorFileName(runId: number): string {
  return `run-${runId}.anchor`;
}

/** What a file of a run is, from its name. */
export type RunFileKind = 'part' | 'list' | 'anchor';

/** Parses `run-…` names; undefined for other names. */
export function parseRunFileName(name: string): { runId: number; kind: RunFileKind; index?: number } | undefined {
  const m = RUN_FILE.exec(name);
  if (!m) return undefined;
  const runId = Number(m[1]);
  const ext = m[3];
  if (ext === 'ts') return m[2] === undefined ? undefined : { runId, kind: 'part', index: Number(m[2]) };
  if (m[2] !== undefined) return undefined;
  return { runId, kind: ext === 'csv' ? 'list' : 'anchor' };
}

/** One line of ffmpeg's CSV segment list: file name and its span on the run's timeline, in seconds. */
export interface SegmentListEntry {
  readonly file: string;
  readonly startSec: number;
  readonly endSec: number;
}

/**
 * Parses ffmpeg's `-segment_list_type csv` text (`file,start,end` per line, the name quoted CSV-style
 * when it holds a comma or quote). A last line without its newline is still being written and is
 * left out, as are malformed lines.
 */
export function parseSegmentList(text: string): SegmentListEntry[] {
  const lines = text.split('\n');
  lines.pop(); // '' after the last newline, or an unfinished line
  const out: SegmentListEntry[] = [];
  for (const raw of lines) {
    const line = raw.replace(/\r$/, '');
    let file: string;
    let rest: string;
    if (line.startsWith('"')) {
      const close = /^"((?:[^"]|"")*)",/.exec(line);
      if (!close) continue;
      file = (close[1] ?? '').replace(/""/g, '"');
      rest = line.slice(close[0].length);
    } else {
      const comma = line.indexOf(',');
      if (comma <= 0) continue;
      file = line.slice(0, comma);
      rest = line.slice(comma + 1);
    }
    const [a, b, extra] = rest.split(',');
    const startSec = Number(a);
    const endSec = Number(b);
    if (extra !== undefined || a === undefined || b === undefined || !Number.isFinite(startSec) || !Number.isFinite(endSec)) continue;
    out.push({ file, startSec, endSec });
  }
  return out;
}

/** A directory entry as the recorder lists it. */
export interface ListedFile {
  readonly name: string;
  readonly bytes: number;
  readonly mtimeMs: number;
}

/** The files one run left behind. */
export interface RunLeftovers {
  readonly runId: number;
  readonly parts: readonly ListedFile[];
  readonly listName?: string;
  readonly anchorName?: string;
}

/** A directory listing sorted into finished segments, runs to recover, and files that are none of ours. */
export interface DirectoryPlan {
  readonly segments: SegmentInfo[];
  readonly runs: RunLeftovers[];
  readonly foreign: string[];
}

/**
 * Sorts a directory listing: finished segments become index entries (their span from the name,
 * their size from the listing), `run-…` files are grouped per run for {@link recoverRun}, and
 * everything else is left alone. Empty finished segments are treated as foreign (never indexed).
 */
export function planDirectory(dir: string, listing: readonly ListedFile[]): DirectoryPlan {
  const segments: SegmentInfo[] = [];
  const runs = new Map<number, { parts: ListedFile[]; listName?: string; anchorName?: string }>();
  const foreign: string[] = [];
  for (const f of listing) {
    const span = parseSegmentFileName(f.name);
    if (span && f.bytes > 0) {
      segments.push({ file: path.join(dir, f.name), startAt: span.startAt, endAt: span.endAt, bytes: f.bytes });
      continue;
    }
    const run = parseRunFileName(f.name);
    if (!run) {
      foreign.push(f.name);
      continue;
    }
    let r = runs.get(run.runId);
    if (r === undefined) {
      r = { parts: [] };
      runs.set(run.runId, r);
    }
    if (run.kind === 'part') r.parts.push(f);
    else if (run.kind === 'list') r.listName = f.name;
    else r.anchorName = f.name;
  }
  segments.sort((a, b) => a.startAt - b.startAt);
  const runList = [...runs.entries()].sort(([a], [b]) => a - b).map(([runId, r]) => ({ runId, ...r }));
  return { segments, runs: runList, foreign };
}

/** A run's part file with the span recovery gave it. */
export interface RecoveredPart {
  readonly partName: string;
  readonly startAt: number;
  readonly endAt: number;
  readonly bytes: number;
  /** False when the span came from ffmpeg's list and the saved anchor; true when pieced together. */
  readonly estimated: boolean;
}

/**
 * Gives each part file of a run that ended without the recorder (a crash) its wall-clock span.
 *
 * Listed parts take their span from ffmpeg's list, mapped by the saved anchor; without one, by the
 * file's mtime (a closed part was last written when its segment ended, so `mtime − end` bounds the
 * origin). A part missing from the list was cut short: it spans from the previous part's end (or the
 * origin, or `afterMs`) to its mtime. The last fallback for the origin is the run id, ffmpeg's spawn time, about
 * one connection set-up early. Empty parts are returned in `discard`.
 */
export function recoverRun(run: {
  readonly runId: number;
  readonly parts: readonly ListedFile[];
  readonly listText?: string;
  readonly anchorMs?: number;
  /** End of the run's last segment already finished elsewhere: where an unlisted first part starts. */
  readonly afterMs?: number;
}): { segments: RecoveredPart[]; discard: string[] } {
  const listed = new Map(parseSegmentList(run.listText ?? '').map((e) => [e.file, e]));
  const parts = [...run.parts].sort((a, b) => partIndex(a.name) - partIndex(b.name));
  let origin = run.anchorMs;
  if (origin === undefined) {
    for (const p of parts) {
      const e = listed.get(p.name);
      if (e !== undefined && p.bytes > 0) origin = Math.min(origin ?? Number.POSITIVE_INFINITY, p.mtimeMs - e.endSec * 1000);
    }
  }
  const base = origin ?? run.runId;
  const segments: RecoveredPart[] = [];
  const discard: string[] = [];
  let prevEnd = run.afterMs;
  for (const p of parts) {
    if (p.bytes === 0) {
      discard.push(p.name);
      continue;
    }
    const e = listed.get(p.name);
    let startAt: number;
    let endAt: number;
    if (e !== undefined) {
      startAt = Math.round(base + e.startSec * 1000);
      endAt = Math.round(base + e.endSec * 1000);
    } else {
      startAt = Math.round(prevEnd ?? base);
      endAt = Math.round(p.mtimeMs);
    }
    if (endAt <= startAt) endAt = startAt + 1;
    segments.push({ partName: p.name, startAt, endAt, bytes: p.bytes, estimated: e === undefined || run.anchorMs === undefined });
    prevEnd = endAt;
  }
  return { segments, discard };
}

function partIndex(name: string): number {
  return parseRunFileName(name)?.index ?? Number.MAX_SAFE_INTEGER;
}
