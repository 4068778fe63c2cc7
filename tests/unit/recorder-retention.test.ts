import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { EvidenceGuards } from '../../edge/src/evidence-guards.js';
import { openSqliteOutbox, type Outbox } from '../../edge/src/outbox/index.js';
import { mergeRanges, recordingGaps, SegmentIndex, segmentFileName, SegmentStore, type SegmentInfo } from '../../edge/src/recorder/index.js';
import type { EventMessage } from '../../protocol/index.js';

const T = 1_700_000_000_000;
const KB = 1000;
const DAY = 24 * 3600_000;
const log = pino({ level: 'silent' });

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

const starts = (list: readonly SegmentInfo[]): number[] => list.map((s) => (s.startAt - T) / 1000);
/** Gaps in seconds from T. */
const secs = (gaps: readonly { fromMs: number; toMs: number }[]) => gaps.map((g) => [(g.fromMs - T) / 1000, (g.toMs - T) / 1000]);

describe('gaps of a requested range', () => {
  const all = [...segs(3, 10), ...segs(2, 30)]; // [10,16) then [30,34)

  it('reports time before recording started, holes between runs and time after the newest segment', () => {
    expect(secs(recordingGaps(all, T, T + 40_000, 500))).toEqual([
      [0, 10],
      [16, 30],
      [34, 40],
    ]);
  });

  it('reports nothing for a range fully recorded, even one cut inside segments', () => {
    expect(recordingGaps(all, T + 11_000, T + 15_500, 500)).toEqual([]);
    expect(recordingGaps(all, T + 10_000, T + 16_000, 0)).toEqual([]);
  });

  it('clips the gaps to the range and ignores holes within the tolerance', () => {
    expect(secs(recordingGaps(all, T + 14_000, T + 31_000, 500))).toEqual([[16, 30]]);
    const jitter: SegmentInfo[] = [
      { file: '/a', startAt: T, endAt: T + 2000, bytes: 1 },
      { file: '/b', startAt: T + 2300, endAt: T + 4000, bytes: 1 },
    ];
    expect(recordingGaps(jitter, T, T + 4000, 500)).toEqual([]);
    expect(secs(recordingGaps(jitter, T, T + 4000, 100))).toEqual([[2, 2.3]]);
  });

  it('reports the whole range when nothing is recorded, and nothing for an empty range', () => {
    expect(secs(recordingGaps([], T, T + 5000, 500))).toEqual([[0, 5]]);
    expect(secs(recordingGaps(all, T + 50_000, T + 60_000, 500))).toEqual([[50, 60]]);
    expect(recordingGaps(all, T + 5000, T + 5000, 500)).toEqual([]);
  });

  it('copes with overlapping segments (two runs that overlap after a restart)', () => {
    const overlapping: SegmentInfo[] = [
      { file: '/a', startAt: T, endAt: T + 4000, bytes: 1 },
      { file: '/b', startAt: T + 3000, endAt: T + 5000, bytes: 1 },
    ];
    expect(secs(recordingGaps(overlapping, T, T + 8000, 500))).toEqual([[5, 8]]);
  });
});

describe('recording retention and quota', () => {
  // 10 segments [0,2) … [18,20), 300 kB each; "now" is 1000 s after T.
  const now = T + 1000_000;
  const policy = { maxAgeMs: 300_000, maxBytes: 10_000 * KB };

  it('mode off (the rolling buffer only) removes everything past the buffer age', () => {
    const plan = indexOf(segs(10)).planPrune(now, { ...policy, mode: 'off', retainMs: DAY });
    expect(plan.byAge).toHaveLength(10);
  });

  it('continuous mode keeps every segment for the retention period, then removes it', () => {
    const index = indexOf(segs(10));
    expect(index.planPrune(now, { ...policy, mode: 'continuous', retainMs: DAY }).byAge).toEqual([]);
    const later = T + 20_000 + DAY;
    expect(starts(index.planPrune(later, { ...policy, mode: 'continuous', retainMs: DAY }).byAge)).toEqual([0, 2, 4, 6, 8, 10, 12, 14, 16, 18]);
  });

  it('events mode keeps only segments overlapping a retained event window', () => {
    const index = indexOf(segs(10));
    index.retain(T + 5000, T + 9000); // touches [4,6) [6,8) [8,10)
    const plan = index.planPrune(now, { ...policy, mode: 'events', retainMs: DAY });
    expect(starts(plan.byAge)).toEqual([0, 2, 10, 12, 14, 16, 18]);
    // Past the retention the window keeps nothing.
    expect(index.planPrune(T + 10_000 + DAY, { ...policy, mode: 'events', retainMs: DAY }).byAge).toHaveLength(10);
  });

  it('prunes by quota oldest first in every mode, buffer included', () => {
    const index = indexOf(segs(10));
    const plan = index.planPrune(T + 20_000, { maxAgeMs: 300_000, maxBytes: 1000 * KB, mode: 'continuous', retainMs: DAY });
    expect(starts(plan.byQuota)).toEqual([0, 2, 4, 6, 8, 10, 12]);
    expect(plan.overQuotaBytes).toBe(0);
  });

  it('never removes a protected segment, by age or by quota, and says how far over quota it is', () => {
    const index = indexOf(segs(10));
    const guard = index.protect(T + 1000, T + 3000, 'event clip'); // [0,2) and [2,4)
    const plan = index.planPrune(now, { maxAgeMs: 0, maxBytes: 0, mode: 'continuous', retainMs: 1 });
    expect(starts([...plan.byAge, ...plan.byQuota])).toEqual([4, 6, 8, 10, 12, 14, 16, 18]);
    expect(starts(plan.keptProtected)).toEqual([0, 2]);
    expect(plan.overQuotaBytes).toBe(600 * KB);
    guard.release();
    expect(index.planPrune(now, { maxAgeMs: 0, maxBytes: 0, mode: 'continuous', retainMs: 1 }).keptProtected).toEqual([]);
  });

  it('merges retained ranges and forgets those past the retention', () => {
    expect(mergeRanges([{ fromMs: 5, toMs: 9 }, { fromMs: 1, toMs: 3 }, { fromMs: 3, toMs: 6 }, { fromMs: 20, toMs: 21 }])).toEqual([
      { fromMs: 1, toMs: 9 },
      { fromMs: 20, toMs: 21 },
    ]);
    const index = new SegmentIndex();
    expect(index.retain(T, T + 10)).toBe(true);
    expect(index.retain(T + 10, T)).toBe(false);
    expect(index.retain(T + 100, Number.POSITIVE_INFINITY)).toBe(false);
    index.retain(T + 5000, T + 6000);
    expect(index.forgetRetainedBefore(T + 1000)).toBe(true);
    expect(index.retainedRanges()).toEqual([{ fromMs: T + 5000, toMs: T + 6000 }]);
    expect(index.forgetRetainedBefore(T + 1000)).toBe(false);
  });
});

describe('retained ranges on disk', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('survive a restart of the store, and a corrupt file is ignored rather than fatal', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ml-retained-'));
    dirs.push(dir);
    const store = new SegmentStore(dir, log);
    await store.load();
    store.index.retain(T, T + 4000);
    store.index.retain(T + 10_000, T + 12_000);
    await store.saveRetained();
    const again = new SegmentStore(dir, log);
    await again.load();
    expect(again.index.retainedRanges()).toEqual([
      { fromMs: T, toMs: T + 4000 },
      { fromMs: T + 10_000, toMs: T + 12_000 },
    ]);
    writeFileSync(path.join(dir, 'retained.json'), '{not json');
    const third = new SegmentStore(dir, log);
    await third.load();
    expect(third.index.retainedRanges()).toEqual([]);
  });
});

describe('footage behind queued clips', () => {
  const dirs: string[] = [];
  const boxes: Outbox[] = [];
  afterEach(() => {
    for (const b of boxes.splice(0)) b.close();
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  function message(id: string, seq: number, clip?: { sha256: string; startAt: number; endAt: number }): EventMessage {
    return {
      id,
      seq,
      edgeId: 'edge-1',
      cameraId: 'cam-1',
      ruleId: 'r',
      type: 'intrusion',
      severity: 1,
      label: 'person',
      topScore: 0.9,
      phase: 'end',
      startedAt: T,
      at: T + 10_000,
      detections: [],
      ...(clip ? { clip: { ...clip, contentType: 'video/mp4' as const, size: 3 } } : {}),
    };
  }

  const tiny = { maxAgeMs: 0, maxBytes: 0 };
  const sha = (c: string) => c.repeat(64);

  it('stays until the outbox has delivered the clip, is guarded again after a restart, and then goes', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ml-guards-'));
    dirs.push(dir);
    let outbox = openSqliteOutbox(dir);
    boxes.push(outbox);
    const index = indexOf(segs(10));
    const guards = new EvidenceGuards(outbox, log);
    const clipA = { sha256: sha('a'), startAt: T + 2000, endAt: T + 6000 }; // [2,4) [4,6)
    const clipB = { sha256: sha('b'), startAt: T + 10_000, endAt: T + 12_000 }; // [10,12)
    guards.guard(index, clipA.sha256, clipA.startAt, clipA.endAt, 'event A');
    outbox.enqueue(message('a', 1, clipA), [{ sha256: clipA.sha256, contentType: 'video/mp4', data: Buffer.from('abc') }]);
    guards.guard(index, clipB.sha256, clipB.startAt, clipB.endAt, 'event B');
    outbox.enqueue(message('b', 1, clipB), [{ sha256: clipB.sha256, contentType: 'video/mp4', data: Buffer.from('def') }]);

    // Over quota and past age: everything but the clips' footage goes.
    const before = index.planPrune(T + 60_000, tiny);
    expect(starts(before.keptProtected)).toEqual([2, 4, 10]);

    // Event A is delivered: its footage is released, B's is not.
    const first = outbox.peek();
    expect(first?.message.id).toBe('a');
    outbox.ack(first?.id ?? 0);
    expect(guards.size()).toBe(1);
    expect(starts(index.planPrune(T + 60_000, tiny).keptProtected)).toEqual([10]);

    // The edge restarts: protections were in memory, the outbox is on disk.
    guards.close();
    outbox.close();
    boxes.pop();
    outbox = openSqliteOutbox(dir);
    boxes.push(outbox);
    const index2 = indexOf(segs(10));
    const guards2 = new EvidenceGuards(outbox, log);
    expect(guards2.restore('cam-1', index2)).toBe(1);
    expect(guards2.restore('cam-other', index2)).toBe(0);
    expect(starts(index2.planPrune(T + 60_000, tiny).keptProtected)).toEqual([10]);

    // Refused for good counts as settled too: nothing would ever upload it.
    const second = outbox.peek();
    outbox.reject(second?.id ?? 0, 'FORBIDDEN: test');
    expect(guards2.size()).toBe(0);
    expect(index2.planPrune(T + 60_000, tiny).keptProtected).toEqual([]);
    guards2.close();
  });

  it('keeps a clip shared by two queued messages until both are delivered', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ml-guards-'));
    dirs.push(dir);
    const outbox = openSqliteOutbox(dir);
    boxes.push(outbox);
    const index = indexOf(segs(5));
    const guards = new EvidenceGuards(outbox, log);
    const clip = { sha256: sha('c'), startAt: T, endAt: T + 2000 };
    guards.guard(index, clip.sha256, clip.startAt, clip.endAt, 'event C');
    outbox.enqueue(message('c', 3, clip), [{ sha256: clip.sha256, contentType: 'video/mp4', data: Buffer.from('xyz') }]);
    outbox.enqueue(message('c', 4, clip), [{ sha256: clip.sha256, contentType: 'video/mp4', data: Buffer.from('xyz') }]);
    outbox.ack(outbox.peek()?.id ?? 0);
    expect(starts(index.planPrune(T + 60_000, tiny).keptProtected)).toEqual([0]);
    outbox.ack(outbox.peek()?.id ?? 0);
    expect(index.planPrune(T + 60_000, tiny).keptProtected).toEqual([]);
    guards.close();
  });
});

describe('events mode with many event windows', () => {
  it('keeps exactly the segments a window touches, point windows included', () => {
    const list = segs(50); // [0,2) … [98,100)
    const index = indexOf(list);
    const windows: [number, number][] = [
      [3, 3], // a point inside [2,4)
      [10, 10], // a point on a boundary: [10,12)
      [20.5, 21], // inside [20,22)
      [39, 45], // [38,40) … [44,46)
      [99.9, 200], // the last segment, and past the footage
    ];
    for (const [a, b] of windows) index.retain(T + a * 1000, T + b * 1000);
    const plan = index.planPrune(T + 1000_000, { maxAgeMs: 0, maxBytes: 1e12, mode: 'events', retainMs: DAY });
    const kept = list.filter((s) => !plan.byAge.includes(s));
    // The same answer as checking every segment against every window.
    const brute = list.filter((s) => windows.some(([a, b]) => s.startAt < Math.max(T + b * 1000, T + a * 1000 + 1) && s.endAt > T + a * 1000));
    expect(starts(kept)).toEqual(starts(brute));
    expect(starts(kept)).toEqual([2, 10, 20, 38, 40, 42, 44, 98]);
  });
});
