import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../common/env.js';
import { buildCaptureArgs, FfmpegProcess, FrameReader } from '../../edge/src/capture/index.js';
import { createOnnxDetector } from '../../edge/src/detect/index.js';
import { BackgroundMotionDetector, MotionGate, planDetection } from '../../edge/src/motion/index.js';
import { ByteTracker } from '../../edge/src/track/index.js';
import type { Frame, Motion } from '../../edge/src/types.js';
import { loadManifest } from '../../models/manifest.js';
import type { Box } from '../../protocol/index.js';
import { tempDir, testLogger, testMediaDir, testModelsDir } from '../support/harness.js';

/**
 * The motion detector on real footage, decoded by ffmpeg like a camera (5 fps, 480×360):
 * - the PETS 2009 walkway, where people walk all the time: motion is found on nearly every frame,
 *   and where the walking people are (checked against YOLOX-Nano person tracks that move);
 * - a still camera: one frame of the same clip frozen for 8 s, with temporal sensor noise added and
 *   encoded with x264 like a camera stream, so noise and compression flicker are real: after the
 *   first frame there is no motion; then a sudden 40 % brightness rise is taken as lighting.
 */

const CLIP = path.join(testMediaDir(), 'videos', 'public-pets2009-s2l1-vtest-480p.mp4');
const MODEL_ID = 'coco-yolox-nano';
const MODELS_DIR = testModelsDir();
const W = 480;
const H = 360;
const FPS = 5;
const ARTIFACTS = path.join(repoRoot, 'test-artifacts', 'motion');

/** Runs ffmpeg with the given arguments to completion through the capture stage's process wrapper. */
async function runFfmpeg(args: readonly string[], onStdout?: (chunk: Buffer) => void): Promise<void> {
  const proc = FfmpegProcess.spawn({ args, logger: testLogger('ffmpeg'), ...(onStdout === undefined ? {} : { onStdout }) });
  const exit = await proc.exited;
  if (exit.code !== 0) throw new Error(`ffmpeg failed: ${JSON.stringify(exit)}`);
}

/** Decodes the start of a clip into frames with the capture stage's own ffmpeg arguments. */
async function decodeClip(file: string, seconds: number): Promise<Frame[]> {
  const frames: Frame[] = [];
  const reader = new FrameReader(W * H * 3, (data) => {
    const seq = frames.length;
    frames.push({ cameraId: 'clip', seq, capturedAt: 1_700_000_000_000 + seq * (1000 / FPS), width: W, height: H, data });
  });
  const args = buildCaptureArgs({ input: file, width: W, height: H, fps: FPS, realtime: false, extraInputArgs: ['-t', String(seconds)] });
  await runFfmpeg(args, (chunk) => reader.push(chunk));
  return frames;
}

const inside = (x: number, y: number, b: Box): boolean => x >= b.x && x <= b.x + b.w && y >= b.y && y <= b.y + b.h;

/** Writes frames side by side with their motion regions drawn, for a human to look at. */
async function drawRegions(frames: readonly Frame[], motions: readonly Motion[], file: string): Promise<void> {
  const tiles = await Promise.all(
    frames.map((f, i) => {
      const rects = (motions[i]?.regions ?? []).map(
        (r) => `<rect x="${r.box.x * W}" y="${r.box.y * H}" width="${r.box.w * W}" height="${r.box.h * H}" fill="none" stroke="#ff2d2d" stroke-width="2"/>`,
      );
      const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}">${rects.join('')}</svg>`;
      return sharp(f.data, { raw: { width: W, height: H, channels: 3 } }).composite([{ input: Buffer.from(svg) }]).png().toBuffer();
    }),
  );
  mkdirSync(path.dirname(file), { recursive: true });
  await sharp({ create: { width: W * tiles.length, height: H, channels: 3, background: '#000' } })
    .composite(tiles.map((input, i) => ({ input, left: i * W, top: 0 })))
    .png()
    .toFile(file);
}

describe.skipIf(!existsSync(CLIP))('BackgroundMotionDetector on real footage', () => {
  it('finds motion where people walk on the PETS walkway', async () => {
    const frames = await decodeClip(CLIP, 20);
    expect(frames.length).toBeGreaterThanOrEqual(98);
    const md = new BackgroundMotionDetector();
    const motions: Motion[] = [];
    const t0 = performance.now();
    for (const f of frames) motions.push(md.process(f));
    const motionMs = (performance.now() - t0) / frames.length;

    // People who walk: confirmed tracks whose centre moved at least a quarter of their height in the
    // last second. Standing people are left out: the background learns them, as it should.
    const canDetect = existsSync(path.join(MODELS_DIR, MODEL_ID));
    let moving = 0;
    let movingInMotion = 0;
    if (canDetect) {
      const detector = await createOnnxDetector({ manifest: loadManifest(MODEL_ID), modelsDir: MODELS_DIR, scoreThreshold: 0.1, intraOpThreads: 2 });
      const tracker = new ByteTracker();
      const history = new Map<number, { seq: number; cx: number; cy: number }[]>();
      try {
        for (const f of frames) {
          const all = await detector.detect(f);
          const update = tracker.update({ ...all, items: all.items.filter((d) => d.label === 'person') });
          for (const d of update.detections) {
            if (d.trackId === undefined || d.score < 0.5) continue;
            const cx = d.box.x + d.box.w / 2;
            const cy = d.box.y + d.box.h / 2;
            const h = history.get(d.trackId) ?? [];
            h.push({ seq: f.seq, cx, cy });
            history.set(d.trackId, h);
            const before = h.find((p) => p.seq >= f.seq - FPS);
            if (before === undefined || f.seq - before.seq < FPS - 1) continue;
            if (Math.hypot(((cx - before.cx) * W) / H, cy - before.cy) < 0.25 * d.box.h) continue;
            moving++;
            if ((motions[f.seq]?.regions ?? []).some((r) => inside(cx, cy, r.box))) movingInMotion++;
          }
        }
      } finally {
        await detector.close();
      }
    }

    const after = motions.slice(1);
    const withRegions = after.filter((m) => m.regions.length > 0).length;
    const changed = after.map((m) => m.changed).sort((a, b) => a - b);
    const regionArea = after.map((m) => m.regions.reduce((s, r) => s + r.box.w * r.box.h, 0)).sort((a, b) => a - b);
    const gate = new MotionGate();
    const detected = motions.filter((m, i) => gate.shouldDetect(m, (frames[i] as Frame).capturedAt)).length;
    const crops = motions.filter((m) => planDetection(m.regions, W, H, { modelWidth: 416, modelHeight: 416 }).mode === 'crops').length;
    const median = (a: number[]): number => a[Math.floor(a.length / 2)] ?? 0;
    console.log(
      `pets walkway, ${frames.length} frames: motion ${motionMs.toFixed(2)} ms/frame; regions on ${withRegions}/${after.length} frames; ` +
        `changed median ${(median(changed) * 100).toFixed(2)} % max ${((changed[changed.length - 1] ?? 0) * 100).toFixed(2)} %; ` +
        `region area median ${(median(regionArea) * 100).toFixed(1)} % of the frame; gate lets ${detected}/${frames.length} through; ` +
        `crop plans ${crops} (480×360 with a 416 model: full frame expected)\n` +
        `  moving person detections inside a motion region: ${movingInMotion}/${moving}`,
    );

    const shown = [30, 75];
    await drawRegions(shown.map((i) => frames[i] as Frame), shown.map((i) => motions[i] as Motion), path.join(ARTIFACTS, 'pets-walkway-motion.png'));

    expect(withRegions / after.length).toBeGreaterThan(0.95);
    // Motion is where things move, not everywhere: the regions cover a minority of the picture.
    expect(median(regionArea)).toBeLessThan(0.35);
    expect(median(changed)).toBeLessThan(0.05);
    if (canDetect) {
      expect(moving).toBeGreaterThan(100);
      expect(movingInMotion / moving).toBeGreaterThan(0.9);
    }
  }, 120_000);

  describe('a still camera (a frozen real frame with sensor noise, encoded with x264)', () => {
    const tmp = tempDir('motion-still');
    let frames: Frame[] = [];

    beforeAll(async () => {
      const still = path.join(tmp.dir, 'still.png');
      const clip = path.join(tmp.dir, 'still.mp4');
      await runFfmpeg(['-hide_banner', '-loglevel', 'error', '-ss', '10', '-i', CLIP, '-frames:v', '1', '-y', still]);
      // Temporal noise of ±4 levels changes every pixel on every frame; crf 28 adds real compression
      // flicker, and a 1 s GOP puts a keyframe jump in every 10 frames.
      await runFfmpeg([
        '-hide_banner', '-loglevel', 'error', '-loop', '1', '-i', still, '-t', '8', '-r', '10',
        '-vf', 'noise=alls=8:allf=t', '-c:v', 'libx264', '-preset', 'ultrafast', '-crf', '28', '-g', '10',
        '-pix_fmt', 'yuv420p', '-y', clip,
      ]);
      frames = await decodeClip(clip, 8);
    }, 60_000);
    afterAll(() => tmp.remove());

    it('reports no motion after the first frame', () => {
      expect(frames.length).toBeGreaterThanOrEqual(38);
      // The test is only worth something if the frames really differ: mean absolute change per byte.
      let diff = 0;
      for (let k = 1; k < frames.length; k++) {
        const a = (frames[k - 1] as Frame).data;
        const b = (frames[k] as Frame).data;
        for (let i = 0; i < a.length; i += 7) diff += Math.abs((a[i] as number) - (b[i] as number));
      }
      const meanDiff = diff / ((frames.length - 1) * Math.ceil((W * H * 3) / 7));
      const md = new BackgroundMotionDetector();
      const motions = frames.map((f) => md.process(f));
      const settled = motions.slice(1);
      const withRegions = settled.filter((m) => m.regions.length > 0).length;
      const maxChanged = Math.max(...settled.map((m) => m.changed));
      console.log(
        `still camera, ${frames.length} frames: mean frame-to-frame change ${meanDiff.toFixed(2)} levels; ` +
          `regions on ${withRegions} frames, max changed ${(maxChanged * 100).toFixed(3)} %`,
      );
      expect(meanDiff).toBeGreaterThan(1);
      expect(withRegions).toBe(0);
      expect(maxChanged).toBeLessThan(0.002);
      const gate = new MotionGate({ redetectIntervalMs: 2000 });
      const detected = motions.filter((m, i) => gate.shouldDetect(m, (frames[i] as Frame).capturedAt)).length;
      // One at start, then one every 2 s of the 8 s: the detector idles on a still scene.
      expect(detected).toBeLessThanOrEqual(5);
    });

    it('takes a sudden brightness rise as lighting, not motion, and settles at once', () => {
      const md = new BackgroundMotionDetector();
      const brighter = (f: Frame): Frame => {
        const data = Buffer.alloc(f.data.length);
        for (let i = 0; i < data.length; i++) data[i] = Math.min(255, Math.round((f.data[i] as number) * 1.4 + 10));
        return { ...f, data };
      };
      const motions = frames.map((f, i) => md.process(i < 20 ? f : brighter(f)));
      const jump = motions[20] as Motion;
      console.log(`lighting jump: changed ${(jump.changed * 100).toFixed(1)} %, regions ${jump.regions.length}`);
      expect(jump.regions).toEqual([]);
      expect(jump.changed).toBeGreaterThan(0.8);
      expect(motions.slice(21).filter((m) => m.regions.length > 0)).toEqual([]);
    });
  });
});
