/** One finished segment on disk: an MPEG-TS file that starts on a keyframe. */
export interface SegmentInfo {
  /** Absolute path. */
  readonly file: string;
  /** Wall-clock arrival time of its first packet (a keyframe), epoch ms. */
  readonly startAt: number;
  /** Wall-clock arrival time of the next segment's first packet (exclusive end), epoch ms. */
  readonly endAt: number;
  readonly bytes: number;
}

/** A time range whose segments pruning must keep. */
export interface Protection {
  readonly id: number;
  /** Epoch ms. */
  readonly fromMs: number;
  /** Epoch ms; `Infinity` keeps everything from `fromMs` on until released (an event still open). */
  readonly toMs: number;
  /** Why, for logs and stats (e.g. `event 4711 clip`). */
  readonly reason: string;
}

/** A held {@link Protection}; release it once the evidence it guards is uploaded or exported. */
export interface ProtectionHandle extends Protection {
  /** True once released. */
  readonly released: boolean;
  /** Ends the protection; idempotent. Pruning may then remove the segments on its next pass. */
  release(): void;
}

/** What a camera keeps beyond its rolling buffer (edge config `record.mode`). */
export type RecordingMode = 'continuous' | 'events' | 'off';

/** Limits of the rolling buffer, and of the recording kept beyond it. */
export interface PrunePolicy {
  /**
   * The rolling buffer: a segment that ended this long ago or earlier is removed, unless the
   * recording policy below keeps it.
   */
  readonly maxAgeMs: number;
  /** Beyond this many bytes of segments (buffer and recording together), the oldest are removed. */
  readonly maxBytes: number;
  /**
   * Recording beyond the buffer, until `retainMs` after a segment ended: `continuous` keeps every
   * segment, `events` the segments overlapping a retained range (an event window with its pre- and
   * post-roll, see {@link SegmentIndex.retain}), `off` (the default) nothing.
   */
  readonly mode?: RecordingMode;
  readonly retainMs?: number;
}

/** A time range kept by the `events` recording mode (an event window with pre- and post-roll). */
export interface RetainedRange {
  /** Epoch ms. */
  readonly fromMs: number;
  /** Epoch ms. */
  readonly toMs: number;
}

/** What one pruning pass removes and what it had to keep. */
export interface PrunePlan {
  readonly byAge: SegmentInfo[];
  readonly byQuota: SegmentInfo[];
  /** Segments the policy would remove but a protection keeps. */
  readonly keptProtected: SegmentInfo[];
  /** Bytes still above `maxBytes` after the pass (protected segments); 0 when within quota. */
  readonly overQuotaBytes: number;
}

/** True when `seg` shares any time with [fromMs, toMs): the segments a clip of that range needs. */
export function overlaps(seg: SegmentInfo, fromMs: number, toMs: number): boolean {
  // A point range (from = to) still needs the segment that contains it.
  return seg.startAt < Math.max(toMs, fromMs + 1) && seg.endAt > fromMs;
}

/**
 * The segments a clip of [fromMs, toMs] is made of, oldest first: every segment overlapping the
 * range, so the clip starts at the keyframe at or before `fromMs` and runs at least to `toMs` as far
 * as recorded. Pure.
 */
export function selectSegments(segments: readonly SegmentInfo[], fromMs: number, toMs: number): SegmentInfo[] {
  return segments.filter((s) => overlaps(s, fromMs, toMs)).sort((a, b) => a.startAt - b.startAt);
}

/** Holes between consecutive segments (sorted oldest first) longer than `toleranceMs`: camera outages, restarts. */
export function findGaps(sorted: readonly SegmentInfo[], toleranceMs: number): { fromMs: number; toMs: number }[] {
  const gaps: { fromMs: number; toMs: number }[] = [];
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1];
    const cur = sorted[i];
    if (prev !== undefined && cur !== undefined && cur.startAt - prev.endAt > toleranceMs) {
      gaps.push({ fromMs: prev.endAt, toMs: cur.startAt });
    }
  }
  return gaps;
}

/**
 * The parts of [fromMs, toMs) that no segment covers (oldest first; `segments` sorted oldest first):
 * before the first segment, between segments, and after the last one. Holes up to `toleranceMs` are
 * not gaps (segment boundaries carry a few ms of jitter). Pure.
 */
export function recordingGaps(
  segments: readonly SegmentInfo[],
  fromMs: number,
  toMs: number,
  toleranceMs: number,
): { fromMs: number; toMs: number }[] {
  const gaps: { fromMs: number; toMs: number }[] = [];
  if (toMs <= fromMs) return gaps;
  let covered = fromMs;
  for (const s of segments) {
    if (s.endAt <= covered || s.startAt >= toMs) continue;
    if (s.startAt - covered > toleranceMs) gaps.push({ fromMs: covered, toMs: s.startAt });
    covered = Math.max(covered, s.endAt);
    if (covered >= toMs) break;
  }
  if (toMs - covered > toleranceMs) gaps.push({ fromMs: covered, toMs });
  return gaps;
}

/** The exclusive end `overlaps` gives a range (a point range still covers its moment). */
const endOf = (r: RetainedRange | undefined): number => (r === undefined ? Infinity : Math.max(r.toMs, r.fromMs + 1));

/** Merges overlapping or touching ranges, oldest first. Pure. */
export function mergeRanges(ranges: readonly RetainedRange[]): RetainedRange[] {
  const sorted = [...ranges].sort((a, b) => a.fromMs - b.fromMs);
  const out: { fromMs: number; toMs: number }[] = [];
  for (const r of sorted) {
    const last = out.at(-1);
    if (last !== undefined && r.fromMs <= last.toMs) last.toMs = Math.max(last.toMs, r.toMs);
    else out.push({ fromMs: r.fromMs, toMs: r.toMs });
  }
  return out;
}

/**
 * The in-memory index of one camera's finished segments, oldest first, with the protections that
 * pin some of them. No I/O: the recorder deletes files and then calls {@link remove}.
 */
export class SegmentIndex {
  private segs: SegmentInfo[] = [];
  private bytes = 0;
  private readonly held = new Map<number, Protection>();
  private retained: RetainedRange[] = [];
  private nextId = 1;

  /** Adds a segment, keeping start order; a segment with the same file replaces the old entry. */
  add(seg: SegmentInfo): void {
    this.remove([seg.file]);
    // Segments almost always arrive in order: search from the end.
    let i = this.segs.length;
    while (i > 0 && (this.segs[i - 1]?.startAt ?? 0) > seg.startAt) i--;
    this.segs.splice(i, 0, seg);
    this.bytes += seg.bytes;
  }

  /** Removes the entries of these files; returns how many were indexed. */
  remove(files: Iterable<string>): number {
    const drop = new Set(files);
    if (drop.size === 0) return 0;
    const before = this.segs.length;
    this.segs = this.segs.filter((s) => {
      if (!drop.has(s.file)) return true;
      this.bytes -= s.bytes;
      return false;
    });
    return before - this.segs.length;
  }

  /** All segments, oldest first. The array is a snapshot. */
  list(): SegmentInfo[] {
    return [...this.segs];
  }

  get size(): number {
    return this.segs.length;
  }

  get totalBytes(): number {
    return this.bytes;
  }

  /** The newest segment, or undefined when empty. */
  newest(): SegmentInfo | undefined {
    return this.segs.at(-1);
  }

  /** The oldest segment, or undefined when empty. */
  oldest(): SegmentInfo | undefined {
    return this.segs[0];
  }

  /** {@link selectSegments} over this index. */
  overlapping(fromMs: number, toMs: number): SegmentInfo[] {
    return selectSegments(this.segs, fromMs, toMs);
  }

  /** Pins the segments overlapping [fromMs, toMs], including ones recorded later, until released. */
  protect(fromMs: number, toMs: number, reason: string): ProtectionHandle {
    if (Number.isNaN(fromMs) || Number.isNaN(toMs) || toMs < fromMs) {
      throw new RangeError(`protection range must have from ≤ to, got ${fromMs}..${toMs}`);
    }
    const id = this.nextId++;
    const protection: Protection = { id, fromMs, toMs, reason };
    this.held.set(id, protection);
    const held = this.held;
    return {
      ...protection,
      get released() {
        return !held.has(id);
      },
      release: () => void held.delete(id),
    };
  }

  /**
   * Keeps the segments overlapping [fromMs, toMs] for the `events` recording mode (see
   * {@link PrunePolicy}); unlike a protection, a retained range is subject to retention and quota.
   * Returns false when the range is invalid (and nothing changed).
   */
  retain(fromMs: number, toMs: number): boolean {
    if (!Number.isFinite(fromMs) || !Number.isFinite(toMs) || toMs < fromMs) return false;
    this.retained = mergeRanges([...this.retained, { fromMs, toMs }]);
    return true;
  }

  /** The retained ranges, merged, oldest first (a snapshot). */
  retainedRanges(): RetainedRange[] {
    return this.retained.map((r) => ({ ...r }));
  }

  /** Replaces the retained ranges (loaded from disk). */
  setRetained(ranges: readonly RetainedRange[]): void {
    this.retained = mergeRanges(ranges.filter((r) => Number.isFinite(r.fromMs) && Number.isFinite(r.toMs) && r.toMs >= r.fromMs));
  }

  /** Drops retained ranges that ended before `cutoffMs`; returns whether any was dropped. */
  forgetRetainedBefore(cutoffMs: number): boolean {
    const before = this.retained.length;
    this.retained = this.retained.filter((r) => r.toMs >= cutoffMs);
    return this.retained.length !== before;
  }

  /**
   * The segments overlapping a retained range, in one merge walk over both sorted lists (a week of
   * events makes thousands of ranges: no segment × range product on every pruning pass).
   */
  private retainedSet(): Set<SegmentInfo> {
    const out = new Set<SegmentInfo>();
    let j = 0;
    for (const s of this.segs) {
      // Ranges are merged and sorted; one that ended before this segment ends before every later one.
      while (j < this.retained.length && endOf(this.retained[j]) <= s.startAt) j++;
      for (let k = j; k < this.retained.length; k++) {
        const r = this.retained[k];
        if (r === undefined || r.fromMs >= Math.max(s.endAt, s.startAt + 1)) break;
        if (overlaps(s, r.fromMs, r.toMs)) {
          out.add(s);
          break;
        }
      }
    }
    return out;
  }

  /** True when the segment overlaps a retained range. */
  isRetained(seg: SegmentInfo): boolean {
    return this.retained.some((r) => overlaps(seg, r.fromMs, r.toMs));
  }

  /** Protections not yet released. */
  protections(): Protection[] {
    return [...this.held.values()];
  }

  /** True when any held protection overlaps the segment. */
  isProtected(seg: SegmentInfo): boolean {
    for (const p of this.held.values()) if (overlaps(seg, p.fromMs, p.toMs)) return true;
    return false;
  }

  /**
   * Which segments a pass at `nowMs` removes: first every segment past its age (it ended `maxAgeMs`
   * ago or earlier and the recording policy does not keep it, or it ended `retainMs` ago or earlier),
   * then the oldest ones while the total exceeds `maxBytes`; never a protected one. Pure: the index is
   * unchanged.
   */
  planPrune(nowMs: number, policy: PrunePolicy): PrunePlan {
    const byAge: SegmentInfo[] = [];
    const byQuota: SegmentInfo[] = [];
    const keptProtected: SegmentInfo[] = [];
    const cutoff = nowMs - policy.maxAgeMs;
    const mode = policy.mode ?? 'off';
    const retainCutoff = nowMs - (policy.retainMs ?? 0);
    const retained = mode === 'events' ? this.retainedSet() : undefined;
    const recorded = (s: SegmentInfo): boolean =>
      mode !== 'off' && s.endAt > retainCutoff && (mode === 'continuous' || (retained?.has(s) ?? false));
    let total = this.bytes;
    const survivors: SegmentInfo[] = [];
    for (const s of this.segs) {
      if (s.endAt > cutoff || recorded(s)) survivors.push(s);
      else if (this.isProtected(s)) {
        keptProtected.push(s);
        survivors.push(s);
      } else {
        byAge.push(s);
        total -= s.bytes;
      }
    }
    for (const s of survivors) {
      if (total <= policy.maxBytes) break;
      if (this.isProtected(s)) {
        if (!keptProtected.includes(s)) keptProtected.push(s);
        continue;
      }
      byQuota.push(s);
      total -= s.bytes;
    }
    return { byAge, byQuota, keptProtected, overQuotaBytes: Math.max(0, total - policy.maxBytes) };
  }
}
