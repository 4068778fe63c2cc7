/**
 * From a per-cell "changed" map to a few boxes: dilate so the cells of one moving body join up, label
 * 8-connected components, drop the small ones, pad and merge what overlaps. Everything works on the
 * motion detector's small grid with caller-owned scratch arrays.
 */

/** A box of grid cells, corners inclusive. */
export interface CellBox {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/**
 * 3×3 dilation (a cell is set when any neighbour is), as a horizontal then a vertical max pass.
 * `iterations` repeats it; 0 copies.
 */
export function dilate(src: Uint8Array, width: number, height: number, iterations: number, tmp: Uint8Array, dst: Uint8Array): void {
  const n = width * height;
  dst.set(src.subarray(0, n));
  for (let it = 0; it < iterations; it++) {
    for (let y = 0; y < height; y++) {
      const row = y * width;
      for (let x = 0; x < width; x++) {
        const i = row + x;
        tmp[i] = (dst[i] as number) | (x > 0 ? (dst[i - 1] as number) : 0) | (x < width - 1 ? (dst[i + 1] as number) : 0);
      }
    }
    for (let y = 0; y < height; y++) {
      const row = y * width;
      for (let x = 0; x < width; x++) {
        const i = row + x;
        dst[i] = (tmp[i] as number) | (y > 0 ? (tmp[i - width] as number) : 0) | (y < height - 1 ? (tmp[i + width] as number) : 0);
      }
    }
  }
}

/**
 * Bounding boxes of the 8-connected components of `joined` that contain at least `minChanged` cells
 * of `changed` (the undilated map: dilation must not make noise look big). `labels` and `stack` need
 * width × height entries; `labels` is overwritten.
 */
export function componentBoxes(
  joined: Uint8Array,
  changed: Uint8Array,
  width: number,
  height: number,
  minChanged: number,
  labels: Int32Array,
  stack: Int32Array,
): CellBox[] {
  const n = width * height;
  labels.fill(0, 0, n);
  const boxes: CellBox[] = [];
  let label = 0;
  for (let start = 0; start < n; start++) {
    if (joined[start] === 0 || labels[start] !== 0) continue;
    label++;
    let top = 0;
    stack[top++] = start;
    labels[start] = label;
    let x0 = width;
    let y0 = height;
    let x1 = -1;
    let y1 = -1;
    let count = 0;
    while (top > 0) {
      const i = stack[--top] as number;
      const x = i % width;
      const y = (i - x) / width;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
      count += changed[i] as number;
      for (let dy = -1; dy <= 1; dy++) {
        const ny = y + dy;
        if (ny < 0 || ny >= height) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const nx = x + dx;
          if (nx < 0 || nx >= width) continue;
          const j = ny * width + nx;
          // Each cell is pushed once (labelled when pushed), so the stack never exceeds width × height.
          if (joined[j] !== 0 && labels[j] === 0) {
            labels[j] = label;
            stack[top++] = j;
          }
        }
      }
    }
    if (count >= minChanged) boxes.push({ x0, y0, x1, y1 });
  }
  return boxes;
}

/**
 * Grows each box by `padding` × its longer side (at least one cell) within the grid, then merges
 * boxes that overlap or touch until none do: one person should give one region, not an arm and a leg.
 */
export function padAndMerge(boxes: readonly CellBox[], width: number, height: number, padding: number): CellBox[] {
  const out = boxes.map((b) => {
    const pad = Math.max(1, Math.round(padding * Math.max(b.x1 - b.x0 + 1, b.y1 - b.y0 + 1)));
    return { x0: Math.max(0, b.x0 - pad), y0: Math.max(0, b.y0 - pad), x1: Math.min(width - 1, b.x1 + pad), y1: Math.min(height - 1, b.y1 + pad) };
  });
  let merged = true;
  while (merged) {
    merged = false;
    for (let i = 0; i < out.length && !merged; i++) {
      for (let j = i + 1; j < out.length; j++) {
        const a = out[i] as CellBox;
        const b = out[j] as CellBox;
        if (a.x0 > b.x1 + 1 || b.x0 > a.x1 + 1 || a.y0 > b.y1 + 1 || b.y0 > a.y1 + 1) continue;
        a.x0 = Math.min(a.x0, b.x0);
        a.y0 = Math.min(a.y0, b.y0);
        a.x1 = Math.max(a.x1, b.x1);
        a.y1 = Math.max(a.y1, b.y1);
        out.splice(j, 1);
        merged = true;
        break;
      }
    }
  }
  return out;
}
