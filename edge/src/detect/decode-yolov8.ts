import { expectDims, minThreshold, toFrameBox, type DecodeOptions, type ScoredBox } from './decode-common.js';

/**
 * Decodes an Ultralytics YOLOv8/YOLO11 output `[1, 4+nc, N]` (channel-major: row c holds value c of
 * every anchor): rows 0-3 `cx, cy, w, h` in model-input px, then one sigmoid score per class and no
 * objectness; score = best class score. Boxes come back in normalised frame coordinates; anchors under
 * their class threshold are dropped.
 */
export function decodeYolov8(data: Float32Array, dims: readonly number[], opts: DecodeOptions): ScoredBox[] {
  const [, rows = 0, n = 0] = expectDims('yolov8', dims, 3, '[1, 4+classes, N]');
  const nc = rows - 4;
  if (nc < 1 || nc !== opts.thresholds.length) {
    throw new Error(`yolov8 output has ${rows} rows, expected 4 + ${opts.thresholds.length} classes`);
  }
  if (data.length < n * rows) throw new Error(`yolov8 output has ${data.length} values, dims need ${n * rows}`);
  const floor = minThreshold(opts.thresholds);
  const out: ScoredBox[] = [];
  for (let i = 0; i < n; i++) {
    let best = 0;
    let bestCls = 0;
    // Strided reads down the class rows; N is a few thousand, so this stays in cache well enough.
    for (let c = 0, o = 4 * n + i; c < nc; c++, o += n) {
      const p = data[o] ?? 0;
      if (p > best) {
        best = p;
        bestCls = c;
      }
    }
    if (best < floor || best < (opts.thresholds[bestCls] ?? Infinity)) continue;
    const box = toFrameBox(bestCls, best, data[i] ?? 0, data[n + i] ?? 0, data[2 * n + i] ?? 0, data[3 * n + i] ?? 0, opts.geometry);
    if (box) out.push(box);
  }
  return out;
}
