import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../common/config-loader.js';
import { repoRoot } from '../../common/env.js';
import { loadManifest } from '../../models/manifest.js';
import { buildCaptureArgs, FfmpegProcess, FrameReader } from '../../edge/src/capture/index.js';
import { createOnnxDetector, type OnnxDetector } from '../../edge/src/detect/index.js';
import {
  CameraRulesConfig,
  createRuleEngine,
  planCameraRules,
  type ModelLabels,
  type RuleEngine,
  type RuleHit,
  type SnapshotOverlay,
} from '../../edge/src/rules/index.js';
import { ByteTracker } from '../../edge/src/track/index.js';
import type { Detection } from '../../protocol/index.js';
import type { Frame, Tracks } from '../../edge/src/types.js';
import { testLogger, testMediaDir, testModelsDir } from '../support/harness.js';

// The acceptance tests on footage: real ffmpeg decoding at 5 fps through the capture stage's
// own argument builder, process wrapper and frame reader; YOLOX-Nano (plus the helmet/head model on
// the worksite); the real ByteTrack; the scene rules. Frames get capture times 200 ms apart, as a
// camera analysed at 5 fps would, so dwell times are in the footage's own time.
const VIDEOS = path.join(testMediaDir(), 'videos');
const PETS = path.join(VIDEOS, 'public-pets2009-s2l1-vtest-480p.mp4');
const WORKSITE = path.join(VIDEOS, 'worksite-intel-worker-zone-detection-10s.mp4');
const ARTIFACTS = path.join(repoRoot, 'test-artifacts', 'rules');
const MODEL_IDS = ['coco-yolox-nano', 'ppe-helmet-head-yolox'] as const;
const available = MODEL_IDS.every((id) => existsSync(path.join(testModelsDir(), loadManifest(id).weights)));
const LABELS: ModelLabels = new Map(MODEL_IDS.map((id) => [id, loadManifest(id).labels]));
const T0 = 1_700_000_000_000;
const STEP_MS = 200;

const detectors = new Map<string, OnnxDetector>();

beforeAll(async () => {
  if (!available) return;
  for (const id of MODEL_IDS) detectors.set(id, await createOnnxDetector({ manifest: loadManifest(id), modelsDir: testModelsDir() }));
  mkdirSync(ARTIFACTS, { recursive: true });
});

afterAll(async () => {
  for (const d of detectors.values()) await d.close();
});

/** Decodes a clip to RGB frames at 5 fps as fast as ffmpeg goes (no -re), optionally only its first `seconds`. */
async function decode(file: string, width: number, height: number, seconds?: number): Promise<Frame[]> {
  const frames: Frame[] = [];
  const reader = new FrameReader(width * height * 3, (data) => {
    const seq = frames.length;
    frames.push({ cameraId: 'cam', seq, capturedAt: T0 + seq * STEP_MS, width, height, data });
  });
  const args = buildCaptureArgs({ input: file, width, height, fps: 5, realtime: false, ...(seconds ? { extraInputArgs: ['-t', String(seconds)] } : {}) });
  const proc = FfmpegProcess.spawn({ args, logger: testLogger('ffmpeg'), onStdout: (chunk) => reader.push(chunk) });
  const exit = await proc.exited;
  if (exit.code !== 0) throw new Error(`ffmpeg failed on ${file}: ${JSON.stringify(exit)}`);
  return frames;
}

interface Run {
  hits: RuleHit[];
  tracks: Tracks[];
  engine: RuleEngine;
}

/** Detection with every model (items merged), tracking, rules; frame by frame, as the pipeline does. */
async function analyse(frames: readonly Frame[], models: readonly string[], engine: RuleEngine): Promise<Run> {
  const tracker = new ByteTracker();
  const hits: RuleHit[] = [];
  const tracks: Tracks[] = [];
  for (const frame of frames) {
    const items: Detection[] = [];
    for (const id of models) items.push(...(await detectorFor(id).detect(frame)).items);
    const detections = { cameraId: 'cam', frameSeq: frame.seq, capturedAt: frame.capturedAt, modelId: models.join('+'), items, inferenceMs: 0 };
    const tracked = tracker.update(detections);
    tracks.push(tracked);
    hits.push(...engine.process({ frame, detections: { ...detections, items: tracked.detections }, tracks: tracked }));
  }
  const last = frames[frames.length - 1];
  hits.push(...engine.flush('clip_end', (last?.capturedAt ?? T0) + STEP_MS));
  return { hits, tracks, engine };
}

function detectorFor(id: string): OnnxDetector {
  const d = detectors.get(id);
  if (!d) throw new Error(`no detector ${id}`);
  return d;
}

/** Writes a frame with the overlay's zones and lines and the given boxes as PNG, to look at. */
async function writeFrame(name: string, frame: Frame, overlay: SnapshotOverlay, boxes: readonly Detection[]): Promise<void> {
  const { width: w, height: h } = frame;
  const pts = (ps: readonly (readonly [number, number])[]) => ps.map(([x, y]) => `${Math.round(x * w)},${Math.round(y * h)}`).join(' ');
  const svg = [
    `<svg width="${w}" height="${h}" xmlns="http://www.w3.org/2000/svg">`,
    ...overlay.zones.map((z) => `<polygon points="${pts(z.points)}" fill="rgba(255,59,48,0.18)" stroke="#ff3b30" stroke-width="2"/>`),
    ...overlay.lines.map((l) => `<polyline points="${pts([l.a, l.b])}" stroke="#00c7ff" stroke-width="3"/>` + `<text x="${Math.round(l.a[0] * w) + 4}" y="${Math.round(l.a[1] * h) - 4}" fill="#00c7ff" font-size="14">a (side A on the left of a→b)</text>`),
    ...boxes.map(
      (d) =>
        `<rect x="${Math.round(d.box.x * w)}" y="${Math.round(d.box.y * h)}" width="${Math.round(d.box.w * w)}" height="${Math.round(d.box.h * h)}" fill="none" stroke="#ffcc00" stroke-width="2"/>` +
        `<text x="${Math.round(d.box.x * w)}" y="${Math.round(d.box.y * h) - 3}" fill="#ffcc00" font-size="13">${d.label} #${d.trackId ?? ''}</text>`,
    ),
    '</svg>',
  ].join('');
  await sharp(frame.data, { raw: { width: w, height: h, channels: 3 } })
    .composite([{ input: Buffer.from(svg) }])
    .png()
    .toFile(path.join(ARTIFACTS, `${name}.png`));
}

const starts = (hits: readonly RuleHit[], type?: string) => hits.filter((h) => h.message.phase === 'start' && (type === undefined || h.message.type === type));
const describeHit = (h: RuleHit) =>
  `${h.message.ruleId} frame ${(h.message.at - T0) / STEP_MS} #${(h.message.trackIds ?? []).join(',')} ${h.message.label} ${h.message.topScore.toFixed(2)} ${JSON.stringify(h.message.attributes ?? {})}`;

describe.skipIf(!available || !existsSync(PETS))('PETS 2009 walkway, public scene (YOLOX-Nano + ByteTrack)', () => {
  it('gives loitering and crowd events in a zone across the path, and counts line crossings in both directions', { timeout: 120_000 }, async () => {
    const frames = await decode(PETS, 480, 360, 40);
    expect(frames.length).toBeGreaterThanOrEqual(195);
    const camera = parseConfig(
      CameraRulesConfig,
      {
        id: 'cam',
        models: ['coco-yolox-nano'],
        scene: 'public',
        // The middle stretch of the walkway, from the lamp post to the right-hand verge.
        zones: [{ id: 'path', name: 'walkway', tags: ['watch'], points: [[0.3, 0.36], [0.78, 0.36], [0.78, 0.6], [0.3, 0.6]] }],
        // Across the path at x = 0.6, drawn top to bottom: side A is the right of the picture, B the left.
        lines: [{ id: 'cut', a: [0.6, 0.25], b: [0.6, 0.85] }],
        rules: [
          // Low thresholds so 40 s of footage shows them: a person standing 5 s, three people for 2 s.
          { id: 'loitering', type: 'loitering', zones: ['path'], dwellMs: 5000 },
          { id: 'crowd', type: 'crowd', zones: ['path'], minCount: 3, dwellMs: 2000 },
        ],
      },
      'test',
    );
    const plan = planCameraRules(camera, LABELS);
    expect(plan.rules.map((r) => r.config.id)).toEqual(['line-crossing-cut', 'loitering', 'crowd']);
    const started = Date.now();
    const run = await analyse(frames, ['coco-yolox-nano'], createRuleEngine(plan));
    const elapsed = Date.now() - started;

    const counts = run.engine.counters()['line-crossing-cut'];
    const loitering = starts(run.hits, 'loitering');
    const crowd = starts(run.hits, 'crowd');
    const crossings = starts(run.hits, 'line_crossing');
    console.log(
      [
        `PETS: ${frames.length} frames analysed in ${elapsed} ms; line counts ${JSON.stringify(counts)}`,
        ...loitering.map(describeHit),
        ...crowd.map(describeHit),
        ...crossings.map(describeHit),
      ].join('\n'),
    );
    const first = frames[0];
    const overlay = run.engine.overlay;
    if (first) await writeFrame('pets-zone-line', first, overlay, run.tracks[0]?.items.map((t) => ({ label: t.label, score: t.score, box: t.box, trackId: t.id })) ?? []);
    for (const [name, h] of [['pets-loitering', loitering[0]], ['pets-crowd', crowd[0]]] as const) {
      if (h?.snapshotFrame) await writeFrame(name, h.snapshotFrame, h.overlay ?? overlay, h.snapshotDetections ?? []);
    }

    expect(loitering.length).toBeGreaterThanOrEqual(1);
    expect(loitering.every((h) => h.message.zoneId === 'path' && Number(h.message.attributes?.dwellS) >= 5)).toBe(true);
    expect(crowd.length).toBeGreaterThanOrEqual(1);
    expect(crowd.every((h) => Number(h.message.attributes?.count) >= 3 && h.message.gbAlarm?.type === 10)).toBe(true);
    expect(counts?.countAtoB).toBeGreaterThanOrEqual(2);
    expect(counts?.countBtoA).toBeGreaterThanOrEqual(2);
    // Each counted crossing raised its event (no cooldown hit: every track crosses at most once here or after 5 s).
    expect(crossings.length).toBeLessThanOrEqual((counts?.countAtoB ?? 0) + (counts?.countBtoA ?? 0));
    expect(new Set(crossings.map((h) => h.message.attributes?.direction))).toEqual(new Set(['a_to_b', 'b_to_a']));
    // Every event that started also ended.
    expect(run.hits.filter((h) => h.message.phase === 'end')).toHaveLength(starts(run.hits).length);
  });
});

describe.skipIf(!available || !existsSync(WORKSITE))('Intel worksite clip, worksite scene (YOLOX-Nano + helmet/head model + ByteTrack)', () => {
  it('gives an intrusion event when the worker enters the painted zone, and no no-helmet event (he wears a hard hat)', { timeout: 120_000 }, async () => {
    const frames = await decode(WORKSITE, 960, 540);
    expect(frames.length).toBeGreaterThanOrEqual(48);
    const camera = parseConfig(
      CameraRulesConfig,
      {
        id: 'cam',
        models: ['coco-yolox-nano', 'ppe-helmet-head-yolox'],
        scene: 'worksite',
        zones: [
          // The floor cell bounded by the red tape in front of the taped pillar, right of the yellow-black line.
          { id: 'painted', name: 'taped cell', tags: ['restricted'], points: [[0.627, 0.548], [0.927, 0.798], [0.798, 1.0], [0.51, 1.0], [0.425, 0.84], [0.36, 0.714]] },
          // The far-left taped cell, where nobody walks.
          { id: 'far-left', tags: ['restricted'], points: [[0.1, 0.33], [0.3, 0.3], [0.4, 0.42], [0.2, 0.5]] },
        ],
      },
      'test',
    );
    const plan = planCameraRules(camera, LABELS);
    expect(plan.rules.map((r) => r.config.id)).toEqual(['no-helmet', 'intrusion']);
    const started = Date.now();
    const run = await analyse(frames, ['coco-yolox-nano', 'ppe-helmet-head-yolox'], createRuleEngine(plan));
    const elapsed = Date.now() - started;

    const intrusions = starts(run.hits, 'intrusion');
    const noHelmet = run.hits.filter((h) => h.message.ruleId === 'no-helmet');
    const helmets = run.tracks.flatMap((t) => t.items.filter((i) => i.label === 'helmet' && i.lostFrames === 0));
    const heads = run.tracks.flatMap((t) => t.items.filter((i) => i.label === 'head' && i.lostFrames === 0));
    console.log(
      [
        `worksite: ${frames.length} frames analysed in ${elapsed} ms; helmet sightings ${helmets.length} (top ${Math.max(0, ...helmets.map((h) => h.score)).toFixed(2)}), bare-head sightings ${heads.length}`,
        ...run.hits.map((h) => `${h.message.phase} ${describeHit(h)} ${h.message.endReason ?? ''}`),
      ].join('\n'),
    );
    for (const seq of [20, 32, 40]) {
      const f = frames[seq];
      const t = run.tracks[seq];
      if (f && t) await writeFrame(`worksite-frame-${seq}`, f, run.engine.overlay, t.items.filter((i) => i.lostFrames === 0).map((i) => ({ label: i.label, score: i.score, box: i.box, trackId: i.id })));
    }
    const first = intrusions[0];
    if (first?.snapshotFrame) await writeFrame('worksite-intrusion', first.snapshotFrame, first.overlay ?? run.engine.overlay, first.snapshotDetections ?? []);

    expect(intrusions).toHaveLength(1);
    expect(first?.message).toMatchObject({ zoneId: 'painted', label: 'person', severity: 1, gbAlarm: { method: 5, type: 6 }, name: { en: 'Intrusion' } });
    // He steps into the cell around frame 28 (5.6 s); the event follows after three frames of confirmation.
    const startFrame = ((first?.message.startedAt ?? 0) - T0) / STEP_MS;
    expect(startFrame).toBeGreaterThanOrEqual(26);
    expect(startFrame).toBeLessThanOrEqual(34);
    expect(helmets.length).toBeGreaterThanOrEqual(20);
    expect(noHelmet).toEqual([]);
  });
});
