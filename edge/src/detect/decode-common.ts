import type { LetterboxGeometry } from './preprocess.js';

/**
 * One decoded box before NMS: class index, score and corners in normalised frame coordinates (0..1,
 * top-left origin), already mapped back through the letterbox and clamped to the frame.
 */
export interface ScoredBox {
  readonly classId: number;
  readonly score: number;
  readonly x1: number;
  readonly y1: number;
  readonly x2: number;
  readonly y2: number;
}

/** What every decoder needs besides the tensor. */
export interface DecodeOptions {
  /** Per-class score threshold, one entry per class (see {@link classThresholds}). */
  readonly thresholds: ArrayLike<number>;
  /** Where the frame sits in the model input (from the preprocessor). */
  readonly geometry: LetterboxGeometry;
}

/**
 * Per-class thresholds in class order: `defaultThreshold` unless `perClass` names the label. Unknown
 * labels in `perClass` are ignored here; the manifest check reports them.
 */
export function classThresholds(
  labels: readonly string[],
  defaultThreshold: number,
  perClass: Readonly<Record<string, number>> = {},
): Float32Array {
  return Float32Array.from(labels, (label) => perClass[label] ?? defaultThreshold);
}

/** Lowest entry of the thresholds: rows whose best possible score is below it can be skipped early. */
export function minThreshold(thresholds: ArrayLike<number>): number {
  let min = Infinity;
  for (let i = 0; i < thresholds.length; i++) min = Math.min(min, thresholds[i] ?? Infinity);
  return min;
}

/**
 * Maps a centre/size box in model-input pixels back to the frame and normalises it. Returns undefined
 * when the box lies entirely in the padding (nothing left after clamping).
 */
export function toFrameBox(
  classId: number,
  score: number,
  cx: number,
  cy: number,
  w: number,
  h: number,
  g: LetterboxGeometry,
): ScoredBox | undefined {
  // input px → frame px is (v - pad) / scale; → normalised divides by the frame size: together / resized size.
  const fx = g.resizedWidth;
  const fy = g.resizedHeight;
  const x1 = clamp01((cx - w / 2 - g.padX) / fx);
  const y1 = clamp01((cy - h / 2 - g.padY) / fy);
  const x2 = clamp01((cx + w / 2 - g.padX) / fx);
  const y2 = clamp01((cy + h / 2 - g.padY) / fy);
  if (!(x2 > x1 && y2 > y1)) return undefined;
  return { classId, score, x1, y1, x2, y2 };
}

function clamp01(v: number): number {
  return v < 0 ? 0 : v > 1 ? 1 : v;
}

/** Checks an output tensor's dims and returns them as numbers, with a message naming the expectation. */
export function expectDims(family: string, dims: readonly number[], rank: number, expected: string): number[] {
  if (dims.length !== rank || dims[0] !== 1 || dims.some((d) => !Number.isInteger(d) || d <= 0)) {
    throw new Error(`${family} output must be ${expected}, got [${dims.join(',')}]`);
  }
  return [...dims];
}
