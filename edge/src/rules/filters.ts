import type { Box } from '../../../protocol/index.js';
import { boxCentre, pointInPolygon, type Polygon } from './geometry.js';

/**
 * Object filters applied before any rule logic: score on this frame, median score over the track's
 * recent frames, per-class size and shape limits, and masks. They remove the false alarms a
 * detector makes on a single frame (a poster, a reflection, a far-away blob) cheaply and the same way
 * for every rule type.
 */

/** Limits of one class (all optional). */
export interface ObjectLimits {
  readonly minArea?: number;
  readonly maxArea?: number;
  readonly minAspect?: number;
  readonly maxAspect?: number;
  readonly minScore?: number;
}

/** The filter settings every rule has. */
export interface FilterSpec {
  readonly minScore: number;
  /** 0 = off. */
  readonly minMedianScore: number;
  readonly medianFrames: number;
  readonly filters: Readonly<Record<string, ObjectLimits>>;
}

/** What a filter looks at: a detection, or a track (which adds its recent scores). */
export interface Filterable {
  readonly label: string;
  readonly score: number;
  readonly box: Box;
  /** Scores of the track's recent matched frames, oldest first; absent for a bare detection. */
  readonly recentScores?: readonly number[];
}

/** Median of a non-empty list (mean of the middle two for an even length); NaN for an empty one. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const hi = s[mid] ?? Number.NaN;
  return s.length % 2 === 1 ? hi : ((s[mid - 1] ?? hi) + hi) / 2;
}

/**
 * True when the object passes the rule's filters on a `width`×`height` frame. The median filter uses
 * the last `medianFrames` scores of a track: one confident frame of a poster does not make a person,
 * and one weak frame of a real person (turning, half hidden) does not lose them.
 */
export function passesFilters(spec: FilterSpec, obj: Filterable, width: number, height: number): boolean {
  const limits = spec.filters[obj.label];
  if (obj.score < (limits?.minScore ?? spec.minScore)) return false;
  if (spec.minMedianScore > 0 && obj.recentScores && obj.recentScores.length > 0) {
    if (median(obj.recentScores.slice(-spec.medianFrames)) < spec.minMedianScore) return false;
  }
  if (!limits) return true;
  const area = obj.box.w * obj.box.h;
  if (limits.minArea !== undefined && area < limits.minArea) return false;
  if (limits.maxArea !== undefined && area > limits.maxArea) return false;
  if (limits.minAspect !== undefined || limits.maxAspect !== undefined) {
    const hPx = obj.box.h * height;
    const aspect = hPx > 0 ? (obj.box.w * width) / hPx : Number.POSITIVE_INFINITY;
    if (limits.minAspect !== undefined && aspect < limits.minAspect) return false;
    if (limits.maxAspect !== undefined && aspect > limits.maxAspect) return false;
  }
  return true;
}

/** A mask: objects of `classes` (null = every class) whose box centre lies in `polygon` are ignored. */
export interface ResolvedMask {
  readonly polygon: Polygon;
  readonly classes: ReadonlySet<string> | null;
}

/** True when a mask hides the object. The centre, not the feet: a mask covers a screen or a poster, not a floor. */
export function isMasked(label: string, box: Box, masks: readonly ResolvedMask[]): boolean {
  if (masks.length === 0) return false;
  const c = boxCentre(box);
  return masks.some((m) => (m.classes === null || m.classes.has(label)) && pointInPolygon(c, m.polygon));
}
