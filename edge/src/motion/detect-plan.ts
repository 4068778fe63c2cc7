import type { Detection } from '../../../protocol/index.js';
import type { Frame, MotionRegion } from '../types.js';

/** A rectangle in frame pixels, integer, inside the frame. */
export interface PixelRect {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** Options of {@link planDetection}; defaults in {@link DETECT_PLAN_DEFAULTS}. */
export interface DetectPlanOptions {
  /** The detector's input size: crops take its aspect ratio so the letterbox wastes nothing. */
  readonly modelWidth: number;
  readonly modelHeight: number;
  /** Crops are used only while together they cover less than this fraction of the frame. Default 0.4. */
  readonly maxCoverage?: number;
  /** Each region grows by this fraction of its longer side first (context for the detector). Default 0.25. */
  readonly padding?: number;
  /**
   * Smallest crop height in frame pixels. Default: the model's input height, so a crop is never
   * enlarged past 1:1 (as Frigate sizes its regions); smaller crops would upscale noise.
   */
  readonly minCropHeight?: number;
  /** More crops than this cost more than one full-frame run. Default 3. */
  readonly maxCrops?: number;
}

/** Defaults of {@link DetectPlanOptions}. */
export const DETECT_PLAN_DEFAULTS = { maxCoverage: 0.4, padding: 0.25, maxCrops: 3 } as const;

/** Where to run the detector on a frame: on the whole frame, or on a few crops around the motion. */
export type DetectPlan = { readonly mode: 'full' } | { readonly mode: 'crops'; readonly crops: readonly PixelRect[] };

const FULL: DetectPlan = { mode: 'full' };

/**
 * Decides between a full-frame detection and detection on crops around the motion regions.
 *
 * Each region is padded, then grown to the model's aspect ratio and at least `minCropHeight`, centred
 * on the region and shifted inside the frame. Crops that overlap are merged (their regions' union is
 * grown again) until none do, so an object is never seen by two crops. Crops win when there are at
 * most `maxCrops` of them covering less than `maxCoverage` of the frame: on a 1080p camera a person
 * 60 px tall is ~13 px in a full-frame 416 input but keeps its 60 px in a 416 crop. On small frames
 * (480×360 with a 416 model) the minimum crop is most of the frame and the plan is always `full`.
 *
 * No regions means a periodic re-detect: full frame.
 */
export function planDetection(regions: readonly MotionRegion[], frameWidth: number, frameHeight: number, opts: DetectPlanOptions): DetectPlan {
  const maxCoverage = opts.maxCoverage ?? DETECT_PLAN_DEFAULTS.maxCoverage;
  const padding = opts.padding ?? DETECT_PLAN_DEFAULTS.padding;
  const maxCrops = opts.maxCrops ?? DETECT_PLAN_DEFAULTS.maxCrops;
  const minH = opts.minCropHeight ?? opts.modelHeight;
  if (!(opts.modelWidth > 0 && opts.modelHeight > 0)) throw new RangeError('modelWidth and modelHeight must be positive');
  if (regions.length === 0) return FULL;

  // Work in pixels with fractional edges; round only at the end.
  let areas: Rect[] = regions.map((r) => {
    const x = r.box.x * frameWidth;
    const y = r.box.y * frameHeight;
    const w = r.box.w * frameWidth;
    const h = r.box.h * frameHeight;
    const pad = padding * Math.max(w, h);
    return { x0: x - pad, y0: y - pad, x1: x + w + pad, y1: y + h + pad };
  });
  const aspect = opts.modelWidth / opts.modelHeight;
  let crops = areas.map((a) => cropAround(a, aspect, minH, frameWidth, frameHeight));
  for (;;) {
    const pair = firstOverlap(crops);
    if (pair === undefined) break;
    const [i, j] = pair;
    const a = areas[i] as Rect;
    const b = areas[j] as Rect;
    const union = { x0: Math.min(a.x0, b.x0), y0: Math.min(a.y0, b.y0), x1: Math.max(a.x1, b.x1), y1: Math.max(a.y1, b.y1) };
    areas = areas.filter((_, k) => k !== i && k !== j);
    areas.push(union);
    crops = areas.map((r) => cropAround(r, aspect, minH, frameWidth, frameHeight));
  }
  if (crops.length > maxCrops) return FULL;
  const covered = crops.reduce((sum, c) => sum + (c.x1 - c.x0) * (c.y1 - c.y0), 0);
  if (covered >= maxCoverage * frameWidth * frameHeight) return FULL;
  return { mode: 'crops', crops: crops.map(toPixelRect) };
}

/**
 * Maps a detection made on a crop (box normalised to the crop) back to the frame (box normalised to
 * the frame). Everything else, `trackId` included, is kept.
 */
export function mapCropDetection(d: Detection, crop: PixelRect, frameWidth: number, frameHeight: number): Detection {
  return {
    ...d,
    box: {
      x: (crop.x + d.box.x * crop.width) / frameWidth,
      y: (crop.y + d.box.y * crop.height) / frameHeight,
      w: (d.box.w * crop.width) / frameWidth,
      h: (d.box.h * crop.height) / frameHeight,
    },
  };
}

/** {@link mapCropDetection} over a list. */
export function mapCropDetections(items: readonly Detection[], crop: PixelRect, frameWidth: number, frameHeight: number): Detection[] {
  return items.map((d) => mapCropDetection(d, crop, frameWidth, frameHeight));
}

/**
 * Copies a crop out of a frame as a frame of its own (same camera, seq and time), to hand to a
 * detector. `out` may be a reused buffer of at least width × height × 3 bytes; the frame's `data`
 * is then a view of it, valid until the buffer is reused.
 */
export function cropFrame(frame: Frame, rect: PixelRect, out?: Buffer): Frame {
  const { x, y, width, height } = rect;
  if (!(Number.isInteger(x) && Number.isInteger(y) && Number.isInteger(width) && Number.isInteger(height))) {
    throw new RangeError('crop rectangle must be integer pixels');
  }
  if (x < 0 || y < 0 || width <= 0 || height <= 0 || x + width > frame.width || y + height > frame.height) {
    throw new RangeError(`crop ${width}×${height}+${x}+${y} is not inside the ${frame.width}×${frame.height} frame`);
  }
  const bytes = width * height * 3;
  if (out !== undefined && out.length < bytes) throw new RangeError(`crop buffer holds ${out.length} bytes, need ${bytes}`);
  const data = out === undefined ? Buffer.allocUnsafe(bytes) : out.subarray(0, bytes);
  const rowBytes = width * 3;
  for (let r = 0; r < height; r++) {
    const src = ((y + r) * frame.width + x) * 3;
    frame.data.copy(data, r * rowBytes, src, src + rowBytes);
  }
  return { cameraId: frame.cameraId, seq: frame.seq, capturedAt: frame.capturedAt, width, height, data };
}

/** A rectangle with fractional corner coordinates (x1, y1 exclusive). */
interface Rect {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** The crop for an area: its aspect and minimum height, centred on it, then moved inside the frame. */
function cropAround(a: Rect, aspect: number, minH: number, frameWidth: number, frameHeight: number): Rect {
  let w = a.x1 - a.x0;
  let h = a.y1 - a.y0;
  if (w / h < aspect) w = h * aspect;
  else h = w / aspect;
  if (h < minH) {
    h = minH;
    w = minH * aspect;
  }
  // A crop larger than the frame along one side takes the whole side; the letterbox pads the rest.
  w = Math.min(w, frameWidth);
  h = Math.min(h, frameHeight);
  const cx = (a.x0 + a.x1) / 2;
  const cy = (a.y0 + a.y1) / 2;
  const x0 = clamp(cx - w / 2, 0, frameWidth - w);
  const y0 = clamp(cy - h / 2, 0, frameHeight - h);
  return { x0, y0, x1: x0 + w, y1: y0 + h };
}

function firstOverlap(crops: readonly Rect[]): [number, number] | undefined {
  for (let i = 0; i < crops.length; i++) {
    for (let j = i + 1; j < crops.length; j++) {
      const a = crops[i] as Rect;
      const b = crops[j] as Rect;
      if (a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1) return [i, j];
    }
  }
  return undefined;
}

/** Whole pixels covering the rectangle, still inside the frame (the rect already is). */
function toPixelRect(r: Rect): PixelRect {
  const x = Math.floor(r.x0);
  const y = Math.floor(r.y0);
  return { x, y, width: Math.ceil(r.x1) - x, height: Math.ceil(r.y1) - y };
}

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}
