import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import {
  BackgroundMotionDetector,
  createFakeMotionDetector,
  downscaleToGrey,
  greyGeometry,
  maskBitmap,
  padAndMerge,
  pointInPolygon,
} from '../../edge/src/motion/index.js';
import type { Frame, Motion } from '../../edge/src/types.js';

const W = 320;
const H = 240;

/** A small deterministic PRNG (mulberry32). */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Square {
  x: number;
  y: number;
  size: number;
  grey: number;
}

/**
 * A textured scene (a gradient with a fixed pattern, like a real background) plus per-frame sensor
 * noise of ±`noise` levels, an optional square, and a global brightness offset.
 */
function scene(seq: number, opts: { squares?: readonly Square[]; noise?: number; brightness?: number; width?: number; height?: number } = {}): Frame {
  const width = opts.width ?? W;
  const height = opts.height ?? H;
  const rand = rng(1000 + seq);
  const data = Buffer.alloc(width * height * 3);
  const noise = opts.noise ?? 4;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let v = 60 + (x * 80) / width + (y * 40) / height + (((x >> 3) + (y >> 3)) % 2) * 20;
      for (const s of opts.squares ?? []) if (x >= s.x && x < s.x + s.size && y >= s.y && y < s.y + s.size) v = s.grey;
      v += (opts.brightness ?? 0) + (rand() * 2 - 1) * noise;
      const o = (y * width + x) * 3;
      data[o] = Math.max(0, Math.min(255, v));
      data[o + 1] = Math.max(0, Math.min(255, v));
      data[o + 2] = Math.max(0, Math.min(255, v * 0.9));
    }
  }
  return { cameraId: 'cam', seq, capturedAt: 1_000 + seq * 200, width, height, data };
}

const contains = (m: Motion, px: number, py: number): boolean =>
  m.regions.some((r) => px / W >= r.box.x && px / W <= r.box.x + r.box.w && py / H >= r.box.y && py / H <= r.box.y + r.box.h);

describe('BackgroundMotionDetector', () => {
  it('reports nothing on the first frame and nothing on a static, noisy scene', () => {
    const md = new BackgroundMotionDetector();
    for (let seq = 0; seq < 30; seq++) {
      const m = md.process(scene(seq, { noise: 8 }));
      expect(m).toMatchObject({ cameraId: 'cam', frameSeq: seq, regions: [] });
      expect(m.changed).toBeLessThan(0.001);
    }
  });

  it('finds a moving square where it is, with one region', () => {
    const md = new BackgroundMotionDetector();
    for (let seq = 0; seq < 5; seq++) md.process(scene(seq));
    for (let k = 0; k < 12; k++) {
      const sq = { x: 40 + 15 * k, y: 100, size: 40, grey: 220 };
      const m = md.process(scene(5 + k, { squares: [sq] }));
      expect(m.regions, `frame ${k}`).toHaveLength(1);
      const r = m.regions[0];
      // The region holds the square's centre and corners, and is not much bigger than the square
      // (padding plus what is left of where it was on the previous frame).
      expect(contains(m, sq.x + 20, sq.y + 20)).toBe(true);
      expect(contains(m, sq.x + 2, sq.y + 2) && contains(m, sq.x + 37, sq.y + 37)).toBe(true);
      expect((r?.box.w ?? 1) * W).toBeLessThan(40 * 2.2);
      expect((r?.box.h ?? 1) * H).toBeLessThan(40 * 1.8);
      expect(r?.fill).toBeGreaterThan(0.3);
      expect(m.changed).toBeGreaterThan(0.01);
      expect(m.changed).toBeLessThan(0.06);
    }
  });

  it('finds two squares far apart as two regions', () => {
    const md = new BackgroundMotionDetector();
    md.process(scene(0));
    const m = md.process(scene(1, { squares: [{ x: 20, y: 20, size: 30, grey: 230 }, { x: 250, y: 180, size: 30, grey: 10 }] }));
    expect(m.regions).toHaveLength(2);
    expect(contains(m, 35, 35) && contains(m, 265, 195)).toBe(true);
  });

  it('ignores motion inside the mask and measures `changed` over the unmasked part only', () => {
    // Mask the left half.
    const mask = [[[0, 0], [0.5, 0], [0.5, 1], [0, 1]] as const];
    const md = new BackgroundMotionDetector({ mask });
    md.process(scene(0));
    const inside = md.process(scene(1, { squares: [{ x: 40, y: 80, size: 50, grey: 230 }] }));
    expect(inside.regions).toEqual([]);
    expect(inside.changed).toBe(0);
    const outside = md.process(scene(2, { squares: [{ x: 220, y: 80, size: 50, grey: 230 }] }));
    expect(outside.regions).toHaveLength(1);
    expect(contains(outside, 245, 105)).toBe(true);
    // 50×50 of the 160×240 unmasked half, about 6.5 %, not 3.3 % of the whole picture.
    expect(outside.changed).toBeGreaterThan(0.05);
  });

  it('ignores changes smaller than minArea', () => {
    const md = new BackgroundMotionDetector({ minArea: 0.002 });
    md.process(scene(0));
    // 8×8 px = 0.08 % of the picture: a flicker, not an object.
    expect(md.process(scene(1, { squares: [{ x: 100, y: 100, size: 8, grey: 250 }] })).regions).toEqual([]);
    expect(md.process(scene(2, { squares: [{ x: 100, y: 100, size: 24, grey: 250 }] })).regions).toHaveLength(1);
  });

  it('treats a global brightness jump as lighting: no regions, `changed` high, background reset', () => {
    const md = new BackgroundMotionDetector();
    for (let seq = 0; seq < 5; seq++) md.process(scene(seq));
    const jump = md.process(scene(5, { brightness: 70 }));
    expect(jump.regions).toEqual([]);
    expect(jump.changed).toBeGreaterThan(0.8);
    // Relearnt at once: the brighter scene is the new normal, and motion in it is found again.
    for (let seq = 6; seq < 10; seq++) expect(md.process(scene(seq, { brightness: 70 })).regions).toEqual([]);
    const m = md.process(scene(10, { brightness: 70, squares: [{ x: 150, y: 100, size: 40, grey: 20 }] }));
    expect(m.regions).toHaveLength(1);
  });

  it('absorbs a new static object into the background over time', () => {
    const md = new BackgroundMotionDetector();
    md.process(scene(0));
    const parked = { x: 100, y: 100, size: 40, grey: 230 };
    const first = md.process(scene(1, { squares: [parked] }));
    expect(first.regions).toHaveLength(1);
    let last: Motion = first;
    for (let seq = 2; seq < 80; seq++) last = md.process(scene(seq, { squares: [parked] }));
    expect(last.regions).toEqual([]);
  });

  it('primes again after reset() and after a change of frame size', () => {
    const md = new BackgroundMotionDetector();
    md.process(scene(0));
    md.reset();
    expect(md.process(scene(1, { squares: [{ x: 100, y: 100, size: 40, grey: 230 }] })).regions).toEqual([]);
    expect(md.process(scene(2, { width: 160, height: 120, squares: [{ x: 10, y: 10, size: 30, grey: 230 }] })).regions).toEqual([]);
    expect(md.process(scene(3, { width: 160, height: 120 })).regions).toHaveLength(1);
  });

  it('refuses bad options and short frames', () => {
    expect(() => new BackgroundMotionDetector({ learningRate: 0 })).toThrow(/learningRate/);
    expect(() => new BackgroundMotionDetector({ mask: [[[0, 0], [1, 0]]] })).toThrow(/3 points/);
    expect(() => new BackgroundMotionDetector({ mask: [[[0, 0], [2, 0], [1, 1]]] })).toThrow(/normalised/);
    const md = new BackgroundMotionDetector();
    expect(() => md.process({ ...scene(0), data: Buffer.alloc(10) })).toThrow(/bytes/);
  });

  it('costs little per frame (printed, not asserted)', () => {
    const md = new BackgroundMotionDetector();
    const big = scene(0, { width: 1920, height: 1080, noise: 0 });
    const small = scene(0, { noise: 0 });
    for (const f of [big, small]) {
      md.process(f);
      const t0 = performance.now();
      for (let k = 0; k < 20; k++) md.process({ ...f, seq: k + 1 });
      console.log(`motion ${f.width}x${f.height}: ${((performance.now() - t0) / 20).toFixed(2)} ms/frame`);
    }
  });
});

describe('motion helpers', () => {
  it('picks an integer block size near the target height and a bounded sampling step', () => {
    expect(greyGeometry(1920, 1080, 90)).toEqual({ factor: 12, step: 3, width: 160, height: 90 });
    expect(greyGeometry(480, 360, 90)).toEqual({ factor: 4, step: 1, width: 120, height: 90 });
    expect(greyGeometry(64, 48, 90)).toEqual({ factor: 1, step: 1, width: 64, height: 48 });
  });

  it('averages blocks to BT.601 grey', () => {
    const g = greyGeometry(4, 2, 1); // one 2×2 block per output cell
    const rgb = Uint8Array.from([255, 0, 0, 255, 0, 0, 255, 255, 255, 255, 255, 255, 0, 0, 255, 0, 0, 255, 0, 0, 0, 0, 0, 0]);
    const out = new Float32Array(g.width * g.height);
    downscaleToGrey(rgb, 4, g, out);
    expect(g).toMatchObject({ factor: 2, width: 2, height: 1 });
    // Rows: red red white white / blue blue black black. Left block: two red, two blue; right: two white, two black.
    expect(out[0]).toBeCloseTo(((2 * 77 + 2 * 29) * 255) / 1024, 4);
    expect(out[1]).toBeCloseTo((2 * 256 * 255) / 1024, 4);
  });

  it('rasterises ignore polygons at cell centres', () => {
    const tri = [[0, 0], [1, 0], [0, 1]] as const;
    expect(pointInPolygon(0.2, 0.2, tri)).toBe(true);
    expect(pointInPolygon(0.8, 0.8, tri)).toBe(false);
    const bitmap = maskBitmap([tri], 4, 4);
    // Cells whose centre is above the diagonal are masked (0).
    expect([...bitmap]).toEqual([0, 0, 0, 1, 0, 0, 1, 1, 0, 1, 1, 1, 1, 1, 1, 1]);
  });

  it('merges boxes that touch after padding, keeps apart those that do not', () => {
    const merged = padAndMerge(
      [
        { x0: 10, y0: 10, x1: 14, y1: 20 },
        { x0: 17, y0: 12, x1: 20, y1: 18 },
        { x0: 60, y0: 60, x1: 62, y1: 62 },
      ],
      100,
      100,
      0.1,
    );
    expect(merged).toEqual([
      { x0: 9, y0: 9, x1: 21, y1: 21 },
      { x0: 59, y0: 59, x1: 63, y1: 63 },
    ]);
  });

  it('has a scripted fake', () => {
    const fake = createFakeMotionDetector(new Map([[1, [{ box: { x: 0, y: 0, w: 0.5, h: 0.5 }, fill: 0.5 }]]]));
    expect(fake.process(scene(0)).regions).toEqual([]);
    expect(fake.process(scene(1))).toMatchObject({ changed: 0.125, regions: [{ fill: 0.5 }] });
    expect(fake.frames).toHaveLength(2);
  });
});
