import type { Frame, Motion, MotionDetector, MotionRegion } from '../types.js';
import { blur121, downscaleToGrey, greyGeometry, type GreyGeometry } from './grey-image.js';
import { maskBitmap, type MaskPolygon } from './motion-mask.js';
import { componentBoxes, dilate, padAndMerge, type CellBox } from './motion-regions.js';

/** Options of {@link BackgroundMotionDetector}; defaults in {@link MOTION_DEFAULTS}. */
export interface MotionDetectorOptions {
  /** Areas where changes never count (a clock, a swaying tree, a TV), as normalised polygons. Default none. */
  readonly mask?: readonly MaskPolygon[];
  /** Height of the grey work image; the frame is block-averaged by the nearest integer factor. Default 90. */
  readonly workHeight?: number;
  /** Grey-level difference (0..255) from the background at which a cell counts as changed. Default 25. */
  readonly threshold?: number;
  /** Weight of each new frame in the running-average background (time constant 1/rate frames). Default 0.05. */
  readonly learningRate?: number;
  /** Changes covering less than this fraction of the picture are ignored (noise, leaves, rain). Default 0.001. */
  readonly minArea?: number;
  /** When at least this fraction of the picture changes at once, it is lighting, not motion. Default 0.8. */
  readonly lightingChangeFraction?: number;
  /** 3×3 dilation passes joining the changed cells of one body. Default 2. */
  readonly dilateIterations?: number;
  /** Each region grows by this fraction of its longer side (at least one cell) before merging. Default 0.1. */
  readonly regionPadding?: number;
}

/**
 * Defaults of {@link MotionDetectorOptions}, close to Frigate's (frame height 100, threshold 30 after
 * contrast stretching, lightning threshold 0.8). The learning rate is higher than Frigate's 0.01
 * because frames come at ~5 fps: at 0.05 a person who has passed leaves a ghost for ~3-5 s, and someone
 * who sits down merges into the background after ~10 s (the gate's periodic re-detect covers them).
 */
export const MOTION_DEFAULTS = {
  workHeight: 90,
  threshold: 25,
  learningRate: 0.05,
  minArea: 0.001,
  lightingChangeFraction: 0.8,
  dilateIterations: 2,
  regionPadding: 0.1,
} as const;

/** Buffers of one frame size; rebuilt only when the size changes. */
interface Grid {
  readonly frameWidth: number;
  readonly frameHeight: number;
  readonly g: GreyGeometry;
  readonly grey: Float32Array;
  readonly blurTmp: Float32Array;
  readonly current: Float32Array;
  readonly background: Float32Array;
  readonly changed: Uint8Array;
  readonly joined: Uint8Array;
  readonly joinTmp: Uint8Array;
  readonly labels: Int32Array;
  readonly stack: Int32Array;
  /** 1 where motion counts. */
  readonly mask: Uint8Array;
  readonly unmasked: number;
}

/**
 * Frigate-style cheap motion detection: the frame becomes a ~90-line grey image (block averages over
 * the packed RGB, no image library), blurred a little and compared with a running-average background;
 * cells that differ by more than `threshold` are "changed". Changed cells are dilated, grouped into
 * connected components, small ones dropped, and the rest padded and merged into regions.
 *
 * A sudden change of most of the picture (lights switched on, auto-exposure, an IR cut filter) is not
 * motion: the background is reset to the current frame, and the answer has no regions but reports how
 * much changed, so the gate can still decide to look. The first frame (or the first after `reset()` or
 * a size change) primes the background and reports nothing.
 *
 * Cost: one pass over at most 16 samples per work cell plus a few passes over the ~10 000-cell grid;
 * all buffers are allocated once per frame size.
 */
export class BackgroundMotionDetector implements MotionDetector {
  private readonly o: Required<Omit<MotionDetectorOptions, 'mask'>>;
  private readonly polygons: readonly MaskPolygon[];
  private grid: Grid | undefined;
  private primed = false;

  constructor(opts: MotionDetectorOptions = {}) {
    const o = { ...MOTION_DEFAULTS };
    for (const [k, v] of Object.entries(opts)) if (v !== undefined && k !== 'mask') Object.assign(o, { [k]: v });
    checkOptions(o);
    this.o = o;
    this.polygons = opts.mask ?? [];
    // Fail at construction, not on the first frame, when a polygon is malformed.
    maskBitmap(this.polygons, 1, 1);
  }

  /** Compares one frame with the background, then lets the background learn from it. */
  process(frame: Frame): Motion {
    const grid = this.gridFor(frame);
    const { g, grey, blurTmp, current, background, changed, mask } = grid;
    const cells = g.width * g.height;
    if (frame.data.length < frame.width * frame.height * 3) {
      throw new RangeError(`frame ${frame.seq} has ${frame.data.length} bytes, expected ${frame.width * frame.height * 3}`);
    }
    downscaleToGrey(frame.data, frame.width, g, grey);
    blur121(grey, g.width, g.height, blurTmp, current);
    const none: Motion = { cameraId: frame.cameraId, frameSeq: frame.seq, changed: 0, regions: [] };
    if (!this.primed) {
      background.set(current);
      this.primed = true;
      return none;
    }
    if (grid.unmasked === 0) return none;

    const threshold = this.o.threshold;
    let count = 0;
    for (let i = 0; i < cells; i++) {
      const c = mask[i] === 1 && Math.abs((current[i] as number) - (background[i] as number)) > threshold ? 1 : 0;
      changed[i] = c;
      count += c;
    }
    const fraction = count / grid.unmasked;
    if (fraction >= this.o.lightingChangeFraction) {
      background.set(current);
      return { ...none, changed: fraction };
    }
    const rate = this.o.learningRate;
    for (let i = 0; i < cells; i++) {
      const b = background[i] as number;
      background[i] = b + rate * ((current[i] as number) - b);
    }
    if (count === 0) return none;

    dilate(changed, g.width, g.height, this.o.dilateIterations, grid.joinTmp, grid.joined);
    const minCells = Math.max(1, Math.ceil(this.o.minArea * cells));
    const boxes = componentBoxes(grid.joined, changed, g.width, g.height, minCells, grid.labels, grid.stack);
    const merged = padAndMerge(boxes, g.width, g.height, this.o.regionPadding);
    const regions = merged.map((b) => this.region(grid, b));
    return { cameraId: frame.cameraId, frameSeq: frame.seq, changed: fraction, regions };
  }

  /** Forgets the background: the next frame primes it again. */
  reset(): void {
    this.primed = false;
  }

  private region(grid: Grid, b: CellBox): MotionRegion {
    const { g, changed, mask, frameWidth, frameHeight } = grid;
    let hit = 0;
    let counted = 0;
    for (let y = b.y0; y <= b.y1; y++) {
      for (let x = b.x0; x <= b.x1; x++) {
        const i = y * g.width + x;
        counted += mask[i] as number;
        hit += changed[i] as number;
      }
    }
    // Grid cells are whole blocks of frame pixels: map their edges back through the block size.
    const f = g.factor;
    return {
      box: {
        x: (b.x0 * f) / frameWidth,
        y: (b.y0 * f) / frameHeight,
        w: ((b.x1 - b.x0 + 1) * f) / frameWidth,
        h: ((b.y1 - b.y0 + 1) * f) / frameHeight,
      },
      fill: counted === 0 ? 0 : hit / counted,
    };
  }

  private gridFor(frame: Frame): Grid {
    const cur = this.grid;
    if (cur !== undefined && cur.frameWidth === frame.width && cur.frameHeight === frame.height) return cur;
    const g = greyGeometry(frame.width, frame.height, this.o.workHeight);
    const n = g.width * g.height;
    const mask = maskBitmap(this.polygons, g.width, g.height);
    let unmasked = 0;
    for (let i = 0; i < n; i++) unmasked += mask[i] as number;
    this.grid = {
      frameWidth: frame.width,
      frameHeight: frame.height,
      g,
      grey: new Float32Array(n),
      blurTmp: new Float32Array(n),
      current: new Float32Array(n),
      background: new Float32Array(n),
      changed: new Uint8Array(n),
      joined: new Uint8Array(n),
      joinTmp: new Uint8Array(n),
      labels: new Int32Array(n),
      stack: new Int32Array(n),
      mask,
      unmasked,
    };
    this.primed = false;
    return this.grid;
  }
}

function checkOptions(o: Required<Omit<MotionDetectorOptions, 'mask'>>): void {
  const positive = (k: keyof typeof o, v: number): void => {
    if (!(Number.isFinite(v) && v > 0)) throw new RangeError(`${k} must be a positive number, got ${v}`);
  };
  positive('workHeight', o.workHeight);
  positive('threshold', o.threshold);
  if (!(o.learningRate > 0 && o.learningRate <= 1)) throw new RangeError(`learningRate must be within (0, 1], got ${o.learningRate}`);
  if (!(o.minArea >= 0 && o.minArea < 1)) throw new RangeError(`minArea must be within [0, 1), got ${o.minArea}`);
  if (!(o.lightingChangeFraction > 0 && o.lightingChangeFraction <= 1)) {
    throw new RangeError(`lightingChangeFraction must be within (0, 1], got ${o.lightingChangeFraction}`);
  }
  if (!(Number.isInteger(o.dilateIterations) && o.dilateIterations >= 0)) {
    throw new RangeError(`dilateIterations must be a non-negative integer, got ${o.dilateIterations}`);
  }
  if (!(o.regionPadding >= 0)) throw new RangeError(`regionPadding must be >= 0, got ${o.regionPadding}`);
}
