import { describe, expect, it } from 'vitest';
import { cropFrame, mapCropDetection, mapCropDetections, MotionGate, planDetection, type PixelRect } from '../../edge/src/motion/index.js';
import type { Frame, Motion, MotionRegion } from '../../edge/src/types.js';
import type { Detection } from '../../protocol/index.js';

const still: Motion = { cameraId: 'cam', frameSeq: 0, changed: 0, regions: [] };
const moving: Motion = { ...still, changed: 0.02, regions: [{ box: { x: 0.1, y: 0.1, w: 0.1, h: 0.2 }, fill: 0.5 }] };
const lighting: Motion = { ...still, changed: 0.93 };

function region(x: number, y: number, w: number, h: number): MotionRegion {
  return { box: { x, y, w, h }, fill: 0.5 };
}

describe('MotionGate', () => {
  it('detects the first frame, every frame with motion, and a still scene only every redetectIntervalMs', () => {
    const gate = new MotionGate({ redetectIntervalMs: 1000 });
    const answers: [number, boolean, string][] = [];
    const ask = (m: Motion, now: number): void => {
      answers.push([now, gate.shouldDetect(m, now), gate.lastReason]);
    };
    ask(still, 0);
    ask(still, 200);
    ask(moving, 400);
    ask(moving, 600);
    ask(still, 800);
    ask(still, 1400);
    ask(still, 1600);
    ask(still, 2400);
    expect(answers).toEqual([
      [0, true, 'first'],
      [200, false, 'idle'],
      [400, true, 'motion'],
      [600, true, 'motion'],
      [800, false, 'idle'],
      [1400, false, 'idle'], // 800 ms after the last detection at 600
      [1600, true, 'interval'],
      [2400, false, 'idle'],
    ]);
    expect(gate.stats).toEqual({ detected: 4, skipped: 4 });
  });

  it('backs off on a still scene, 2 → 4 → 8 → 10 s, and goes back to 2 s on motion', () => {
    const gate = new MotionGate({ redetectIntervalMs: 2000, redetectMaxIntervalMs: 10_000 });
    const detectedAt: number[] = [];
    const run = (from: number, to: number, m: (t: number) => Motion) => {
      for (let t = from; t < to; t += 200) if (gate.shouldDetect(m(t), t)) detectedAt.push(t);
    };
    run(0, 45_000, () => still);
    // first, then waits of 2, 4, 8 and then 10 s (the ceiling).
    expect(detectedAt).toEqual([0, 2000, 6000, 14_000, 24_000, 34_000, 44_000]);
    expect(gate.currentIntervalMs).toBe(10_000);
    detectedAt.length = 0;
    run(45_000, 45_400, () => moving);
    run(45_400, 60_000, () => still);
    // Two motion frames, then the still scene is looked at again 2 s after the last one, 4 s after that.
    expect(detectedAt).toEqual([45_000, 45_200, 47_200, 51_200, 59_200]);
    detectedAt.length = 0;
    gate.shouldDetect(lighting, 60_000);
    expect(gate.lastReason).toBe('global-change');
    expect(gate.currentIntervalMs).toBe(2000);
  });

  it('looks once at a lighting change (no regions, most of the picture changed)', () => {
    const gate = new MotionGate();
    gate.shouldDetect(still, 0);
    expect(gate.shouldDetect(lighting, 100)).toBe(true);
    expect(gate.lastReason).toBe('global-change');
    expect(gate.shouldDetect(still, 200)).toBe(false);
  });

  it('detects again after reset() and when the clock steps back', () => {
    const gate = new MotionGate({ redetectIntervalMs: 5000 });
    gate.shouldDetect(still, 10_000);
    expect(gate.shouldDetect(still, 10_100)).toBe(false);
    expect(gate.shouldDetect(still, 9_000)).toBe(true);
    gate.reset();
    expect(gate.shouldDetect(still, 9_100)).toBe(true);
    expect(gate.lastReason).toBe('first');
    expect(gate.currentIntervalMs).toBe(5000);
  });

  it('refuses bad options', () => {
    expect(() => new MotionGate({ redetectIntervalMs: -1 })).toThrow(/redetectIntervalMs/);
    expect(() => new MotionGate({ globalChangeFraction: 0 })).toThrow(/globalChangeFraction/);
    expect(() => new MotionGate({ redetectIntervalMs: 3000, redetectMaxIntervalMs: 1000 })).toThrow(/redetectMaxIntervalMs/);
  });
});

describe('planDetection', () => {
  const model = { modelWidth: 416, modelHeight: 416 };

  it('crops around one small region on a large frame, at the model aspect, holding the region', () => {
    // A person ~60×150 px at (1200, 500) on a 1920×1080 frame.
    const r = region(1200 / 1920, 500 / 1080, 60 / 1920, 150 / 1080);
    const plan = planDetection([r], 1920, 1080, model);
    expect(plan.mode).toBe('crops');
    if (plan.mode !== 'crops') return;
    expect(plan.crops).toHaveLength(1);
    const c = plan.crops[0] as PixelRect;
    expect(c.width).toBe(416);
    expect(c.height).toBe(416);
    expect(c.x <= 1200 && c.x + c.width >= 1260 && c.y <= 500 && c.y + c.height >= 650).toBe(true);
  });

  it('grows a crop beyond the model size for a large region and keeps the aspect', () => {
    const plan = planDetection([region(0.4, 0.3, 0.2, 0.3)], 1920, 1080, { modelWidth: 640, modelHeight: 384 });
    expect(plan.mode).toBe('crops');
    if (plan.mode !== 'crops') return;
    const c = plan.crops[0] as PixelRect;
    // Region 384×324 px, padded by 0.25 × 384 on every side → 576×516; aspect 5:3 → 860×516.
    expect(c.width / c.height).toBeCloseTo(640 / 384, 2);
    expect(c.height).toBeGreaterThanOrEqual(516);
    expect(c.width * c.height).toBeLessThan(0.4 * 1920 * 1080);
  });

  it('shifts a crop at the border inside the frame', () => {
    const plan = planDetection([region(0.97, 0.95, 0.03, 0.05)], 1920, 1080, model);
    expect(plan.mode).toBe('crops');
    if (plan.mode !== 'crops') return;
    expect(plan.crops[0]).toEqual({ x: 1920 - 416, y: 1080 - 416, width: 416, height: 416 });
  });

  it('merges regions whose crops overlap into one crop, keeps distant ones apart', () => {
    const near = planDetection([region(0.3, 0.4, 0.02, 0.08), region(0.36, 0.42, 0.02, 0.08)], 1920, 1080, model);
    expect(near.mode === 'crops' && near.crops.length).toBe(1);
    const far = planDetection([region(0.05, 0.1, 0.02, 0.08), region(0.85, 0.7, 0.02, 0.08)], 1920, 1080, model);
    expect(far.mode === 'crops' && far.crops.length).toBe(2);
    if (far.mode === 'crops') {
      const [a, b] = far.crops as [PixelRect, PixelRect];
      const overlap = a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
      expect(overlap).toBe(false);
    }
  });

  it('falls back to the full frame: no regions, too much covered, too many crops, small frames', () => {
    expect(planDetection([], 1920, 1080, model)).toEqual({ mode: 'full' });
    expect(planDetection([region(0.1, 0.1, 0.6, 0.6)], 1920, 1080, model)).toEqual({ mode: 'full' });
    const corners = [region(0.02, 0.02, 0.02, 0.05), region(0.9, 0.02, 0.02, 0.05), region(0.02, 0.9, 0.02, 0.05), region(0.9, 0.9, 0.02, 0.05)];
    expect(planDetection(corners, 1920, 1080, model)).toEqual({ mode: 'full' });
    expect(planDetection(corners, 1920, 1080, { ...model, maxCrops: 4 }).mode).toBe('crops');
    // 480×360 with a 416 model: the smallest crop is already most of the frame.
    expect(planDetection([region(0.5, 0.5, 0.05, 0.1)], 480, 360, model)).toEqual({ mode: 'full' });
  });
});

describe('crop mapping', () => {
  const crop: PixelRect = { x: 800, y: 300, width: 416, height: 416 };

  it('maps a crop-normalised box back to the frame, keeping the other fields', () => {
    const d: Detection = { label: 'person', score: 0.8, trackId: 7, box: { x: 0.25, y: 0.5, w: 0.5, h: 0.25 } };
    const m = mapCropDetection(d, crop, 1920, 1080);
    expect(m).toMatchObject({ label: 'person', score: 0.8, trackId: 7 });
    expect(m.box.x * 1920).toBeCloseTo(800 + 104, 9);
    expect(m.box.y * 1080).toBeCloseTo(300 + 208, 9);
    expect(m.box.w * 1920).toBeCloseTo(208, 9);
    expect(m.box.h * 1080).toBeCloseTo(104, 9);
    expect(mapCropDetections([d, d], crop, 1920, 1080)).toEqual([m, m]);
  });

  it('maps a full crop box to exactly the crop rectangle', () => {
    const m = mapCropDetection({ label: 'x', score: 1, box: { x: 0, y: 0, w: 1, h: 1 } }, crop, 1920, 1080);
    expect([m.box.x * 1920, m.box.y * 1080, m.box.w * 1920, m.box.h * 1080].map((v) => Math.round(v * 1e6) / 1e6)).toEqual([800, 300, 416, 416]);
  });

  it('copies a crop out of a packed RGB frame, into a reused buffer if given', () => {
    const width = 8;
    const height = 6;
    const data = Buffer.alloc(width * height * 3);
    for (let i = 0; i < width * height; i++) data.writeUInt8(i, i * 3); // red channel = pixel index
    const frame: Frame = { cameraId: 'cam', seq: 4, capturedAt: 99, width, height, data };
    const out = Buffer.alloc(64);
    const c = cropFrame(frame, { x: 2, y: 1, width: 3, height: 2 }, out);
    expect(c).toMatchObject({ cameraId: 'cam', seq: 4, capturedAt: 99, width: 3, height: 2 });
    expect(c.data.buffer).toBe(out.buffer);
    const reds = Array.from({ length: 6 }, (_, i) => c.data[i * 3]);
    expect(reds).toEqual([10, 11, 12, 18, 19, 20]);
    expect(() => cropFrame(frame, { x: 6, y: 0, width: 3, height: 1 })).toThrow(/inside/);
    expect(() => cropFrame(frame, { x: 0, y: 0, width: 8, height: 6 }, Buffer.alloc(3))).toThrow(/buffer/);
  });
});
