import { expectDims, minThreshold, toFrameBox, type DecodeOptions, type ScoredBox } from './decode-common.js';

/** Extra settings of the YOLOX decode: the head strides and the model input size that define the grids. */
export interface YoloxDecodeOptions extends DecodeOptions {
  readonly strides: readonly number[];
  readonly inputWidth: number;
  readonly inputHeight: number;
}

/**
 * Decodes a raw YOLOX head output `[1, N, 5+nc]` whose rows are `tx, ty, tw, th, obj, cls…` (obj and
 * cls already sigmoided), with N = Σ (W/s)·(H/s) over the strides, grid cells row-major per stride:
 * `cx = (tx+gx)·s, cy = (ty+gy)·s, w = e^tw·s, h = e^th·s`, score = obj × best cls. Boxes come back in
 * normalised frame coordinates; rows under their class threshold are dropped.
 */
export function decodeYolox(data: Float32Array, dims: readonly number[], opts: YoloxDecodeOptions): ScoredBox[] {
  const [, n = 0, cols = 0] = expectDims('yolox', dims, 3, '[1, N, 5+classes]');
  const nc = cols - 5;
  if (nc < 1 || nc !== opts.thresholds.length) {
    throw new Error(`yolox output has ${cols} columns, expected 5 + ${opts.thresholds.length} classes`);
  }
  const expectedRows = opts.strides.reduce((sum, s) => sum + (opts.inputWidth / s) * (opts.inputHeight / s), 0);
  if (n !== expectedRows) {
    throw new Error(`yolox output has ${n} rows, strides [${opts.strides.join(',')}] on ${opts.inputWidth}x${opts.inputHeight} give ${expectedRows}`);
  }
  if (data.length < n * cols) throw new Error(`yolox output has ${data.length} values, dims need ${n * cols}`);
  const floor = minThreshold(opts.thresholds);
  const out: ScoredBox[] = [];
  let row = 0;
  for (const s of opts.strides) {
    const gw = opts.inputWidth / s;
    const gh = opts.inputHeight / s;
    for (let gy = 0; gy < gh; gy++) {
      for (let gx = 0; gx < gw; gx++, row++) {
        const o = row * cols;
        const obj = data[o + 4] ?? 0;
        // score = obj × cls ≤ obj, so most rows end here.
        if (obj < floor) continue;
        let best = 0;
        let bestCls = 0;
        for (let c = 0; c < nc; c++) {
          const p = data[o + 5 + c] ?? 0;
          if (p > best) {
            best = p;
            bestCls = c;
          }
        }
        const score = obj * best;
        if (score < (opts.thresholds[bestCls] ?? Infinity)) continue;
        const cx = ((data[o] ?? 0) + gx) * s;
        const cy = ((data[o + 1] ?? 0) + gy) * s;
        const w = Math.exp(data[o + 2] ?? 0) * s;
        const h = Math.exp(data[o + 3] ?? 0) * s;
        const box = toFrameBox(bestCls, score, cx, cy, w, h, opts.geometry);
        if (box) out.push(box);
      }
    }
  }
  return out;
}
