import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../common/config-loader.js';
import { parseEdgeConfig } from '../../edge/src/config.js';
import { createFakeDetector } from '../../edge/src/detect/index.js';
import { openSqliteOutbox, type Outbox } from '../../edge/src/outbox/index.js';
import { startPipeline, type CameraSource, type Pipeline, type UplinkPort } from '../../edge/src/pipeline.js';
import { CameraRulesConfig, createRuleEngine, planCameraRules, type RuleEngine, type RuleHit } from '../../edge/src/rules/index.js';
import { AppliedRulesStore, RulesSync } from '../../edge/src/rules-sync/index.js';
import type { Detection, EventMessage } from '../../protocol/index.js';
import type { DetectorWithInput, Frame, Track } from '../../edge/src/types.js';
import { tempDir, testLogger, waitFor } from '../support/harness.js';

// Swapping a camera's rules while it runs, with fakes at the stage interfaces: hand-made tracks into
// the rule engine; a scripted frame source and detector into the real pipeline, outbox and rule sync.

const LEFT = [[0, 0], [0.5, 0], [0.5, 1], [0, 1]];
const RIGHT = [[0.5, 0], [1, 0], [1, 1], [0.5, 1]];
const LABELS = new Map<string, readonly string[]>([['coco', ['person', 'car']]]);
/** A person standing in the left half, feet at (0.25, 0.8). */
const personBox = { x: 0.2, y: 0.4, w: 0.1, h: 0.4 };

describe('RuleEngine.replace', () => {
  const engineFor = (doc: Record<string, unknown>): { engine: RuleEngine; plan: ReturnType<typeof planCameraRules> } => {
    const plan = planCameraRules(parseConfig(CameraRulesConfig, { id: 'cam', models: ['coco'], ...doc }, 'test'), LABELS);
    return { engine: createRuleEngine(plan), plan };
  };
  const plan = (doc: Record<string, unknown>) => planCameraRules(parseConfig(CameraRulesConfig, { id: 'cam', models: ['coco'], ...doc }, 'test'), LABELS);
  let seq = 0;
  const frame = (engine: RuleEngine): RuleHit[] => {
    const at = 1_700_000_000_000 + seq * 200;
    const track: Track = { id: 7, label: 'person', state: 'confirmed', box: personBox, score: 0.9, recentScores: [0.9], age: 1, hits: 1, lostFrames: 0, firstSeenAt: at, lastSeenAt: at };
    const f: Frame = { cameraId: 'cam', seq, capturedAt: at, width: 640, height: 480, data: Buffer.alloc(0) };
    seq += 1;
    return engine.process({
      frame: f,
      detections: { cameraId: 'cam', frameSeq: f.seq, capturedAt: at, modelId: 'coco', items: [{ label: 'person', score: 0.9, box: personBox, trackId: 7 }], inferenceMs: 1 },
      tracks: { cameraId: 'cam', frameSeq: f.seq, capturedAt: at, items: [track] },
    });
  };
  const rule = (id: string, zone: string, extra: Record<string, unknown> = {}) => ({ id, type: 'intrusion', zones: [zone], confirmFrames: 2, ...extra });

  it('keeps unchanged rules running, ends removed and changed ones with their reason, starts new ones', () => {
    const zones = [{ id: 'left', points: LEFT }, { id: 'right', points: RIGHT }];
    const { engine } = engineFor({ zones, rules: [rule('keep', 'left'), rule('gone', 'left'), rule('changed', 'left')] });
    const before: RuleHit[] = [];
    for (let i = 0; i < 4; i++) before.push(...frame(engine));
    const started = new Map(before.filter((h) => h.message.phase === 'start').map((h) => [h.message.ruleId, h.message.id]));
    expect([...started.keys()].sort()).toEqual(['changed', 'gone', 'keep']);

    const ended = engine.replace(plan({ zones, rules: [rule('keep', 'left'), rule('changed', 'left', { confirmFrames: 3 }), rule('fresh', 'left')] }), 1_700_000_001_000);
    expect(ended.map((h) => [h.message.ruleId, h.message.phase, h.message.endReason, h.message.id]).sort()).toEqual([
      ['changed', 'end', 'rule_changed', started.get('changed')],
      ['gone', 'end', 'rule_removed', started.get('gone')],
    ]);
    expect(engine.overlay.zones.map((z) => z.id)).toEqual(['left', 'right']);

    const after: RuleHit[] = [];
    for (let i = 0; i < 5; i++) after.push(...frame(engine));
    const startsAfter = after.filter((h) => h.message.phase === 'start');
    // `keep` kept its open event: no second start; the others start afresh with new ids.
    expect(startsAfter.map((h) => h.message.ruleId).sort()).toEqual(['changed', 'fresh']);
    expect(startsAfter.find((h) => h.message.ruleId === 'changed')?.message.id).not.toBe(started.get('changed'));
    expect(after.some((h) => h.message.ruleId === 'gone')).toBe(false);
    const closing = engine.flush('edge_stopped', 1_700_000_009_000);
    expect(closing.find((h) => h.message.ruleId === 'keep')?.message.id).toBe(started.get('keep'));
  });

  it('treats moved geometry as a changed rule, and refuses a plan of another camera', () => {
    const { engine } = engineFor({ zones: [{ id: 'z', points: LEFT }], rules: [rule('r', 'z')] });
    for (let i = 0; i < 4; i++) frame(engine);
    const ended = engine.replace(plan({ zones: [{ id: 'z', points: RIGHT }], rules: [rule('r', 'z')] }), 1_700_000_002_000);
    expect(ended.map((h) => h.message.endReason)).toEqual(['rule_changed']);
    expect(engine.overlay.zones[0]?.points).toEqual(RIGHT);
    const other = planCameraRules(parseConfig(CameraRulesConfig, { id: 'cam-2', models: ['coco'] }, 'test'), LABELS);
    expect(() => engine.replace(other, 0)).toThrow(/cam-2/);
  });
});

describe('live rule changes on a running pipeline', () => {
  const W = 160;
  const H = 90;
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  /** Endless frames, 20 ms apart, until stopped; counts starts so a test can see capture was not restarted. */
  function endlessSource(): CameraSource & { starts: number } {
    let seq = 0;
    let stopped = false;
    const src = {
      starts: 0,
      start() {
        src.starts += 1;
      },
      async stop() {
        stopped = true;
      },
      async next(): Promise<Frame | undefined> {
        await new Promise((r) => setTimeout(r, 20));
        if (stopped) return undefined;
        const data = Buffer.alloc(W * H * 3, (seq * 13) % 200);
        return { cameraId: 'cam-1', seq: seq++, capturedAt: Date.now(), width: W, height: H, data };
      },
      status: () => ({ state: 'streaming' as const, since: 0, captureFps: 50, droppedFrames: 0, restarts: 0 }),
    };
    return src;
  }

  async function start(): Promise<{ pipeline: Pipeline; sync: RulesSync; store: AppliedRulesStore; messages: EventMessage[]; source: ReturnType<typeof endlessSource>; dir: string }> {
    const tmp = tempDir('rules-swap');
    cleanups.push(() => tmp.remove());
    const outbox: Outbox = openSqliteOutbox(tmp.dir);
    cleanups.push(() => outbox.close());
    const person: Detection = { label: 'person', score: 0.9, box: personBox };
    const detector: DetectorWithInput = Object.assign(createFakeDetector({ modelId: 'coco', labels: ['person', 'car'], script: () => [person] }), { inputWidth: 64, inputHeight: 64 });
    const source = endlessSource();
    const uplink: UplinkPort = { start() {}, notify() {}, async sendHeartbeat() {}, async stop() {} };
    const config = parseEdgeConfig(
      {
        dataDir: tmp.dir,
        cloud: { token: 't' },
        cameras: [
          {
            id: 'cam-1',
            name: 'Test',
            url: 'rtsp://127.0.0.1/x',
            detect: { width: W, height: H, fps: 5 },
            models: ['coco'],
            motion: { enabled: false },
            record: { enabled: false },
            health: { enabled: false },
            zones: [{ id: 'left', points: LEFT }],
            rules: [{ id: 'yaml-left', type: 'intrusion', zones: ['left'], confirmFrames: 2 }],
          },
        ],
      },
      'test',
      { env: {} },
    );
    const pipeline = await startPipeline(config, { createSource: () => source, createDetector: async () => detector, outbox, uplink, logger: testLogger('pipe'), version: 'test' });
    cleanups.push(() => pipeline.stop());
    const messages: EventMessage[] = [];
    pipeline.onMessage((m) => messages.push(m));
    const store = new AppliedRulesStore(path.join(tmp.dir, 'rules'));
    const sync = new RulesSync({ pipeline, store, cameraIds: ['cam-1'], revisions: new Map(), edgeId: 'edge-1', jpegQuality: 80, logger: testLogger('sync') });
    return { pipeline, sync, store, messages, source, dir: tmp.dir };
  }

  it('applies a cloud revision between frames: the old rule ends, the new one fires, capture goes on, the revision is kept on disk', async () => {
    const { pipeline, sync, store, messages, source, dir } = await start();
    expect(sync.report()).toEqual({ edgeId: 'edge-1', cameras: [{ cameraId: 'cam-1', rules: expect.objectContaining({ rules: [expect.objectContaining({ id: 'yaml-left' })] }), classes: ['person', 'car'] }] });
    await waitFor('the config-file rule fires', () => messages.find((m) => m.ruleId === 'yaml-left' && m.phase === 'start'), 10_000, 20);

    const ack = await sync.apply({ cameraId: 'cam-1', revision: 1, rules: { zones: [{ id: 'l2', points: LEFT }], rules: [{ id: 'cloud-left', type: 'intrusion', zones: ['l2'], confirmFrames: 2 }] } });
    expect(ack).toEqual({ ok: true, revision: 1, ruleIds: ['cloud-left'] });
    expect(sync.revisionOf('cam-1')).toBe(1);
    expect(pipeline.cameraRules('cam-1')?.ruleIds).toEqual(['cloud-left']);
    expect(store.load('cam-1')).toMatchObject({ cameraId: 'cam-1', revision: 1, rules: { rules: [expect.objectContaining({ id: 'cloud-left', cooldownMs: 30_000 })] } });
    expect(existsSync(path.join(dir, 'rules', 'cam-1.json'))).toBe(true);

    await waitFor('the yaml rule event ended', () => messages.find((m) => m.ruleId === 'yaml-left' && m.phase === 'end'), 5000, 20);
    expect(messages.find((m) => m.ruleId === 'yaml-left' && m.phase === 'end')?.endReason).toBe('rule_removed');
    const cloudStart = await waitFor('the cloud rule fires', () => messages.find((m) => m.ruleId === 'cloud-left' && m.phase === 'start'), 10_000, 20);
    expect(cloudStart.zoneId).toBe('l2');
    expect(source.starts).toBe(1);
    expect(sync.report().cameras[0]?.revision).toBe(1);

    // A resend of the running revision changes nothing.
    expect(await sync.apply({ cameraId: 'cam-1', revision: 1, rules: { rules: [] } })).toEqual({ ok: true, revision: 1, ruleIds: ['cloud-left'] });
    expect(pipeline.cameraRules('cam-1')?.ruleIds).toEqual(['cloud-left']);
  });

  it('refuses what the config load would refuse, with key paths, and keeps running the previous revision', async () => {
    const { pipeline, sync, dir } = await start();
    const file = path.join(dir, 'rules', 'cam-1.json');
    expect((await sync.apply({ cameraId: 'cam-1', revision: 4, rules: { rules: [{ id: 'a', type: 'intrusion' }] } })).ok).toBe(true);
    const saved = readFileSync(file, 'utf8');

    const refusals = [
      [{ rules: [{ id: 'rats', type: 'class_present', classes: ['rodent'] }] }, 'rules[0].classes[0]'],
      [{ zones: [{ id: 'z', points: [[0, 0], [1, 1]] }] }, 'zones[0].points'],
      [{ rules: [{ id: 'a', type: 'intrusion', zone: ['x'] }] }, 'rules[0].zone'],
      [{ rules: [{ id: 'a', type: 'intrusion', zones: ['nowhere'] }] }, 'rules[0].zones[0]'],
      [{ scene: 'kitchen', disabledRules: ['no-such-rule'] }, 'disabledRules[0]'],
    ] as const;
    for (const [rules, pathText] of refusals) {
      const ack = await sync.apply({ cameraId: 'cam-1', revision: 5, rules });
      expect(ack.ok, JSON.stringify(rules)).toBe(false);
      if (ack.ok) continue;
      expect(ack.error.code).toBe('BAD_REQUEST');
      expect(ack.problems?.map((p) => p.path)).toContain(pathText);
      expect(ack.error.message).toContain(pathText);
    }
    expect(sync.revisionOf('cam-1')).toBe(4);
    expect(pipeline.cameraRules('cam-1')?.ruleIds).toEqual(['a']);
    expect(readFileSync(file, 'utf8')).toBe(saved);

    expect(await sync.apply({ cameraId: 'cam-9', revision: 5, rules: {} })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(await sync.apply({ cameraId: 'cam-1', revision: 0, rules: {} })).toMatchObject({ ok: false, error: { code: 'BAD_MESSAGE' } });
    expect(await sync.apply('nonsense')).toMatchObject({ ok: false, error: { code: 'BAD_MESSAGE' } });
  });

  it('answers a current picture of the camera as JPEG', async () => {
    const { sync } = await start();
    expect(await sync.snapshot({ cameraId: 'cam-9' })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(await sync.snapshot({})).toMatchObject({ ok: false, error: { code: 'BAD_MESSAGE' } });
    const ack = await waitFor('a snapshot', async () => {
      const a = await sync.snapshot({ cameraId: 'cam-1' });
      return a.ok ? a : undefined;
    }, 5000, 20);
    expect(ack.capturedAt).toBeGreaterThan(Date.now() - 10_000);
    const meta = await sharp(Buffer.from(ack.jpeg)).metadata();
    expect(meta).toMatchObject({ format: 'jpeg', width: W, height: H });
  });
});

describe('AppliedRulesStore', () => {
  it('round-trips a revision, has none for a new camera, and refuses a damaged file', () => {
    const tmp = tempDir('rules-store');
    try {
      const store = new AppliedRulesStore(path.join(tmp.dir, 'rules'));
      expect(store.load('cam-1')).toBeUndefined();
      const record = { cameraId: 'cam-1', revision: 3, appliedAt: 1_700_000_000_000, rules: { scene: 'none' as const, zones: [], lines: [], masks: [], rules: [], disabledRules: [] } };
      store.save(record);
      expect(store.load('cam-1')).toEqual(record);
      writeFileSync(path.join(tmp.dir, 'rules', 'cam-2.json'), JSON.stringify({ ...record, cameraId: 'cam-2', revision: 'x' }));
      expect(() => store.load('cam-2')).toThrow(/revision/);
      writeFileSync(path.join(tmp.dir, 'rules', 'cam-3.json'), JSON.stringify(record));
      expect(() => store.load('cam-3')).toThrow(/camera cam-1/);
      store.remove('cam-1');
      expect(store.load('cam-1')).toBeUndefined();
    } finally {
      tmp.remove();
    }
  });
});
