/**
 * The cheap picture the motion detector works on: a small grey image made from a packed RGB24 frame
 * by area-averaging integer blocks, then lightly blurred. Plain loops over typed arrays that the
 * caller preallocates, so the per-frame cost is one pass over a subsample of the frame and no garbage.
 */

/** Size of the work image for a frame, and how it was derived. */
export interface GreyGeometry {
  /** Frame pixels per work pixel along each axis (an integer block size). */
  readonly factor: number;
  /** Pixel step inside a block: 1 averages every pixel; larger skips some to bound the cost on big frames. */
  readonly step: number;
  readonly width: number;
  readonly height: number;
}

/** At most this many samples per block side: 4×4 samples average sensor noise well enough. */
const MAX_SAMPLES_PER_SIDE = 4;

/**
 * Chooses the integer block size that brings `frameHeight` closest to `targetHeight` (never upscales),
 * and a sampling step that reads at most 4×4 pixels of each block: a 1080p frame (block 12) reads one
 * pixel in 9, a 480×360 frame (block 4) reads every pixel.
 */
export function greyGeometry(frameWidth: number, frameHeight: number, targetHeight: number): GreyGeometry {
  if (!Number.isInteger(frameWidth) || !Number.isInteger(frameHeight) || frameWidth <= 0 || frameHeight <= 0) {
    throw new RangeError(`frame size must be positive integers, got ${frameWidth}×${frameHeight}`);
  }
  const factor = Math.max(1, Math.min(Math.round(frameHeight / targetHeight), frameWidth, frameHeight));
  const step = Math.max(1, Math.floor(factor / MAX_SAMPLES_PER_SIDE));
  return { factor, step, width: Math.floor(frameWidth / factor), height: Math.floor(frameHeight / factor) };
}

/**
 * Writes the grey level (BT.601 luma, 0..255) of each block of `rgb` into `out` (work width × height,
 * row-major). Columns and rows past the last whole block are left out.
 */
export function downscaleToGrey(rgb: Uint8Array, frameWidth: number, g: GreyGeometry, out: Float32Array): void {
  const { factor, step, width, height } = g;
  const perSide = Math.ceil(factor / step);
  // Integer luma weights summing to 256 (77, 150, 29): one multiply-add per channel, scaled once per block.
  const scale = 1 / (perSide * perSide * 256);
  const rowStride = frameWidth * 3;
  const sampleStride = step * 3;
  for (let by = 0; by < height; by++) {
    const blockRow = by * factor * rowStride;
    for (let bx = 0; bx < width; bx++) {
      let sum = 0;
      const blockStart = blockRow + bx * factor * 3;
      for (let sy = 0; sy < factor; sy += step) {
        let o = blockStart + sy * rowStride;
        for (let sx = 0; sx < factor; sx += step) {
          sum += 77 * (rgb[o] as number) + 150 * (rgb[o + 1] as number) + 29 * (rgb[o + 2] as number);
          o += sampleStride;
        }
      }
      out[by * width + bx] = sum * scale;
    }
  }
}

/**
 * A separable [1 2 1]/4 blur (a small Gaussian) from `src` into `dst`, using `tmp` between the two
 * passes; edges repeat their outermost pixel. It takes the edge off single-pixel noise and
 * compression blocking, which would otherwise pass the threshold in speckles.
 */
export function blur121(src: Float32Array, width: number, height: number, tmp: Float32Array, dst: Float32Array): void {
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      const l = src[row + (x > 0 ? x - 1 : x)] as number;
      const r = src[row + (x < width - 1 ? x + 1 : x)] as number;
      tmp[row + x] = (l + 2 * (src[row + x] as number) + r) * 0.25;
    }
  }
  for (let y = 0; y < height; y++) {
    const up = (y > 0 ? y - 1 : y) * width;
    const down = (y < height - 1 ? y + 1 : y) * width;
    const row = y * width;
    for (let x = 0; x < width; x++) {
      dst[row + x] = ((tmp[up + x] as number) + 2 * (tmp[row + x] as number) + (tmp[down + x] as number)) * 0.25;
    }
  }
}
