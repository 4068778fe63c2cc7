import type { RecordingGap, RecordingSegment } from '../../../../protocol/archive.js';

/** Segments closer than this are one continuous run on the bar (segment boundaries are not gaps). */
export const RUN_JOIN_MS = 1500;

/** A stretch of the bar: recorded footage, a reported gap (无录像), in percent of the window. */
export interface BarPart {
  kind: 'recorded' | 'gap';
  from: number;
  to: number;
  /** Left edge and width in percent of the window, clipped to it. */
  left: number;
  width: number;
}

/**
 * The bar of a recording listing over [from, to): the recorded runs (adjacent segments joined) and
 * the gaps the edge reported, each clipped to the window and placed in percent. What is neither
 * (e.g. past a truncated listing) stays unmarked.
 */
export function recordingBar(from: number, to: number, segments: readonly RecordingSegment[], gaps: readonly RecordingGap[]): BarPart[] {
  const span = to - from;
  if (span <= 0) return [];
  const place = (kind: BarPart['kind'], a: number, b: number): BarPart | null => {
    const lo = Math.max(from, a);
    const hi = Math.min(to, b);
    if (hi <= lo) return null;
    return { kind, from: lo, to: hi, left: ((lo - from) / span) * 100, width: ((hi - lo) / span) * 100 };
  };
  const runs: { from: number; to: number }[] = [];
  for (const s of [...segments].sort((a, b) => a.startAt - b.startAt)) {
    const last = runs.at(-1);
    if (last && s.startAt - last.to <= RUN_JOIN_MS) last.to = Math.max(last.to, s.endAt);
    else runs.push({ from: s.startAt, to: s.endAt });
  }
  const parts: BarPart[] = [];
  for (const r of runs) {
    const p = place('recorded', r.from, r.to);
    if (p) parts.push(p);
  }
  for (const g of gaps) {
    const p = place('gap', g.from, g.to);
    if (p) parts.push(p);
  }
  return parts.sort((a, b) => a.from - b.from);
}

/** Total recorded time of a listing within [from, to), in ms (joined runs, so overlaps count once). */
export function recordedMs(parts: readonly BarPart[]): number {
  return parts.filter((p) => p.kind === 'recorded').reduce((sum, p) => sum + (p.to - p.from), 0);
}
