import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../common/config-loader.js';
import { repoRoot } from '../../common/env.js';
import { loadManifest } from '../../models/manifest.js';
import { createOnnxDetector, frameFromImageFile, type OnnxDetector } from '../../edge/src/detect/index.js';
import { renderSnapshot } from '../../edge/src/evidence/index.js';
import { CameraRulesConfig, createRuleEngine, planCameraRules, type ModelLabels, type RuleHit } from '../../edge/src/rules/index.js';
import { ByteTracker } from '../../edge/src/track/index.js';
import type { Detections } from '../../edge/src/types.js';
import { testMediaDir, testModelsDir } from '../support/harness.js';

// The issue's acceptance tests on stills: real models, real photos, the real ByteTrack tracker and the
// scene presets. A still is fed as the same frame several times 200 ms apart, so confirmation, track
// ids and the event lifecycle all run as on a live camera.
const MODELS = ['ppe-helmet-head-yolox', 'face-mask-aizoo-ssd-360', 'fire-smoke-yolov8n-w8-416'] as const;
type ModelId = (typeof MODELS)[number];
const IMAGES = path.join(testMediaDir(), 'images');
const ARTIFACTS = path.join(repoRoot, 'test-artifacts', 'rules');
const available = MODELS.every((id) => existsSync(path.join(testModelsDir(), loadManifest(id).weights))) && existsSync(IMAGES);
const LABELS: ModelLabels = new Map(MODELS.map((id) => [id, loadManifest(id).labels]));
const FRAMES = 6;

const detectors = new Map<ModelId, OnnxDetector>();

beforeAll(async () => {
  if (!available) return;
  for (const id of MODELS) detectors.set(id, await createOnnxDetector({ manifest: loadManifest(id), modelsDir: testModelsDir() }));
  mkdirSync(ARTIFACTS, { recursive: true });
});

afterAll(async () => {
  for (const d of detectors.values()) await d.close();
});

/** Runs one still through detection (once: the same picture gives the same boxes), tracking and the scene's rules. */
async function runStill(image: string, model: ModelId, scene: 'kitchen' | 'worksite'): Promise<{ hits: RuleHit[]; detections: Detections }> {
  const detector = detectors.get(model);
  if (!detector) throw new Error(`no detector ${model}`);
  const still = await frameFromImageFile(path.join(IMAGES, image), 'cam', { seq: 0, capturedAt: 1_700_000_000_000 });
  const detections = await detector.detect(still);
  const plan = planCameraRules(parseConfig(CameraRulesConfig, { id: 'cam', models: [model], scene }, 'test'), LABELS);
  const engine = createRuleEngine(plan);
  const tracker = new ByteTracker();
  const hits: RuleHit[] = [];
  for (let seq = 0; seq < FRAMES; seq++) {
    const capturedAt = still.capturedAt + seq * 200;
    const frame = { ...still, seq, capturedAt };
    const tracked = tracker.update({ ...detections, frameSeq: seq, capturedAt });
    hits.push(...engine.process({ frame, detections: { ...detections, frameSeq: seq, capturedAt, items: tracked.detections }, tracks: tracked }));
  }
  hits.push(...engine.flush('test_end', still.capturedAt + FRAMES * 200));
  const starts = hits.filter((h) => h.message.phase === 'start');
  for (const [i, h] of starts.entries()) {
    if (!h.snapshotFrame) continue;
    const snap = await renderSnapshot(h.snapshotFrame, h.snapshotDetections ?? h.message.detections);
    await sharp(snap.jpeg).png().toFile(path.join(ARTIFACTS, `${path.parse(image).name}-${h.message.ruleId}-${i}.png`));
  }
  const summary = starts.map((h) => `${h.message.ruleId} ${h.message.label} ${h.message.topScore.toFixed(2)} #${h.message.trackIds?.join(',')}`);
  console.log(`${image} [${model}, ${scene}] detections: ${detections.items.map((d) => `${d.label} ${d.score.toFixed(2)}`).join(', ')}; events: ${summary.join('; ') || 'none'}`);
  return { hits, detections };
}

const startsOf = (hits: readonly RuleHit[], ruleId?: string) => hits.filter((h) => h.message.phase === 'start' && (ruleId === undefined || h.message.ruleId === ruleId));

describe.skipIf(!available)('scene rules on real photos', () => {
  it('worksite, helmet/head model: three no-helmet events on the bare heads of construction_ppe_0665, none on the helmeted workers', async () => {
    const { hits, detections } = await runStill('construction_ppe_0665.jpg', 'ppe-helmet-head-yolox', 'worksite');
    const events = startsOf(hits, 'no-helmet');
    expect(events).toHaveLength(3);
    // Each event is about one head: its box is one of the model's `head` boxes, and no helmet box is in any event.
    const heads = detections.items.filter((d) => d.label === 'head');
    const helmets = detections.items.filter((d) => d.label === 'helmet');
    expect(heads).toHaveLength(3);
    expect(helmets).toHaveLength(3);
    const eventBoxes = events.map((e) => e.message.detections[0]?.box);
    for (const head of heads) expect(eventBoxes.some((b) => b && Math.abs(b.x - head.box.x) < 0.01 && Math.abs(b.y - head.box.y) < 0.01)).toBe(true);
    for (const helmet of helmets) expect(eventBoxes.some((b) => b && Math.abs(b.x - helmet.box.x) < 0.01 && Math.abs(b.y - helmet.box.y) < 0.01)).toBe(false);
    expect(new Set(events.flatMap((e) => e.message.trackIds ?? [])).size).toBe(3);
    expect(events.every((e) => e.message.name?.en === 'No helmet' && e.message.label === 'head' && e.message.severity === 2)).toBe(true);
    // The lifecycle closes: every event ends (here by the flush at the end of the test).
    expect(hits.filter((h) => h.message.phase === 'end')).toHaveLength(3);
  });

  it('worksite, helmet/head model: no no-helmet event on construction_tunnel_red_helmets_1989', async () => {
    const { hits, detections } = await runStill('construction_tunnel_red_helmets_1989.jpg', 'ppe-helmet-head-yolox', 'worksite');
    expect(detections.items.filter((d) => d.label === 'helmet').length).toBeGreaterThanOrEqual(4);
    expect(startsOf(hits)).toEqual([]);
  });

  it('kitchen preset, AIZOO mask model: two no-mask events on the unmasked faces, none for the masked one', async () => {
    const { hits, detections } = await runStill('mask_nomask_group_aizoo_demo.png', 'face-mask-aizoo-ssd-360', 'kitchen');
    const events = startsOf(hits, 'no-mask');
    expect(events).toHaveLength(2);
    expect(events.every((e) => e.message.label === 'no_mask' && e.message.name?.zh === '未戴口罩')).toBe(true);
    const masked = detections.items.find((d) => d.label === 'mask');
    expect(masked).toBeDefined();
    expect(events.some((e) => e.message.detections.some((d) => masked && Math.abs(d.box.x - masked.box.x) < 0.01))).toBe(false);
    expect(startsOf(hits)).toHaveLength(2);
  });

  it('kitchen preset, AIZOO mask model: no event on mask_woman_aizoo_demo2', async () => {
    const { hits, detections } = await runStill('mask_woman_aizoo_demo2.jpg', 'face-mask-aizoo-ssd-360', 'kitchen');
    expect(detections.items.map((d) => d.label)).toEqual(['mask']);
    expect(startsOf(hits)).toEqual([]);
  });

  it.each(['fire_building_street_1034.jpg', 'fire_smoke_plume_city_106.jpg', 'fire_rooftop_factory_77.jpg'])(
    'fire/smoke model: a fire or smoke event on %s',
    async (image) => {
      const { hits } = await runStill(image, 'fire-smoke-yolov8n-w8-416', 'kitchen');
      const events = startsOf(hits);
      expect(events.length).toBeGreaterThanOrEqual(1);
      for (const e of events) {
        expect(['fire', 'smoke']).toContain(e.message.ruleId);
        expect(e.message.severity).toBe(1);
      }
    },
  );

  it.each(['bus.jpg', 'dog.jpg'])('fire/smoke model: no event on %s', async (image) => {
    const { hits } = await runStill(image, 'fire-smoke-yolov8n-w8-416', 'kitchen');
    expect(startsOf(hits)).toEqual([]);
  });
});
