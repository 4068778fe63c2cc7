import sharp from 'sharp';
import type { ModelManifest } from '../../../models/manifest.js';
import type { Frame } from '../types.js';

/**
 * Where the frame landed inside the model input: input px = frame px * scale + pad. The decoders use it
 * to map boxes back to the frame.
 */
export interface LetterboxGeometry {
  /** Frame size, px. */
  readonly srcWidth: number;
  readonly srcHeight: number;
  /** Size of the resized frame inside the input, px. */
  readonly resizedWidth: number;
  readonly resizedHeight: number;
  /** Horizontal and vertical scale, frame px → input px (equal unless the letterbox mode is `stretch`). */
  readonly scaleX: number;
  readonly scaleY: number;
  /** Offset of the resized frame inside the input, px. */
  readonly padX: number;
  readonly padY: number;
}

/** Input tensor settings, as in a manifest's `input` section. */
export type PreprocessSpec = ModelManifest['input'];

/**
 * Computes where a frame of `srcWidth`×`srcHeight` goes in the model input. Rounding follows the
 * reference implementations: YOLOX truncates the resized size (`int(w*r)`), Ultralytics rounds it and
 * splits the padding with `round(d/2 ∓ 0.1)`.
 */
export function letterboxGeometry(srcWidth: number, srcHeight: number, spec: PreprocessSpec): LetterboxGeometry {
  const { width: dstW, height: dstH, letterbox } = spec;
  if (letterbox === 'stretch') {
    return { srcWidth, srcHeight, resizedWidth: dstW, resizedHeight: dstH, scaleX: dstW / srcWidth, scaleY: dstH / srcHeight, padX: 0, padY: 0 };
  }
  const r = Math.min(dstW / srcWidth, dstH / srcHeight);
  const round = letterbox === 'top-left' ? Math.floor : Math.round;
  const resizedWidth = Math.max(1, Math.min(dstW, round(srcWidth * r)));
  const resizedHeight = Math.max(1, Math.min(dstH, round(srcHeight * r)));
  let padX = 0;
  let padY = 0;
  if (letterbox === 'centre') {
    // max(0, …) also turns round(-0.1) = -0 into 0.
    padX = Math.max(0, Math.round((dstW - resizedWidth) / 2 - 0.1));
    padY = Math.max(0, Math.round((dstH - resizedHeight) / 2 - 0.1));
  }
  return {
    srcWidth,
    srcHeight,
    resizedWidth,
    resizedHeight,
    scaleX: resizedWidth / srcWidth,
    scaleY: resizedHeight / srcHeight,
    padX,
    padY,
  };
}

/** The model input for one frame, in the buffer it was written to. */
export interface PreprocessedFrame {
  readonly data: Float32Array;
  /** Always `[1, 3, height, width]`. */
  readonly dims: readonly [1, 3, number, number];
  readonly geometry: LetterboxGeometry;
}

/** Turns frames into one model's NCHW float32 input. */
export interface Preprocessor {
  readonly spec: PreprocessSpec;
  /** Values in one input tensor: 3·width·height. */
  readonly length: number;
  /** The preprocessor's own tensor buffer: where {@link Preprocessor.run} writes unless given another. */
  readonly buffer: Float32Array;
  /**
   * Writes the frame's model input into `into` (every value, padding included, so any buffer of
   * {@link Preprocessor.length} will do). The frame's pixels are read before the returned promise settles.
   * Calls writing to the same buffer must not overlap.
   */
  run(frame: Frame, into?: Float32Array): Promise<PreprocessedFrame>;
}

/**
 * Builds a preprocessor for a model input: resize with sharp, then one pass that writes normalised values
 * into a preallocated Float32Array through a per-channel 256-entry lookup table. The padding is written
 * on every call with `fill` (tens of microseconds): buffers travel to a detector worker and back, so a
 * buffer cannot be assumed to hold the padding of an earlier frame.
 */
export function createPreprocessor(spec: PreprocessSpec): Preprocessor {
  const { width: W, height: H } = spec;
  const plane = W * H;
  const length = 3 * plane;
  const buffer = new Float32Array(length);
  const lut = normalisationTable(spec);
  // Tensor channel c reads frame channel srcChannel[c]: RGB frames, BGR models swap 0 and 2.
  const srcChannel = spec.channelOrder === 'bgr' ? [2, 1, 0] : [0, 1, 2];
  const padNorm = [0, 1, 2].map((c) => lut[c * 256 + spec.padValue] ?? 0);
  const dims = [1, 3, H, W] as const;

  async function run(frame: Frame, into: Float32Array = buffer): Promise<PreprocessedFrame> {
    const { width: fw, height: fh, data } = frame;
    if (!(fw > 0 && fh > 0) || data.length !== fw * fh * 3) {
      throw new Error(`frame ${frame.cameraId}#${frame.seq}: ${data.length} bytes is not a ${fw}x${fh} RGB24 image`);
    }
    if (into.length !== length) throw new Error(`tensor buffer holds ${into.length} values, the ${W}x${H} input needs ${length}`);
    const g = letterboxGeometry(fw, fh, spec);
    // lanczos3 (sharp's default) on purpose: the reference detections in ../shared/models were measured
    // with it and match to 3 decimals; bilinear moves some scores by 0.02-0.05 (e.g. YOLO11n car on dog.jpg).
    const pixels =
      g.resizedWidth === fw && g.resizedHeight === fh
        ? data
        : await sharp(data, { raw: { width: fw, height: fh, channels: 3 } })
            .resize(g.resizedWidth, g.resizedHeight, { kernel: 'lanczos3', fit: 'fill' })
            .raw()
            .toBuffer();
    const rw = g.resizedWidth;
    const rh = g.resizedHeight;
    fillPadding(into, g, padNorm);
    const s0 = srcChannel[0] ?? 0;
    const s1 = srcChannel[1] ?? 1;
    const s2 = srcChannel[2] ?? 2;
    for (let y = 0; y < rh; y++) {
      let src = y * rw * 3;
      let dst = (y + g.padY) * W + g.padX;
      for (let x = 0; x < rw; x++, src += 3, dst++) {
        into[dst] = lut[pixels[src + s0] as number] as number;
        into[dst + plane] = lut[256 + (pixels[src + s1] as number)] as number;
        into[dst + 2 * plane] = lut[512 + (pixels[src + s2] as number)] as number;
      }
    }
    return { data: into, dims, geometry: g };
  }

  /** Writes the padding value of each channel around the resized image (rows above and below, columns beside). */
  function fillPadding(into: Float32Array, g: LetterboxGeometry, pad: readonly number[]): void {
    const top = g.padY * W;
    const bottom = (g.padY + g.resizedHeight) * W;
    const right = g.padX + g.resizedWidth;
    for (let c = 0; c < 3; c++) {
      const v = pad[c] ?? 0;
      const base = c * plane;
      into.fill(v, base, base + top);
      into.fill(v, base + bottom, base + plane);
      if (g.resizedWidth === W) continue;
      for (let row = top; row < bottom; row += W) {
        into.fill(v, base + row, base + row + g.padX);
        into.fill(v, base + row + right, base + row + W);
      }
    }
  }

  return { spec, length, buffer, run };
}

/** `lut[c*256 + v]` = normalised value of pixel value v in tensor channel c. */
export function normalisationTable(spec: PreprocessSpec): Float32Array {
  const { scale, mean = [0, 0, 0], std = [1, 1, 1] } = spec.normalise;
  const lut = new Float32Array(3 * 256);
  for (let c = 0; c < 3; c++) {
    const m = mean[c] ?? 0;
    const s = std[c] ?? 1;
    for (let v = 0; v < 256; v++) lut[c * 256 + v] = (v * scale - m) / s;
  }
  return lut;
}
