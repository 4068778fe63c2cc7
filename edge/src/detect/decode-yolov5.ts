import { expectDims, minThreshold, toFrameBox, type DecodeOptions, type ScoredBox } from './decode-common.js';

/**
 * Decodes a YOLOv5-layout output `[1, N, 5+nc]`: rows `cx, cy, w, h` (model-input px, already
 * grid-decoded in the graph), `obj`, then per-class probabilities; score = obj × best cls. Boxes come
 * back in normalised frame coordinates; rows under their class threshold are dropped.
 */
export function decodeYolov5(data: Float32Array, dims: readonly number[], opts: DecodeOptions): ScoredBox[] {
  const [, n = 0, cols = 0] = expectDims('yolov5', dims, 3, '[1, N, 5+classes]');
  const nc = cols - 5;
  if (nc < 1 || nc !== opts.thresholds.length) {
    throw new Error(`yolov5 output has ${cols} columns, expected 5 + ${opts.thresholds.length} classes`);
  }
  if (data.length < n * cols) throw new Error(`yolov5 output has ${data.length} values, dims need ${n * cols}`);
  const floor = minThreshold(opts.thresholds);
  const out: ScoredBox[] = [];
  for (let i = 0, o = 0; i < n; i++, o += cols) {
    const obj = data[o + 4] ?? 0;
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
    const box = toFrameBox(bestCls, score, data[o] ?? 0, data[o + 1] ?? 0, data[o + 2] ?? 0, data[o + 3] ?? 0, opts.geometry);
    if (box) out.push(box);
  }
  return out;
}
