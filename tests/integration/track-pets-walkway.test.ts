import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../common/env.js';
import { buildCaptureArgs, FfmpegProcess, FrameReader } from '../../edge/src/capture/index.js';
import { createOnnxDetector } from '../../edge/src/detect/index.js';
import { ByteTracker } from '../../edge/src/track/index.js';
import type { Detections, Frame } from '../../edge/src/types.js';
import { loadManifest } from '../../models/manifest.js';
import { testLogger, testMediaDir, testModelsDir } from '../support/harness.js';

/**
 * The tracker on real footage with the real detector: PETS 2009 S2.L1 (the OpenCV "vtest" clip), a
 * campus walkway seen from above where 5-8 people walk across, meet and pass each other. Decoded
 * with ffmpeg at 5 fps and 480×360 like a camera, persons detected by YOLOX-Nano down to score 0.1
 * (the tracker needs the low scores for its second stage), tracked, and identity stability measured.
 *
 * There is no ground truth here, so the measures are ones that need none:
 * - coverage: the fraction of confident person detections (score ≥ 0.5) that belong to a long track
 *   (≥ 25 matched frames = 5 s); a tracker that fragments people leaves many in short tracks;
 * - handovers (fragmentation): a track that begins within 3 s of another ending, within one body
 *   height of where that one was last seen, each ended track continuing into at most one new one
 *   (the nearest) — the signature of one person getting a new id;
 * - reversals (swaps): a track whose direction turns by more than ~110° between the 3 matches
 *   before and the 3 after a point, moving faster than a third of walking speed on both sides.
 *   People here do not turn around mid-walk, but an id that hops to someone walking the other way
 *   does; looking at the frames confirmed each reversal found while tuning was such a hop, except
 *   one (two people arriving at their meeting point and turning);
 * - jumps: a box moving more than 0.75 body heights per frame between two matches of one track.
 * And pictures of the trails and ids (test-artifacts/track/) for a human to check.
 */

const CLIP = path.join(testMediaDir(), 'videos', 'public-pets2009-s2l1-vtest-480p.mp4');
const MODEL_ID = 'coco-yolox-nano';
const MODELS_DIR = testModelsDir();
const ARTIFACTS = path.join(repoRoot, 'test-artifacts', 'track');
const W = 480;
const H = 360;
const FPS = 5;
const SECONDS = 40;
const LONG_TRACK = 25;

/** Decodes the start of a clip into frames with the capture stage's own ffmpeg arguments. */
async function decodeClip(file: string, seconds: number): Promise<Frame[]> {
  const frames: Frame[] = [];
  const args = buildCaptureArgs({ input: file, width: W, height: H, fps: FPS, realtime: false, extraInputArgs: ['-t', String(seconds)] });
  const reader = new FrameReader(W * H * 3, (data) => {
    const seq = frames.length;
    frames.push({ cameraId: 'pets', seq, capturedAt: 1_700_000_000_000 + seq * (1000 / FPS), width: W, height: H, data });
  });
  const proc = FfmpegProcess.spawn({ args, logger: testLogger('ffmpeg'), onStdout: (chunk) => reader.push(chunk) });
  const exit = await proc.exited;
  if (exit.code !== 0) throw new Error(`ffmpeg failed: ${JSON.stringify(exit)}`);
  return frames;
}

interface Point {
  readonly seq: number;
  readonly cx: number;
  readonly cy: number;
  readonly h: number;
}

interface Measures {
  tracks: number;
  averageLength: number;
  longTracks: number;
  coverage: number;
  handovers: number;
  /** `old→new@seconds`, for the log. */
  handoverList: string[];
  reversals: number;
  /** `id@seconds`, for the log. */
  reversalList: string[];
  jumps: number;
}

/** Distance in units of frame height (x is scaled by the aspect ratio so both axes are alike). */
const distance = (a: Point, b: Point): number => Math.hypot(((b.cx - a.cx) * W) / H, b.cy - a.cy);

function measure(trails: ReadonlyMap<number, readonly Point[]>, confident: readonly (number | undefined)[]): Measures {
  const lengths = [...trails.values()].map((t) => t.length);
  const long = new Set([...trails].filter(([, t]) => t.length >= LONG_TRACK).map(([id]) => id));
  const covered = confident.filter((id) => id !== undefined && long.has(id)).length;
  let jumps = 0;
  for (const t of trails.values()) {
    for (let i = 1; i < t.length; i++) {
      const a = t[i - 1] as Point;
      const b = t[i] as Point;
      if (distance(a, b) / (b.seq - a.seq) > 0.75 * a.h) jumps++;
    }
  }
  const handoverList: string[] = [];
  const continued = new Set<number>();
  const byStart = [...trails].sort(([, a], [, b]) => (a[0] as Point).seq - (b[0] as Point).seq);
  for (const [id, t] of byStart) {
    const start = t[0] as Point;
    let best: { id: number; d: number } | undefined;
    for (const [other, o] of trails) {
      const end = o[o.length - 1] as Point;
      const d = distance(end, start);
      if (other === id || continued.has(other) || end.seq >= start.seq || start.seq - end.seq > 3 * FPS || d >= end.h) continue;
      if (best === undefined || d < best.d) best = { id: other, d };
    }
    if (best === undefined) continue;
    continued.add(best.id);
    handoverList.push(`${best.id}→${id}@${(start.seq / FPS).toFixed(1)}s`);
  }
  const reversalList: string[] = [];
  for (const [id, t] of trails) {
    for (let i = 3; i + 3 < t.length; i++) {
      const [a, m, b] = [t[i - 3], t[i], t[i + 3]] as [Point, Point, Point];
      const v1 = [(((m.cx - a.cx) * W) / H) / (m.seq - a.seq), (m.cy - a.cy) / (m.seq - a.seq)] as const;
      const v2 = [(((b.cx - m.cx) * W) / H) / (b.seq - m.seq), (b.cy - m.cy) / (b.seq - m.seq)] as const;
      const n1 = Math.hypot(...v1);
      const n2 = Math.hypot(...v2);
      // Walking is ~0.16 body heights per frame at 5 fps; below a third of that, direction is jitter.
      if (n1 < 0.07 * m.h || n2 < 0.07 * m.h || (v1[0] * v2[0] + v1[1] * v2[1]) / (n1 * n2) > -0.3) continue;
      reversalList.push(`${id}@${(m.seq / FPS).toFixed(1)}s`);
      i += 3;
    }
  }
  return {
    tracks: trails.size,
    averageLength: lengths.reduce((s, n) => s + n, 0) / Math.max(1, lengths.length),
    longTracks: long.size,
    coverage: covered / Math.max(1, confident.length),
    handovers: handoverList.length,
    handoverList,
    reversals: reversalList.length,
    reversalList,
    jumps,
  };
}

const COLOURS = ['#e6194b', '#3cb44b', '#ffe119', '#4363d8', '#f58231', '#911eb4', '#46f0f0', '#f032e6', '#bcf60c', '#fabebe', '#008080', '#e6beff'];
const colour = (id: number): string => COLOURS[id % COLOURS.length] ?? '#ffffff';

/**
 * SVG of the trails (last `tail` points up to `seq`, at the feet) of the tracks matched on `seq`, or of
 * every track when `allTrails`; boxes and ids of the matched detections; thin white boxes for
 * confident person detections without a confirmed track.
 */
function overlay(trails: ReadonlyMap<number, readonly Point[]>, boxes: ReadonlyMap<number, Detections>, seq: number, tail: number, allTrails: boolean): string {
  const parts: string[] = [];
  const items = boxes.get(seq)?.items ?? [];
  const matched = new Set(items.map((d) => d.trackId));
  for (const [id, t] of trails) {
    if (!allTrails && !matched.has(id)) continue;
    const pts = t.filter((p) => p.seq <= seq).slice(-tail);
    if (pts.length >= 2) {
      const line = pts.map((p) => `${(p.cx * W).toFixed(1)},${((p.cy + p.h / 2) * H).toFixed(1)}`).join(' ');
      parts.push(`<polyline points="${line}" fill="none" stroke="${colour(id)}" stroke-width="2" opacity="0.9"/>`);
    }
  }
  for (const d of items) {
    if (d.trackId === undefined) {
      if (d.score >= 0.5) {
        parts.push(`<rect x="${d.box.x * W}" y="${d.box.y * H}" width="${d.box.w * W}" height="${d.box.h * H}" fill="none" stroke="#fff" stroke-width="1"/>`);
      }
      continue;
    }
    const x = d.box.x * W;
    const y = d.box.y * H;
    parts.push(`<rect x="${x}" y="${y}" width="${d.box.w * W}" height="${d.box.h * H}" fill="none" stroke="${colour(d.trackId)}" stroke-width="2"/>`);
    parts.push(`<rect x="${x}" y="${y - 13}" width="${8 + 7 * String(d.trackId).length}" height="13" fill="${colour(d.trackId)}"/>`);
    parts.push(`<text x="${x + 3}" y="${y - 2}" font-family="DejaVu Sans, sans-serif" font-size="11" fill="#000">${d.trackId}</text>`);
  }
  parts.push(`<text x="6" y="${H - 8}" font-family="DejaVu Sans, sans-serif" font-size="14" fill="#fff" stroke="#000" stroke-width="0.5">t=${(seq / FPS).toFixed(1)} s</text>`);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}">${parts.join('')}</svg>`;
}

async function annotated(frame: Frame, svg: string): Promise<Buffer> {
  return sharp(frame.data, { raw: { width: W, height: H, channels: 3 } })
    .composite([{ input: Buffer.from(svg) }])
    .png()
    .toBuffer();
}

const ready = existsSync(CLIP) && existsSync(path.join(MODELS_DIR, MODEL_ID));

describe.skipIf(!ready)('ByteTracker on real footage (PETS 2009 walkway, YOLOX-Nano)', () => {
  it('keeps one id per person walking across, with few handovers and no jumps', async () => {
    const t0 = performance.now();
    const frames = await decodeClip(CLIP, SECONDS);
    const decodeMs = performance.now() - t0;
    expect(frames.length).toBeGreaterThanOrEqual(SECONDS * FPS - 2);

    const detector = await createOnnxDetector({ manifest: loadManifest(MODEL_ID), modelsDir: MODELS_DIR, scoreThreshold: 0.1, intraOpThreads: 2 });
    const tracker = new ByteTracker();
    const trails = new Map<number, Point[]>();
    const tracked = new Map<number, Detections>();
    const confident: (number | undefined)[] = [];
    let detectMs = 0;
    let trackMs = 0;
    let maxLive = 0;
    try {
      for (const frame of frames) {
        const t1 = performance.now();
        const all = await detector.detect(frame);
        const t2 = performance.now();
        // People only: the clip's parked vans and the odd false "kite" are not what is measured.
        const persons: Detections = { ...all, items: all.items.filter((d) => d.label === 'person') };
        const update = tracker.update(persons);
        trackMs += performance.now() - t2;
        detectMs += t2 - t1;
        maxLive = Math.max(maxLive, update.items.length);
        tracked.set(frame.seq, { ...persons, items: update.detections });
        for (const d of update.detections) {
          if (d.score >= 0.5) confident.push(d.trackId);
          if (d.trackId === undefined) continue;
          const trail = trails.get(d.trackId) ?? [];
          trail.push({ seq: frame.seq, cx: d.box.x + d.box.w / 2, cy: d.box.y + d.box.h / 2, h: d.box.h });
          trails.set(d.trackId, trail);
        }
      }
    } finally {
      await detector.close();
    }

    const m = measure(trails, confident);
    const lengths = [...trails.values()].map((t) => t.length).sort((a, b) => b - a);
    console.log(
      `pets walkway, ${frames.length} frames (${SECONDS} s at ${FPS} fps): decode ${decodeMs.toFixed(0)} ms, ` +
        `detect ${(detectMs / frames.length).toFixed(1)} ms/frame, track ${((trackMs / frames.length) * 1000).toFixed(0)} µs/frame, ` +
        `${confident.length} confident person detections, at most ${maxLive} live tracks\n` +
        `  person tracks ${m.tracks}, average length ${m.averageLength.toFixed(1)} frames, long (≥${LONG_TRACK}) ${m.longTracks}, ` +
        `coverage by long tracks ${(m.coverage * 100).toFixed(1)} %, handovers ${m.handovers} (${m.handoverList.join(' ')}), ` +
        `reversals ${m.reversals} (${m.reversalList.join(' ')}), jumps ${m.jumps}\n` +
        `  track lengths: ${lengths.join(', ')}`,
    );

    mkdirSync(ARTIFACTS, { recursive: true });
    const last = frames[frames.length - 1] as Frame;
    await sharp(await annotated(last, overlay(trails, tracked, last.seq, Infinity, true))).toFile(path.join(ARTIFACTS, 'pets-walkway-trails.png'));
    // Four moments 4 s apart, each with the last 4 s of trail: whether an id stays on one person is
    // easiest to judge side by side.
    const moments = [60, 80, 100, 120].filter((s) => s < frames.length);
    const tiles = await Promise.all(moments.map((s) => annotated(frames[s] as Frame, overlay(trails, tracked, s, 4 * FPS, false))));
    await sharp({ create: { width: 2 * W, height: 2 * H, channels: 3, background: '#000' } })
      .composite(tiles.map((input, i) => ({ input, left: (i % 2) * W, top: Math.floor(i / 2) * H })))
      .png()
      .toFile(path.join(ARTIFACTS, 'pets-walkway-ids.png'));

    // Measured here with the defaults: 25 tracks, coverage 89.5 %, 19 long tracks, 8 handovers,
    // 1 reversal (two people turning at their meeting point: real), 0 jumps. With ByteTrack's own
    // initial velocity prior: 28, 85 %, 16, 12, 1, 0; matchIou 0.3: 29, 87.5 %, 19, 13, 1, 0; matchIou
    // 0.1: 20, 91 %, 15, 5, 3, 0. Bounds leave room for other onnxruntime builds; a tracker without
    // prediction, the second stage or the wider velocity prior breaks them.
    expect(m.coverage).toBeGreaterThan(0.86);
    expect(m.longTracks).toBeGreaterThanOrEqual(15);
    expect(m.handovers).toBeLessThanOrEqual(11);
    expect(m.reversals).toBeLessThanOrEqual(2);
    expect(m.jumps).toBeLessThanOrEqual(1);
    expect(m.tracks).toBeLessThanOrEqual(34);
  }, 120_000);
});
