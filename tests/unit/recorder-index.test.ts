import { existsSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import {
  findGaps,
  parseRunFileName,
  parseSegmentFileName,
  parseSegmentList,
  planDirectory,
  recoverRun,
  SegmentIndex,
  segmentFileName,
  SegmentStore,
  selectSegments,
  type SegmentInfo,
} from '../../edge/src/recorder/index.js';

const T = 1_700_000_000_000;
const KB = 1000;

/** Contiguous 2 s segments of `kb` kB each, starting at T + startS seconds. */
function segs(count: number, startS = 0, kb = 300): SegmentInfo[] {
  return Array.from({ length: count }, (_, i) => {
    const startAt = T + (startS + 2 * i) * 1000;
    return { file: `/rec/${segmentFileName(startAt, startAt + 2000)}`, startAt, endAt: startAt + 2000, bytes: kb * KB };
  });
}

function indexOf(list: readonly SegmentInfo[]): SegmentIndex {
  const index = new SegmentIndex();
  for (const s of list) index.add(s);
  return index;
}

/** Start offsets in seconds from T, for readable expectations. */
const starts = (list: readonly SegmentInfo[]): number[] => list.map((s) => (s.startAt - T) / 1000);

describe('choosing the segments of a clip', () => {
  const all = segs(6); // [0,2) [2,4) … [10,12)

  it('takes whole segments: from the keyframe at or before `from` to the segment holding `to`', () => {
    expect(starts(selectSegments(all, T + 3000, T + 7000))).toEqual([2, 4, 6]);
    expect(starts(selectSegments(all, T + 2000, T + 6000))).toEqual([2, 4]); // boundaries: [2,4) and [4,6) suffice
    expect(starts(selectSegments(all, T + 1999, T + 6001))).toEqual([0, 2, 4, 6]);
    expect(starts(selectSegments(all, T + 5000, T + 5000))).toEqual([4]); // a moment: its segment
    expect(selectSegments(all, T + 20_000, T + 30_000)).toEqual([]);
    expect(starts(selectSegments(all, T - 60_000, T + 1000))).toEqual([0]); // older than the buffer: what exists
  });

  it('returns them oldest first whatever the input order', () => {
    expect(starts(selectSegments([...all].reverse(), T, T + 12_000))).toEqual([0, 2, 4, 6, 8, 10]);
  });

  it('reports holes between segments beyond a tolerance', () => {
    const withHole = [...segs(2, 0), ...segs(2, 10)]; // [0,4) then [10,14)
    expect(findGaps(withHole, 500)).toEqual([{ fromMs: T + 4000, toMs: T + 10_000 }]);
    expect(findGaps(all, 0)).toEqual([]);
  });
});

describe('SegmentIndex', () => {
  it('keeps segments in start order, counts bytes, and replaces an entry of the same file', () => {
    const [a, b, c] = segs(3);
    const index = indexOf([c!, a!, b!]);
    expect(starts(index.list())).toEqual([0, 2, 4]);
    expect(index.totalBytes).toBe(900 * KB);
    index.add({ ...b!, bytes: 1 });
    expect(index.size).toBe(3);
    expect(index.totalBytes).toBe(600 * KB + 1);
    expect(index.remove([a!.file, '/not/there.ts'])).toBe(1);
    expect(index.oldest()).toEqual(index.list()[0]);
    expect(index.newest()?.startAt).toBe(T + 4000);
  });

  it('prunes segments that ended before the buffer window', () => {
    const index = indexOf(segs(6)); // ends at 2, 4 … 12 s
    const plan = index.planPrune(T + 12_000, { maxAgeMs: 7000, maxBytes: Number.MAX_SAFE_INTEGER });
    expect(starts(plan.byAge)).toEqual([0, 2]); // ended at 2 s and 4 s, at or before 12 − 7 = 5 s
    expect(plan.byQuota).toEqual([]);
    expect(index.size).toBe(6); // a plan changes nothing
  });

  it('prunes the oldest segments beyond the quota', () => {
    const index = indexOf(segs(6));
    const plan = index.planPrune(T + 12_000, { maxAgeMs: 3_600_000, maxBytes: 1000 * KB });
    expect(starts(plan.byQuota)).toEqual([0, 2, 4]); // 1800 kB → 900 kB
    expect(plan.overQuotaBytes).toBe(0);
  });

  it('keeps protected segments through age and quota, and lets them go once released', () => {
    const index = indexOf(segs(6));
    const evidence = index.protect(T + 1000, T + 3000, 'event 1'); // [0,2) and [2,4)
    const policy = { maxAgeMs: 5000, maxBytes: 500 * KB };
    const plan = index.planPrune(T + 10_000, policy);
    expect(starts(plan.byAge)).toEqual([]); // [0,2), [2,4) ended by 10 − 5 s but are protected
    expect(starts(plan.byQuota)).toEqual([4, 6, 8, 10]); // oldest first, every unprotected one …
    expect(starts(plan.keptProtected)).toEqual([0, 2]);
    expect(plan.overQuotaBytes).toBe(100 * KB); // … and the protected 600 kB are still above 500 kB
    expect(index.isProtected(index.list()[1]!)).toBe(true);
    expect(index.protections()).toEqual([{ id: evidence.id, fromMs: T + 1000, toMs: T + 3000, reason: 'event 1' }]);

    evidence.release();
    evidence.release(); // idempotent
    expect(evidence.released).toBe(true);
    const after = index.planPrune(T + 10_000, policy);
    expect(starts(after.byAge)).toEqual([0, 2]);
    expect(starts(after.byQuota)).toEqual([4, 6, 8]); // 1200 kB left after age: down to 300 kB
    expect(after.keptProtected).toEqual([]);
    expect(after.overQuotaBytes).toBe(0);
  });

  it('protects footage not yet recorded, up to an open end', () => {
    const index = new SegmentIndex();
    const open = index.protect(T + 9000, Number.POSITIVE_INFINITY, 'event 2 (open)');
    for (const s of segs(6)) index.add(s); // recorded after the protection was taken
    const plan = index.planPrune(T + 60_000, { maxAgeMs: 1000, maxBytes: 0 });
    expect(starts(plan.byAge)).toEqual([0, 2, 4, 6]);
    expect(starts(plan.keptProtected)).toEqual([8, 10]);
    open.release();
    expect(() => index.protect(T + 2, T + 1, 'backwards')).toThrow(RangeError);
  });
});

describe('segment files', () => {
  it('names finished segments by their span and parses the names back', () => {
    expect(segmentFileName(T, T + 2000)).toBe(`${T}-${T + 2000}.ts`);
    expect(parseSegmentFileName(`${T}-${T + 2000}.ts`)).toEqual({ startAt: T, endAt: T + 2000 });
    expect(parseSegmentFileName(segmentFileName(T, T + 2000, 1))).toEqual({ startAt: T, endAt: T + 2000 });
    expect(parseSegmentFileName(`${T}-${T}.ts`)).toBeUndefined();
    expect(parseSegmentFileName('clip.mp4')).toBeUndefined();
    expect(parseRunFileName('run-17-000003.ts')).toEqual({ runId: 17, kind: 'part', index: 3 });
    expect(parseRunFileName('run-17.csv')).toEqual({ runId: 17, kind: 'list' });
    expect(parseRunFileName('run-17.anchor')).toEqual({ runId: 17, kind: 'anchor' });
    expect(parseRunFileName('run-17.ts')).toBeUndefined();
  });

  it("parses ffmpeg's CSV list, skipping an unfinished last line and malformed ones", () => {
    const text = 'run-1-000000.ts,0.000000,3.917444\n"we,ird""name.ts",3.9,5.9\nbroken\nrun-1-000002.ts,5.9,7.9\nrun-1-000003.ts,7.9,';
    expect(parseSegmentList(text)).toEqual([
      { file: 'run-1-000000.ts', startSec: 0, endSec: 3.917444 },
      { file: 'we,ird"name.ts', startSec: 3.9, endSec: 5.9 },
      { file: 'run-1-000002.ts', startSec: 5.9, endSec: 7.9 },
    ]);
  });

  it('rebuilds the index from a directory listing and sorts out runs to recover', () => {
    const listing = [
      { name: `${T + 2000}-${T + 4000}.ts`, bytes: 300, mtimeMs: 0 },
      { name: `${T}-${T + 2000}.ts`, bytes: 200, mtimeMs: 0 },
      { name: `${T + 4000}-${T + 6000}.ts`, bytes: 0, mtimeMs: 0 }, // empty: not footage
      { name: 'run-99-000000.ts', bytes: 10, mtimeMs: 0 },
      { name: 'run-99.csv', bytes: 10, mtimeMs: 0 },
      { name: 'notes.txt', bytes: 1, mtimeMs: 0 },
    ];
    const plan = planDirectory('/rec/cam', listing);
    expect(plan.segments).toEqual([
      { file: `/rec/cam/${T}-${T + 2000}.ts`, startAt: T, endAt: T + 2000, bytes: 200 },
      { file: `/rec/cam/${T + 2000}-${T + 4000}.ts`, startAt: T + 2000, endAt: T + 4000, bytes: 300 },
    ]);
    expect(plan.runs).toEqual([{ runId: 99, parts: [listing[3]], listName: 'run-99.csv' }]);
    expect(plan.foreign).toEqual([`${T + 4000}-${T + 6000}.ts`, 'notes.txt']);
  });

  it('recovers a crashed run: listed parts exactly, the cut-short one up to its mtime, empty ones discarded', () => {
    const parts = [
      { name: 'run-5-000002.ts', bytes: 0, mtimeMs: T + 9000 },
      { name: 'run-5-000001.ts', bytes: 90, mtimeMs: T + 8500 },
      { name: 'run-5-000000.ts', bytes: 300, mtimeMs: T + 6010 },
    ];
    const listText = 'run-5-000000.ts,0.000000,3.900000\n';
    const exact = recoverRun({ runId: 5, parts, listText, anchorMs: T + 2100 });
    expect(exact.discard).toEqual(['run-5-000002.ts']);
    expect(exact.segments).toEqual([
      { partName: 'run-5-000000.ts', startAt: T + 2100, endAt: T + 6000, bytes: 300, estimated: false },
      { partName: 'run-5-000001.ts', startAt: T + 6000, endAt: T + 8500, bytes: 90, estimated: true },
    ]);
    // Without the anchor file, a closed part's mtime (written when it closed) places the timeline.
    const fromMtime = recoverRun({ runId: 5, parts, listText });
    expect(fromMtime.segments[0]).toMatchObject({ startAt: T + 2110, endAt: T + 6010, estimated: true });
    // Nothing listed, nothing saved: the run id (spawn time) is the origin.
    const bare = recoverRun({ runId: T, parts: [{ name: `run-${T}-000000.ts`, bytes: 5, mtimeMs: T + 1500 }] });
    expect(bare.segments).toEqual([{ partName: `run-${T}-000000.ts`, startAt: T, endAt: T + 1500, bytes: 5, estimated: true }]);
    // An ended run whose earlier segments were already finished continues from the last one.
    const after = recoverRun({ runId: 5, parts: [parts[1]!], afterMs: T + 6003, anchorMs: T + 2100 });
    expect(after.segments[0]).toMatchObject({ startAt: T + 6003, endAt: T + 8500 });
  });
});

describe('SegmentStore on disk', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('rebuilds the index on load, recovers a crashed run, and prunes files with the index', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ml-recorder-index-'));
    dirs.push(dir);
    writeFileSync(path.join(dir, `${T}-${T + 2000}.ts`), Buffer.alloc(300));
    writeFileSync(path.join(dir, `${T + 2000}-${T + 4000}.ts`), Buffer.alloc(300));
    // A run that died: one listed part (anchor saved) and one cut short.
    const run = T + 4000;
    writeFileSync(path.join(dir, `run-${run}-000000.ts`), Buffer.alloc(200));
    writeFileSync(path.join(dir, `run-${run}-000001.ts`), Buffer.alloc(100));
    utimesSync(path.join(dir, `run-${run}-000001.ts`), new Date(T + 7500), new Date(T + 7500));
    writeFileSync(path.join(dir, `run-${run}.csv`), 'run-' + run + '-000000.ts,0.000000,2.000000\n');
    writeFileSync(path.join(dir, `run-${run}.anchor`), String(T + 4100));
    writeFileSync(path.join(dir, 'keep-me.txt'), 'not ours');

    const store = new SegmentStore(dir, pino({ level: 'silent' }));
    expect(await store.load()).toBe(2);
    expect(store.index.list().map((s) => path.basename(s.file))).toEqual([
      `${T}-${T + 2000}.ts`,
      `${T + 2000}-${T + 4000}.ts`,
      `${T + 4100}-${T + 6100}.ts`,
      `${T + 6100}-${T + 7500}.ts`,
    ]);
    expect(readdirSync(dir).filter((n) => n.startsWith('run-'))).toEqual([]);

    const guard = store.index.protect(T + 500, T + 600, 'evidence');
    const result = await store.prune(T + 10_000, { maxAgeMs: 60_000, maxBytes: 400 });
    expect(result).toEqual({ removedByAge: 0, removedByQuota: 2, removedBytes: 500, keptProtected: 1, overQuotaBytes: 0 });
    expect(existsSync(path.join(dir, `${T}-${T + 2000}.ts`))).toBe(true);
    expect(existsSync(path.join(dir, `${T + 2000}-${T + 4000}.ts`))).toBe(false);
    expect(existsSync(path.join(dir, 'keep-me.txt'))).toBe(true);
    guard.release();

    // A second load (an edge restart) sees exactly what the first one left.
    const again = new SegmentStore(dir, pino({ level: 'silent' }));
    await again.load();
    expect(again.index.list()).toEqual(store.index.list());
  });
});
