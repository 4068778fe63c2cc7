import type { Detection } from '../../../protocol/index.js';
import type { ScoredBox } from './decode-common.js';

/** Settings of {@link nms}. */
export interface NmsOptions {
  /** A box is suppressed when its IoU with a kept, higher-scoring box exceeds this. */
  readonly iou: number;
  /** true: boxes of any class suppress each other; false: only boxes of the same class do. */
  readonly classAgnostic: boolean;
  /** Most boxes returned (highest scores first). */
  readonly maxDetections?: number;
  /**
   * Most candidates considered, highest scores first. Greedy NMS is quadratic; a very low threshold
   * on a busy frame can produce thousands of candidates, so they are capped as Ultralytics does.
   */
  readonly maxCandidates?: number;
}

/** Intersection over union of two corner boxes; 0 when either is empty. */
export function iou(a: ScoredBox, b: ScoredBox): number {
  const iw = Math.min(a.x2, b.x2) - Math.max(a.x1, b.x1);
  const ih = Math.min(a.y2, b.y2) - Math.max(a.y1, b.y1);
  if (iw <= 0 || ih <= 0) return 0;
  const inter = iw * ih;
  const union = (a.x2 - a.x1) * (a.y2 - a.y1) + (b.x2 - b.x1) * (b.y2 - b.y1) - inter;
  return union > 0 ? inter / union : 0;
}

/**
 * Greedy non-maximum suppression. Returns the kept boxes sorted by score, highest first. IoU is
 * computed on normalised frame coordinates, which gives the same value as on pixels (IoU does not
 * change when each axis is scaled).
 */
export function nms(boxes: readonly ScoredBox[], opts: NmsOptions): ScoredBox[] {
  const maxDet = opts.maxDetections ?? 100;
  const sorted = [...boxes].sort((a, b) => b.score - a.score).slice(0, opts.maxCandidates ?? 3000);
  const kept: ScoredBox[] = [];
  for (const box of sorted) {
    if (kept.length >= maxDet) break;
    let suppressed = false;
    for (const k of kept) {
      if ((opts.classAgnostic || k.classId === box.classId) && iou(k, box) > opts.iou) {
        suppressed = true;
        break;
      }
    }
    if (!suppressed) kept.push(box);
  }
  return kept;
}

/** Turns decoded boxes into protocol {@link Detection}s (label, score, x/y/w/h box). */
export function toDetections(boxes: readonly ScoredBox[], labels: readonly string[]): Detection[] {
  return boxes.map((b) => ({
    label: labels[b.classId] ?? `class_${b.classId}`,
    score: Math.min(1, Math.max(0, b.score)),
    box: { x: b.x1, y: b.y1, w: b.x2 - b.x1, h: b.y2 - b.y1 },
  }));
}
