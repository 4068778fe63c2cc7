import { describe, expect, it } from 'vitest';
import {
  classThresholds,
  createPreprocessor,
  decodeYolov5,
  decodeYolov8,
  decodeYolox,
  iou,
  letterboxGeometry,
  nms,
  toDetections,
  type LetterboxGeometry,
  type PreprocessSpec,
  type ScoredBox,
} from '../../edge/src/detect/index.js';
import type { Frame } from '../../edge/src/types.js';

// A 200x100 frame into a 64x64 input: scale 0.32, resized 64x32, so a centred letterbox pads 16 rows on top.
const FRAME_W = 200;
const FRAME_H = 100;
const INPUT = 64;
const STRIDES = [8, 16, 32];
const ROWS = STRIDES.reduce((n, s) => n + (INPUT / s) ** 2, 0); // 64 + 16 + 4
// The object, in frame px: x 50..150, y 20..80 → normalised {x 0.25, y 0.2, w 0.5, h 0.6}.
const OBJECT = { x: 0.25, y: 0.2, w: 0.5, h: 0.6 };

function spec(letterbox: PreprocessSpec['letterbox'], over: Partial<PreprocessSpec> = {}): PreprocessSpec {
  return { name: 'images', width: INPUT, height: INPUT, channelOrder: 'rgb', normalise: { scale: 1 }, letterbox, padValue: 114, ...over };
}

/** The object's centre and size in model-input px under a geometry. */
function objectInInput(g: LetterboxGeometry): { cx: number; cy: number; w: number; h: number } {
  const x1 = OBJECT.x * FRAME_W * g.scaleX + g.padX;
  const y1 = OBJECT.y * FRAME_H * g.scaleY + g.padY;
  const w = OBJECT.w * FRAME_W * g.scaleX;
  const h = OBJECT.h * FRAME_H * g.scaleY;
  return { cx: x1 + w / 2, cy: y1 + h / 2, w, h };
}

function expectObjectBox(box: ScoredBox | undefined): void {
  expect(box).toBeDefined();
  if (!box) return;
  expect(box.x1).toBeCloseTo(OBJECT.x, 5);
  expect(box.y1).toBeCloseTo(OBJECT.y, 5);
  expect(box.x2 - box.x1).toBeCloseTo(OBJECT.w, 5);
  expect(box.y2 - box.y1).toBeCloseTo(OBJECT.h, 5);
}

/** A YOLOX raw head with one object written into the stride-8 cell containing its centre. */
function yoloxTensor(g: LetterboxGeometry, nc: number, cls: number, obj: number, p: number): Float32Array {
  const cols = 5 + nc;
  const t = new Float32Array(ROWS * cols);
  const o = objectInInput(g);
  const s = 8;
  const gx = Math.floor(o.cx / s);
  const gy = Math.floor(o.cy / s);
  const row = gy * (INPUT / s) + gx;
  t.set([o.cx / s - gx, o.cy / s - gy, Math.log(o.w / s), Math.log(o.h / s), obj], row * cols);
  t[row * cols + 5 + cls] = p;
  return t;
}

type RowBox = { cx: number; cy: number; w: number; h: number; cls: number; score: number; obj?: number };

function yolov5Tensor(nc: number, boxes: RowBox[], n = 10): Float32Array {
  const cols = 5 + nc;
  const t = new Float32Array(n * cols);
  boxes.forEach((b, i) => {
    t.set([b.cx, b.cy, b.w, b.h, b.obj ?? 1], i * cols);
    t[i * cols + 5 + b.cls] = b.score;
  });
  return t;
}

function yolov8Tensor(nc: number, boxes: RowBox[], n = 10): Float32Array {
  const t = new Float32Array((4 + nc) * n);
  boxes.forEach((b, i) => {
    t[i] = b.cx;
    t[n + i] = b.cy;
    t[2 * n + i] = b.w;
    t[3 * n + i] = b.h;
    t[(4 + b.cls) * n + i] = b.score;
  });
  return t;
}

describe('letterbox geometry', () => {
  it('keeps the top-left letterbox at the origin and truncates the resized size like YOLOX', () => {
    const g = letterboxGeometry(FRAME_W, FRAME_H, spec('top-left'));
    expect(g).toMatchObject({ resizedWidth: 64, resizedHeight: 32, padX: 0, padY: 0 });
    expect(g.scaleX).toBeCloseTo(0.32);
    expect(letterboxGeometry(810, 1080, spec('top-left', { width: 416, height: 416 }))).toMatchObject({ resizedWidth: 312, resizedHeight: 416 });
  });

  it('centres with Ultralytics rounding', () => {
    expect(letterboxGeometry(FRAME_W, FRAME_H, spec('centre'))).toMatchObject({ resizedWidth: 64, resizedHeight: 32, padX: 0, padY: 16 });
    // 640x481 → 64x48 (48.1 rounds down), 16 rows of padding split 8/8.
    expect(letterboxGeometry(640, 481, spec('centre'))).toMatchObject({ resizedWidth: 64, resizedHeight: 48, padX: 0, padY: 8 });
  });

  it('stretches without padding', () => {
    const g = letterboxGeometry(FRAME_W, FRAME_H, spec('stretch'));
    expect(g).toMatchObject({ resizedWidth: 64, resizedHeight: 64, padX: 0, padY: 0 });
    expect(g.scaleY).toBeCloseTo(0.64);
  });
});

describe('decodeYolox', () => {
  for (const mode of ['top-left', 'centre'] as const) {
    it(`maps a grid-encoded box back to the frame (${mode} letterbox)`, () => {
      const g = letterboxGeometry(FRAME_W, FRAME_H, spec(mode));
      const data = yoloxTensor(g, 3, 2, 0.9, 0.8);
      const boxes = decodeYolox(data, [1, ROWS, 8], { thresholds: classThresholds(['a', 'b', 'c'], 0.3), geometry: g, strides: STRIDES, inputWidth: INPUT, inputHeight: INPUT });
      expect(boxes).toHaveLength(1);
      expect(boxes[0]?.classId).toBe(2);
      expect(boxes[0]?.score).toBeCloseTo(0.72, 6);
      expectObjectBox(boxes[0]);
    });
  }

  it('uses later strides for later rows', () => {
    const g = letterboxGeometry(INPUT, INPUT, spec('top-left'));
    const cols = 6;
    const data = new Float32Array(ROWS * cols);
    // Last row: stride 32, cell (1,1) → centre (48+16, ...) with tx=ty=0.5 → (48, 48), size e^0·32.
    data.set([0.5, 0.5, 0, 0, 1, 0.9], (ROWS - 1) * cols);
    const [box] = decodeYolox(data, [1, ROWS, cols], { thresholds: [0.5], geometry: g, strides: STRIDES, inputWidth: INPUT, inputHeight: INPUT });
    expect(box?.x1).toBeCloseTo((48 - 16) / 64, 6);
    expect(box?.x2).toBeCloseTo((48 + 16) / 64, 6);
  });

  it('rejects a tensor whose rows do not fit the strides', () => {
    const g = letterboxGeometry(FRAME_W, FRAME_H, spec('top-left'));
    expect(() =>
      decodeYolox(new Float32Array(80 * 6), [1, 80, 6], { thresholds: [0.5], geometry: g, strides: STRIDES, inputWidth: INPUT, inputHeight: INPUT }),
    ).toThrow(/84/);
  });
});

describe('decodeYolov5', () => {
  for (const mode of ['top-left', 'centre'] as const) {
    it(`maps a decoded box back to the frame with score obj×cls (${mode} letterbox)`, () => {
      const g = letterboxGeometry(FRAME_W, FRAME_H, spec(mode));
      const data = yolov5Tensor(2, [{ ...objectInInput(g), cls: 1, score: 0.5, obj: 0.8 }]);
      const boxes = decodeYolov5(data, [1, 10, 7], { thresholds: [0.3, 0.3], geometry: g });
      expect(boxes).toHaveLength(1);
      expect(boxes[0]?.classId).toBe(1);
      expect(boxes[0]?.score).toBeCloseTo(0.4, 6);
      expectObjectBox(boxes[0]);
    });
  }

  it('maps through a stretch resize', () => {
    const g = letterboxGeometry(FRAME_W, FRAME_H, spec('stretch'));
    const [box] = decodeYolov5(yolov5Tensor(1, [{ ...objectInInput(g), cls: 0, score: 0.9 }]), [1, 10, 6], { thresholds: [0.5], geometry: g });
    expectObjectBox(box);
  });

  it('clamps boxes to the frame and drops boxes that lie in the padding', () => {
    const g = letterboxGeometry(FRAME_W, FRAME_H, spec('centre'));
    const data = yolov5Tensor(1, [
      { cx: 60, cy: 32, w: 20, h: 10, cls: 0, score: 0.9 }, // runs off the right edge
      { cx: 32, cy: 5, w: 10, h: 6, cls: 0, score: 0.9 }, // entirely in the top padding (rows 0-15)
    ]);
    const boxes = decodeYolov5(data, [1, 10, 6], { thresholds: [0.5], geometry: g });
    expect(boxes).toHaveLength(1);
    expect(boxes[0]?.x2).toBe(1);
    expect(boxes[0]?.x1).toBeCloseTo(50 / 64, 6);
  });
});

describe('decodeYolov8', () => {
  for (const mode of ['top-left', 'centre'] as const) {
    it(`maps a channel-major box back to the frame (${mode} letterbox)`, () => {
      const g = letterboxGeometry(FRAME_W, FRAME_H, spec(mode));
      const data = yolov8Tensor(3, [{ ...objectInInput(g), cls: 0, score: 0.77 }]);
      const boxes = decodeYolov8(data, [1, 7, 10], { thresholds: [0.25, 0.25, 0.25], geometry: g });
      expect(boxes).toHaveLength(1);
      expect(boxes[0]?.classId).toBe(0);
      expect(boxes[0]?.score).toBeCloseTo(0.77, 6);
      expectObjectBox(boxes[0]);
    });
  }

  it('rejects a tensor with the wrong class count', () => {
    const g = letterboxGeometry(FRAME_W, FRAME_H, spec('centre'));
    expect(() => decodeYolov8(new Float32Array(60), [1, 6, 10], { thresholds: [0.3, 0.3, 0.3], geometry: g })).toThrow(/4 \+ 3 classes/);
  });
});

describe('per-class thresholds', () => {
  const labels = ['person', 'fall', 'cone'];
  const thresholds = classThresholds(labels, 0.3, { fall: 0.7 });

  it('builds one threshold per class from the default and the overrides', () => {
    expect([...thresholds].map((v) => Number(v.toFixed(2)))).toEqual([0.3, 0.7, 0.3]);
  });

  it('drops a class under its own threshold while others pass at the default', () => {
    const g = letterboxGeometry(INPUT, INPUT, spec('centre'));
    const rows = [
      { cx: 10, cy: 10, w: 8, h: 8, cls: 0, score: 0.4 },
      { cx: 30, cy: 30, w: 8, h: 8, cls: 1, score: 0.65 },
      { cx: 50, cy: 50, w: 8, h: 8, cls: 1, score: 0.75 },
      { cx: 50, cy: 10, w: 8, h: 8, cls: 2, score: 0.29 },
    ];
    for (const boxes of [
      decodeYolov8(yolov8Tensor(3, rows), [1, 7, 10], { thresholds, geometry: g }),
      decodeYolov5(yolov5Tensor(3, rows), [1, 10, 8], { thresholds, geometry: g }),
    ]) {
      expect(boxes.map((b) => [labels[b.classId], Number(b.score.toFixed(2))])).toEqual([
        ['person', 0.4],
        ['fall', 0.75],
      ]);
    }
  });
});

describe('nms', () => {
  const box = (classId: number, score: number, x1: number, y1: number, x2: number, y2: number): ScoredBox => ({ classId, score, x1, y1, x2, y2 });
  const a = box(0, 0.9, 0.1, 0.1, 0.5, 0.5);
  const aSame = box(0, 0.8, 0.12, 0.12, 0.52, 0.52); // IoU with a ≈ 0.82
  const aOther = box(1, 0.7, 0.11, 0.1, 0.5, 0.51);
  const far = box(0, 0.6, 0.6, 0.6, 0.9, 0.9);

  it('computes IoU', () => {
    expect(iou(a, a)).toBeCloseTo(1);
    expect(iou(a, far)).toBe(0);
    expect(iou(box(0, 1, 0, 0, 0.2, 0.1), box(0, 1, 0.1, 0, 0.3, 0.1))).toBeCloseTo(1 / 3);
  });

  it('suppresses an overlapping box of the same class and keeps distant ones', () => {
    expect(nms([aSame, far, a], { iou: 0.45, classAgnostic: false })).toEqual([a, far]);
  });

  it('keeps overlapping boxes of different classes when class-aware', () => {
    expect(nms([a, aOther, aSame], { iou: 0.45, classAgnostic: false })).toEqual([a, aOther]);
  });

  it('suppresses overlapping boxes of different classes when class-agnostic', () => {
    expect(nms([aOther, a, far], { iou: 0.45, classAgnostic: true })).toEqual([a, far]);
  });

  it('keeps boxes whose overlap is under the IoU threshold', () => {
    expect(nms([a, aSame], { iou: 0.9, classAgnostic: false })).toHaveLength(2);
  });

  it('caps the result at maxDetections, highest scores first', () => {
    expect(nms([far, a], { iou: 0.45, classAgnostic: false, maxDetections: 1 })).toEqual([a]);
  });

  it('turns boxes into protocol detections', () => {
    expect(toDetections([a], ['person'])).toEqual([{ label: 'person', score: 0.9, box: { x: 0.1, y: 0.1, w: 0.4, h: 0.4 } }]);
  });
});

describe('preprocess', () => {
  /** 4x2 frame: pixel i has RGB (10i, 10i+1, 10i+2). */
  function frame(): Frame {
    const data = Buffer.alloc(4 * 2 * 3);
    for (let i = 0; i < 8; i++) data.set([10 * i, 10 * i + 1, 10 * i + 2], i * 3);
    return { cameraId: 'cam', seq: 0, capturedAt: 0, width: 4, height: 2, data };
  }
  const small = (over: Partial<PreprocessSpec>): PreprocessSpec => ({ ...spec('top-left'), width: 4, height: 4, ...over });

  it('writes NCHW planes in BGR order, raw values, padding below for top-left', async () => {
    const pre = createPreprocessor(small({ channelOrder: 'bgr' }));
    const { data, dims, geometry } = await pre.run(frame());
    expect(dims).toEqual([1, 3, 4, 4]);
    expect(geometry).toMatchObject({ padX: 0, padY: 0, resizedWidth: 4, resizedHeight: 2 });
    expect([...data.subarray(0, 4)]).toEqual([2, 12, 22, 32]); // B plane, first row
    expect([...data.subarray(16, 20)]).toEqual([1, 11, 21, 31]); // G plane
    expect([...data.subarray(32, 36)]).toEqual([0, 10, 20, 30]); // R plane
    expect([...data.subarray(8, 16)]).toEqual(Array(8).fill(114)); // padding rows
  });

  it('normalises with scale, mean and std, centring the image', async () => {
    const pre = createPreprocessor(small({ letterbox: 'centre', normalise: { scale: 0.5, mean: [1, 2, 3], std: [2, 4, 8] } }));
    const { data, geometry } = await pre.run(frame());
    expect(geometry.padY).toBe(1);
    expect(data[0]).toBeCloseTo((114 * 0.5 - 1) / 2); // padding row, R
    expect(data[4]).toBeCloseTo((0 * 0.5 - 1) / 2); // first image row, R of pixel 0
    expect(data[16 + 5]).toBeCloseTo((11 * 0.5 - 2) / 4); // G of pixel 1
    expect(data[32 + 8]).toBeCloseTo((42 * 0.5 - 3) / 8); // B of pixel 4 (second image row)
  });

  it('resizes with sharp and reuses one buffer across calls', async () => {
    const pre = createPreprocessor(small({ letterbox: 'centre' }));
    const uniform: Frame = { cameraId: 'cam', seq: 1, capturedAt: 0, width: 8, height: 4, data: Buffer.alloc(8 * 4 * 3, 200) };
    const first = await pre.run(uniform);
    const second = await pre.run(frame());
    expect(second.data).toBe(first.data);
    const third = await pre.run(uniform);
    expect([...third.data.subarray(4, 12)]).toEqual(Array(8).fill(200));
    expect(third.data[0]).toBe(114);
  });

  it('writes every value of a buffer it is given, padding included, whatever the buffer held before', async () => {
    const centre = small({ letterbox: 'centre' });
    const wide = frame();
    // 2x4: a tall frame, padded left and right instead of above and below.
    const tall: Frame = { ...wide, width: 2, height: 4 };
    const dirty = new Float32Array(3 * 4 * 4).fill(Number.NaN);
    for (const f of [wide, tall, wide]) {
      const expected = await createPreprocessor(centre).run(f);
      const got = await createPreprocessor(centre).run(f, dirty);
      expect(got.data).toBe(dirty);
      expect([...got.data]).toEqual([...expected.data]);
    }
    expect(dirty.some((v) => Number.isNaN(v))).toBe(false);
    expect(dirty[0]).toBe(114); // top-left is padding beside the tall frame
    await expect(createPreprocessor(centre).run(wide, new Float32Array(5))).rejects.toThrow(/holds 5 values/);
  });

  it('rejects a frame whose buffer is too short', async () => {
    const pre = createPreprocessor(small({}));
    await expect(pre.run({ ...frame(), width: 10 })).rejects.toThrow(/RGB24/);
  });
});
