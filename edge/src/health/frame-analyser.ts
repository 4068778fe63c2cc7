import type { Frame } from '../types.js';

/** What {@link FrameAnalyser.measure} finds in one frame. Grey levels are 0..255, full range. */
export interface QualityMetrics {
  /** Mean luma (BT.601 weights), 0..255. */
  readonly luma: number;
  /**
   * Luma spread: p90 − p10 (interdecile range), grey levels. Unlike the standard deviation it ignores a
   * sliver of uncovered picture or a few bright road markings, which is what a covered lens needs.
   */
  readonly contrast: number;
  /**
   * Variance of the 4-neighbour Laplacian of the analysis image, grey levels². Measured at a fixed
   * analysis width, so the same scene gives about the same value at any capture resolution.
   */
  readonly sharpness: number;
  /** Fraction of analysis pixels on an edge (|∂x| + |∂y| > 32 grey levels, central differences), 0..1. */
  readonly edges: number;
  /**
   * Change since the previous sample: the largest mean absolute luma difference of any block of an
   * 8×6 grid, grey levels. The block maximum keeps one small moving object from being averaged away by
   * a static background. Undefined on the first sample (or after a size change or reset).
   */
  readonly motion: number | undefined;
  /** Distance of the mean chroma (BT.601 U, V; 8-bit scale) from neutral grey. */
  readonly cast: number;
  /**
   * `cast` divided by the mean absolute chroma deviation around that mean (floored at
   * 2 levels): large when the whole picture shares one tint, small for a colourful scene.
   */
  readonly castRatio: number;
}

/** Gradient |∂x| + |∂y| (central differences, so up to 2 × 2 × 255) above which a pixel is on an edge. */
const EDGE_GRADIENT = 32;
/** Motion and frozen blocks: 8 × 6 is about square on 16:9 pictures. */
const BLOCKS_X = 8;
const BLOCKS_Y = 6;
/** Floor of the chroma deviation in `castRatio`: near-grey pictures would otherwise divide by noise. */
const CAST_SPREAD_FLOOR = 2;

/**
 * Measures one camera's frames on a small grey image (and a quarter-size chroma image) sampled from
 * the RGB24 frame. Every buffer is allocated once per frame size, so the steady state allocates nothing
 * but the returned metrics object. One instance per camera; not for concurrent use.
 *
 * The grey image is point-sampled (nearest pixel), not area-averaged: it is the cheapest resampling,
 * and it keeps each pixel's sensor noise, which is how a live but static scene differs from a frozen
 * one. Averaging 2.4 × 2.4 pixels would cut that noise by more than half.
 */
export class FrameAnalyser {
  private srcWidth = 0;
  private srcHeight = 0;
  private gw = 0;
  private gh = 0;
  /** Byte offset of each analysis column / row in the source frame. */
  private colOffset = new Int32Array(0);
  private rowOffset = new Int32Array(0);
  /** First analysis column of each block column (BLOCKS_X + 1 entries, the last one = width). */
  private readonly blockColStart = new Int32Array(BLOCKS_X + 1);
  /** Block index of each analysis row, already multiplied by BLOCKS_X. */
  private rowBlock = new Int32Array(0);
  private readonly blockPixels = new Float64Array(BLOCKS_X * BLOCKS_Y);
  private readonly blockSum = new Float64Array(BLOCKS_X * BLOCKS_Y);
  private current = new Uint8Array(0);
  private previous = new Uint8Array(0);
  private reference = new Uint8Array(0);
  /** Chroma of every other analysis pixel in both directions, ×256 (fixed point). */
  private chromaU = new Int32Array(0);
  private chromaV = new Int32Array(0);
  private readonly histogram = new Uint32Array(256);
  private hasPrevious = false;
  private hasReference = false;
  private hasCurrent = false;
  // Results of the passes of one measure(), kept in fields so a sample allocates nothing but its metrics.
  private luma = 0;
  private cast = 0;
  private castRatio = 0;
  private sharpness = 0;
  private edges = 0;

  /** @param analysisWidth width of the grey analysis image, px (smaller frames are used as they are) */
  constructor(readonly analysisWidth: number) {
    if (!Number.isInteger(analysisWidth) || analysisWidth < 16) {
      throw new RangeError(`analysisWidth must be an integer ≥ 16, got ${analysisWidth}`);
    }
  }

  /**
   * Samples `frame` into the analysis image (which becomes the current sample) and measures it.
   * Works on Buffer views (`byteOffset` ≠ 0) as they are: it only indexes the view.
   * @throws RangeError when `data` is not a packed RGB24 image of `width` × `height`
   */
  measure(frame: Frame): QualityMetrics {
    const { width, height, data } = frame;
    if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0) || data.length !== width * height * 3) {
      throw new RangeError(`frame ${frame.cameraId}#${frame.seq}: ${data.length} bytes is not a ${width}x${height} RGB24 image`);
    }
    if (width !== this.srcWidth || height !== this.srcHeight) this.allocate(width, height);
    // The previous current becomes the previous sample; swapping avoids a copy.
    if (this.hasCurrent) {
      const t = this.previous;
      this.previous = this.current;
      this.current = t;
      this.hasPrevious = true;
    }
    this.sample(data);
    this.hasCurrent = true;
    this.structure();
    return {
      luma: this.luma,
      contrast: this.percentile(0.9) - this.percentile(0.1),
      sharpness: this.sharpness,
      edges: this.edges,
      motion: this.hasPrevious ? this.blockMaxDiff(this.previous) : undefined,
      cast: this.cast,
      castRatio: this.castRatio,
    };
  }

  /**
   * Largest per-block mean absolute difference between the current sample and the reference sample
   * (see {@link setReference}); undefined when there is no reference.
   */
  diffFromReference(): number | undefined {
    return this.hasReference && this.hasCurrent ? this.blockMaxDiff(this.reference) : undefined;
  }

  /** Keeps a copy of the current sample as the reference that {@link diffFromReference} compares with. */
  setReference(): void {
    if (!this.hasCurrent) return;
    this.reference.set(this.current);
    this.hasReference = true;
  }

  clearReference(): void {
    this.hasReference = false;
  }

  /** Forgets the previous and reference samples (e.g. after a gap in the stream). Keeps the buffers. */
  reset(): void {
    this.hasCurrent = false;
    this.hasPrevious = false;
    this.hasReference = false;
  }

  private allocate(width: number, height: number): void {
    this.srcWidth = width;
    this.srcHeight = height;
    const gw = Math.min(this.analysisWidth, width);
    const gh = Math.max(1, Math.min(height, Math.round((height * gw) / width)));
    this.gw = gw;
    this.gh = gh;
    this.colOffset = new Int32Array(gw);
    for (let x = 0; x < gw; x++) {
      // Pixel centres, so a 768 → 320 grid samples evenly rather than hugging the left edge.
      this.colOffset[x] = Math.min(width - 1, Math.floor(((x + 0.5) * width) / gw)) * 3;
    }
    for (let bx = 0; bx <= BLOCKS_X; bx++) this.blockColStart[bx] = Math.ceil((bx * gw) / BLOCKS_X);
    this.rowOffset = new Int32Array(gh);
    this.rowBlock = new Int32Array(gh);
    for (let y = 0; y < gh; y++) {
      this.rowOffset[y] = Math.min(height - 1, Math.floor(((y + 0.5) * height) / gh)) * width * 3;
      this.rowBlock[y] = Math.floor((y * BLOCKS_Y) / gh) * BLOCKS_X;
    }
    this.blockPixels.fill(0);
    for (let y = 0; y < gh; y++) {
      for (let bx = 0; bx < BLOCKS_X; bx++) {
        const b = (this.rowBlock[y] ?? 0) + bx;
        const cols = (this.blockColStart[bx + 1] ?? 0) - (this.blockColStart[bx] ?? 0);
        this.blockPixels[b] = (this.blockPixels[b] ?? 0) + cols;
      }
    }
    this.current = new Uint8Array(gw * gh);
    this.previous = new Uint8Array(gw * gh);
    this.reference = new Uint8Array(gw * gh);
    const chroma = Math.ceil(gw / 2) * Math.ceil(gh / 2);
    this.chromaU = new Int32Array(chroma);
    this.chromaV = new Int32Array(chroma);
    this.reset();
  }

  /** Fills the grey image, the luma histogram and the chroma image; sets luma and the cast measures. */
  private sample(data: Buffer): void {
    const { gw, gh, current: grey, histogram: hist, chromaU, chromaV } = this;
    hist.fill(0);
    let lumaSum = 0;
    let uSum = 0;
    let vSum = 0;
    let n = 0;
    for (let y = 0; y < gh; y++) {
      const row = this.rowOffset[y] ?? 0;
      const colourRow = (y & 1) === 0;
      for (let x = 0; x < gw; x++) {
        const o = row + (this.colOffset[x] ?? 0);
        const r = data[o] ?? 0;
        const g = data[o + 1] ?? 0;
        const b = data[o + 2] ?? 0;
        // BT.601 luma in fixed point (77 + 150 + 29 = 256).
        const l = (77 * r + 150 * g + 29 * b + 128) >> 8;
        grey[y * gw + x] = l;
        hist[l] = (hist[l] ?? 0) + 1;
        lumaSum += l;
        if (colourRow && (x & 1) === 0) {
          // BT.601 U and V ×256, in integers: -0.169/-0.331/0.5 and 0.5/-0.419/-0.081.
          const u = -43 * r - 85 * g + 128 * b;
          const v = 128 * r - 107 * g - 21 * b;
          chromaU[n] = u;
          chromaV[n] = v;
          uSum += u;
          vSum += v;
          n++;
        }
      }
    }
    const meanU = uSum / n;
    const meanV = vSum / n;
    let devU = 0;
    let devV = 0;
    for (let i = 0; i < n; i++) {
      devU += Math.abs((chromaU[i] ?? 0) - meanU);
      devV += Math.abs((chromaV[i] ?? 0) - meanV);
    }
    const spread = Math.hypot(devU / n, devV / n) / 256;
    this.luma = lumaSum / (gw * gh);
    this.cast = Math.hypot(meanU, meanV) / 256;
    this.castRatio = this.cast / Math.max(spread, CAST_SPREAD_FLOOR);
  }

  /** The smallest grey level with at least fraction `q` of the pixels at or below it. */
  private percentile(q: number): number {
    const target = q * this.gw * this.gh;
    let count = 0;
    for (let level = 0; level < 256; level++) {
      count += this.histogram[level] ?? 0;
      if (count >= target) return level;
    }
    return 255;
  }

  /** Sets the Laplacian variance and the edge density, over the interior of the grey image. */
  private structure(): void {
    const { gw, gh, current: g } = this;
    let sum = 0;
    let sumSq = 0;
    let edgePixels = 0;
    let n = 0;
    for (let y = 1; y < gh - 1; y++) {
      for (let x = 1; x < gw - 1; x++) {
        const i = y * gw + x;
        const c = g[i] ?? 0;
        const left = g[i - 1] ?? 0;
        const right = g[i + 1] ?? 0;
        const up = g[i - gw] ?? 0;
        const down = g[i + gw] ?? 0;
        const lap = 4 * c - left - right - up - down;
        sum += lap;
        sumSq += lap * lap;
        if (Math.abs(right - left) + Math.abs(down - up) > EDGE_GRADIENT) edgePixels++;
        n++;
      }
    }
    const mean = n === 0 ? 0 : sum / n;
    this.sharpness = n === 0 ? 0 : Math.max(0, sumSq / n - mean * mean);
    this.edges = n === 0 ? 0 : edgePixels / n;
  }

  /** Largest per-block mean absolute difference between the current sample and `other`. */
  private blockMaxDiff(other: Uint8Array): number {
    const { gw, gh, current: a, blockSum, blockColStart } = this;
    blockSum.fill(0);
    for (let y = 0; y < gh; y++) {
      const rb = this.rowBlock[y] ?? 0;
      const base = y * gw;
      // A block's columns are contiguous: sum them locally, touch the block total once per row.
      for (let bx = 0; bx < BLOCKS_X; bx++) {
        const end = base + (blockColStart[bx + 1] ?? 0);
        let sum = 0;
        for (let i = base + (blockColStart[bx] ?? 0); i < end; i++) sum += Math.abs((a[i] ?? 0) - (other[i] ?? 0));
        blockSum[rb + bx] = (blockSum[rb + bx] ?? 0) + sum;
      }
    }
    let max = 0;
    for (let b = 0; b < blockSum.length; b++) {
      const pixels = this.blockPixels[b] ?? 0;
      if (pixels > 0) max = Math.max(max, (blockSum[b] ?? 0) / pixels);
    }
    return max;
  }
}
