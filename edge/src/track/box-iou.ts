import type { Box } from '../../../protocol/index.js';

/**
 * Intersection over union of two x/y/w/h boxes; 0 when either is empty. Scale-free, so normalised
 * boxes give the same value as pixel boxes.
 */
export function boxIou(a: Box, b: Box): number {
  const iw = Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x);
  const ih = Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y);
  if (iw <= 0 || ih <= 0) return 0;
  const inter = iw * ih;
  const union = a.w * a.h + b.w * b.h - inter;
  return union > 0 ? inter / union : 0;
}

/** The box clipped to the unit square (a prediction may drift out of the picture; the protocol wants 0..1). */
export function clampBox(box: Box): Box {
  const x1 = clamp01(box.x);
  const y1 = clamp01(box.y);
  const x2 = clamp01(box.x + box.w);
  const y2 = clamp01(box.y + box.h);
  return { x: x1, y: y1, w: Math.max(0, x2 - x1), h: Math.max(0, y2 - y1) };
}

function clamp01(v: number): number {
  return v < 0 ? 0 : v > 1 ? 1 : v;
}
