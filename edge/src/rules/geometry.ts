import type { Box } from '../../../protocol/index.js';

/**
 * Plane geometry of scene rules. Every coordinate is normalised to the frame (0..1, top-left origin,
 * y down), like detection boxes, so zones drawn once stay valid when the decode size changes.
 */

/** A point `[x, y]` in normalised frame coordinates. */
export type Point = readonly [number, number];

/** A closed polygon given by its vertices in order (either winding); the last vertex joins the first. */
export type Polygon = readonly Point[];

/** A line segment from `a` to `b`. */
export interface Segment {
  readonly a: Point;
  readonly b: Point;
}

/**
 * Which part of a box must lie in a zone for the object to count as inside:
 * - `bottom-centre`: the middle of the bottom edge, where a standing person or a vehicle touches the
 *   ground — the usual choice for cameras looking down at a floor, since a tall box leans over zones
 *   it is not standing in;
 * - `centre`: the box centre, for objects that do not stand on the floor (faces, flames, top-down views);
 * - `any-overlap`: any part of the box overlaps the zone.
 */
export type Anchor = 'bottom-centre' | 'centre' | 'any-overlap';

/** A part of a box in fractions of the box (top 0 = the box's top edge, bottom 1 = its bottom edge); may reach outside it. */
export interface BoxRegion {
  readonly top: number;
  readonly bottom: number;
  readonly left: number;
  readonly right: number;
}

/** The point of a box that {@link Anchor} `bottom-centre` or `centre` tests. */
export function anchorPoint(box: Box, anchor: Exclude<Anchor, 'any-overlap'>): Point {
  return anchor === 'centre' ? [box.x + box.w / 2, box.y + box.h / 2] : [box.x + box.w / 2, box.y + box.h];
}

/** The box centre. */
export function boxCentre(box: Box): Point {
  return [box.x + box.w / 2, box.y + box.h / 2];
}

/**
 * Even-odd ray casting. Points exactly on an edge may land on either side; zones are drawn by hand
 * and objects move, so that ambiguity never decides anything on its own.
 */
export function pointInPolygon(p: Point, polygon: Polygon): boolean {
  const [x, y] = p;
  let inside = false;
  for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i++) {
    const pi = polygon[i];
    const pj = polygon[j];
    if (!pi || !pj) continue;
    const [xi, yi] = pi;
    const [xj, yj] = pj;
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** The polygon's vertices, but for a box: its four corners clockwise from the top-left. */
export function boxCorners(box: Box): Point[] {
  return [
    [box.x, box.y],
    [box.x + box.w, box.y],
    [box.x + box.w, box.y + box.h],
    [box.x, box.y + box.h],
  ];
}

/** Sign of the cross product (b − a) × (p − a): > 0 when p is right of a→b on screen (y down), < 0 left, 0 on the line. */
export function cross(a: Point, b: Point, p: Point): number {
  return (b[0] - a[0]) * (p[1] - a[1]) - (b[1] - a[1]) * (p[0] - a[0]);
}

/** Signed distance of `p` from the infinite line through a→b: > 0 right of it on screen, < 0 left. */
export function signedDistance(line: Segment, p: Point): number {
  const len = Math.hypot(line.b[0] - line.a[0], line.b[1] - line.a[1]);
  return len === 0 ? 0 : cross(line.a, line.b, p) / len;
}

/** True when the closed segments p1–p2 and q1–q2 share a point (touching counts). */
export function segmentsIntersect(p1: Point, p2: Point, q1: Point, q2: Point): boolean {
  const d1 = cross(q1, q2, p1);
  const d2 = cross(q1, q2, p2);
  const d3 = cross(p1, p2, q1);
  const d4 = cross(p1, p2, q2);
  if (((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0))) return true;
  return (
    (d1 === 0 && onSegment(q1, q2, p1)) ||
    (d2 === 0 && onSegment(q1, q2, p2)) ||
    (d3 === 0 && onSegment(p1, p2, q1)) ||
    (d4 === 0 && onSegment(p1, p2, q2))
  );
}

function onSegment(a: Point, b: Point, p: Point): boolean {
  return Math.min(a[0], b[0]) <= p[0] && p[0] <= Math.max(a[0], b[0]) && Math.min(a[1], b[1]) <= p[1] && p[1] <= Math.max(a[1], b[1]);
}

/** True when the box and the polygon overlap: a corner inside the polygon, a vertex inside the box, or crossing edges. */
export function boxOverlapsPolygon(box: Box, polygon: Polygon): boolean {
  const corners = boxCorners(box);
  if (corners.some((c) => pointInPolygon(c, polygon))) return true;
  if (polygon.some((v) => v[0] >= box.x && v[0] <= box.x + box.w && v[1] >= box.y && v[1] <= box.y + box.h)) return true;
  for (let i = 0; i < polygon.length; i++) {
    const p = polygon[i];
    const q = polygon[(i + 1) % polygon.length];
    if (!p || !q) continue;
    for (let k = 0; k < 4; k++) {
      const c = corners[k];
      const d = corners[(k + 1) % 4];
      if (c && d && segmentsIntersect(p, q, c, d)) return true;
    }
  }
  return false;
}

/** Whether a box is in a zone under the given anchor. */
export function boxInZone(box: Box, polygon: Polygon, anchor: Anchor): boolean {
  return anchor === 'any-overlap' ? boxOverlapsPolygon(box, polygon) : pointInPolygon(anchorPoint(box, anchor), polygon);
}

/** The part of `box` described by `region` (fractions of the box), e.g. the head = `{top: 0, bottom: 0.3, left: 0, right: 1}`. */
export function regionOfBox(box: Box, region: BoxRegion): Box {
  return {
    x: box.x + region.left * box.w,
    y: box.y + region.top * box.h,
    w: Math.max(0, (region.right - region.left) * box.w),
    h: Math.max(0, (region.bottom - region.top) * box.h),
  };
}

/** Area of the intersection of two boxes. */
export function intersectionArea(a: Box, b: Box): number {
  const w = Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y);
  return w > 0 && h > 0 ? w * h : 0;
}

/** Fraction of `inner`'s area that lies inside `outer` (0 for an empty `inner`). */
export function coverage(inner: Box, outer: Box): number {
  const area = inner.w * inner.h;
  return area > 0 ? intersectionArea(inner, outer) / area : 0;
}

/** Distance between two points in pixels of a `width`×`height` frame (normalised units distort non-square frames). */
export function pixelDistance(p: Point, q: Point, width: number, height: number): number {
  return Math.hypot((p[0] - q[0]) * width, (p[1] - q[1]) * height);
}

/** A box clamped into the frame, so anything drawn or sent stays within the protocol's 0..1 range. */
export function clampToFrame(box: Box): Box {
  const x = Math.min(1, Math.max(0, box.x));
  const y = Math.min(1, Math.max(0, box.y));
  return { x, y, w: Math.min(1 - x, Math.max(0, box.x + box.w - x)), h: Math.min(1 - y, Math.max(0, box.y + box.h - y)) };
}

/**
 * The candidate whose box lies most inside `region` of `subject`, if at least `minOverlap` of its own
 * area does: the association of an attribute (helmet, mask, phone) with the person or head it belongs to.
 */
export function bestInRegion<T extends { readonly box: Box }>(subject: Box, region: BoxRegion, candidates: readonly T[], minOverlap: number): T | undefined {
  const r = regionOfBox(subject, region);
  let best: T | undefined;
  let bestCover = 0;
  for (const c of candidates) {
    const cover = coverage(c.box, r);
    if (cover >= minOverlap && cover > bestCover) {
      best = c;
      bestCover = cover;
    }
  }
  return best;
}
