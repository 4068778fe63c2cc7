/** A point in normalised picture coordinates (0..1, top-left origin). */
export type MaskPoint = readonly [x: number, y: number];

/** A closed polygon in normalised coordinates, at least 3 points; the last point joins the first. */
export type MaskPolygon = readonly MaskPoint[];

/**
 * Rasterises "ignore" polygons onto a work grid: the result holds 1 where motion counts and 0 where
 * a polygon covers the centre of the cell. Built once per grid size, so the per-frame test is one
 * byte read.
 */
export function maskBitmap(polygons: readonly MaskPolygon[], width: number, height: number): Uint8Array {
  const bitmap = new Uint8Array(width * height).fill(1);
  for (const poly of polygons) {
    if (poly.length < 3) throw new RangeError(`a mask polygon needs at least 3 points, got ${poly.length}`);
    for (const [x, y] of poly) {
      if (!(x >= 0 && x <= 1 && y >= 0 && y <= 1)) throw new RangeError(`mask points are normalised (0..1), got (${x}, ${y})`);
    }
    for (let gy = 0; gy < height; gy++) {
      const cy = (gy + 0.5) / height;
      for (let gx = 0; gx < width; gx++) {
        if (pointInPolygon((gx + 0.5) / width, cy, poly)) bitmap[gy * width + gx] = 0;
      }
    }
  }
  return bitmap;
}

/** Even–odd ray casting: is (x, y) inside the polygon? */
export function pointInPolygon(x: number, y: number, poly: MaskPolygon): boolean {
  let inside = false;
  for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
    const [xi, yi] = poly[i] as MaskPoint;
    const [xj, yj] = poly[j] as MaskPoint;
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}
