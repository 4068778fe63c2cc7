import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { parseEdgeConfig } from '../../edge/src/config.js';
import { FramePool } from '../../edge/src/capture/index.js';
import { createFakeDetector } from '../../edge/src/detect/index.js';
import { openSqliteOutbox, type Outbox } from '../../edge/src/outbox/index.js';
import { startPipeline, type CameraSource, type UplinkPort } from '../../edge/src/pipeline.js';
import type { Detection, EventMessage, Heartbeat } from '../../protocol/index.js';
import type { DetectorWithInput, Frame } from '../../edge/src/types.js';
import { tempDir, testLogger, waitFor } from '../support/harness.js';

/**
 * The pipeline's wiring, with fakes at the stage interfaces: a scripted frame source, scripted detectors,
 * a recording uplink; the outbox is the real SQLite one.
 */
const W = 160;
const H = 90;

/** Frames from a script: `moving(seq)` decides whether a bright square moves (motion) or the picture is still. */
function scriptedSource(cameraId: string, frames: number, moving: (seq: number) => boolean): CameraSource & { served: number } {
  let seq = 0;
  let stopped = false;
  const src = {
    served: 0,
    start() {},
    async stop() {
      stopped = true;
    },
    async next(): Promise<Frame | undefined> {
      if (stopped || seq >= frames) {
        await new Promise((r) => setTimeout(r, 20));
        return undefined;
      }
      const data = Buffer.alloc(W * H * 3, 60);
      const x = moving(seq) ? (seq * 7) % (W - 20) : 10;
      for (let y = 30; y < 50; y++) data.fill(240, (y * W + x) * 3, (y * W + x + 20) * 3);
      src.served += 1;
      // 200 ms apart, as at 5 fps.
      return { cameraId, seq: seq++, capturedAt: 1_700_000_000_000 + seq * 200, width: W, height: H, data };
    },
    status: () => ({ state: 'streaming' as const, since: 0, captureFps: 5, droppedFrames: 0, restarts: 0 }),
  };
  return src;
}

const person: Detection = { label: 'person', score: 0.9, box: { x: 0.3, y: 0.2, w: 0.15, h: 0.5 } };
const helmet: Detection = { label: 'helmet', score: 0.8, box: { x: 0.32, y: 0.2, w: 0.1, h: 0.1 } };

function withInput(d: ReturnType<typeof createFakeDetector>): DetectorWithInput & { readonly frames: readonly Frame[] } {
  return Object.assign(d, { inputWidth: 64, inputHeight: 64 });
}

const uplink = (): UplinkPort & { heartbeats: Heartbeat[] } => {
  const heartbeats: Heartbeat[] = [];
  return { heartbeats, start() {}, notify() {}, async sendHeartbeat(hb) { heartbeats.push(hb); }, async stop() {} };
};

describe('edge pipeline wiring', () => {
  const dirs: { remove(): void }[] = [];
  let outbox: Outbox | undefined;
  afterEach(() => {
    outbox?.close();
    outbox = undefined;
    dirs.splice(0).forEach((d) => d.remove());
  });

  function config(dataDir: string, motion: boolean, framesInFlight = 2) {
    return parseEdgeConfig(
      {
        dataDir,
        cloud: { token: 'test-token', heartbeatIntervalMs: 500 },
        cameras: [
          {
            id: 'cam-1',
            name: 'Test',
            url: 'rtsp://127.0.0.1/x',
            detect: { width: W, height: H, fps: 5, framesInFlight },
            models: ['coco', 'ppe'],
            motion: { enabled: motion, redetectIntervalMs: 100_000, redetectMaxIntervalMs: 100_000 },
            record: { enabled: false },
            health: { enabled: false },
            rules: [
              { id: 'people', type: 'class_present', classes: ['person'], confirmFrames: 2 },
              { id: 'helmets', type: 'class_present', classes: ['helmet'], confirmFrames: 2 },
            ],
          },
        ],
      },
      'test',
      { env: {} },
    );
  }

  /**
   * Starts the pipeline on a fresh data directory and a real outbox: one camera fed by `source`, its
   * models `coco` and `ppe` (by default one that finds nothing); every message is recorded.
   */
  async function start(o: { source: CameraSource; coco: DetectorWithInput; ppe?: DetectorWithInput; motion?: boolean; framesInFlight?: number; up?: UplinkPort }) {
    const tmp = tempDir('pipe');
    dirs.push(tmp);
    const box = openSqliteOutbox(tmp.dir);
    outbox = box;
    const ppe = o.ppe ?? withInput(createFakeDetector({ modelId: 'ppe', labels: ['helmet'], script: () => [] }));
    const pipeline = await startPipeline(config(tmp.dir, o.motion ?? false, o.framesInFlight), {
      createSource: () => o.source,
      createDetector: async (id) => (id === 'coco' ? o.coco : ppe),
      outbox: box,
      uplink: o.up ?? uplink(),
      logger: testLogger('pipe'),
      version: 'test',
    });
    const messages: EventMessage[] = [];
    pipeline.onMessage((m) => messages.push(m));
    return { pipeline, messages, outbox: box };
  }

  it('runs every model of a camera on the same frame, merges them, and writes events with snapshots to the outbox', async () => {
    const coco = withInput(createFakeDetector({ modelId: 'coco', labels: ['person'], script: () => [person] }));
    const ppe = withInput(createFakeDetector({ modelId: 'ppe', labels: ['helmet'], script: () => [helmet] }));
    const { pipeline, messages, outbox } = await start({ source: scriptedSource('cam-1', 8, () => true), coco, ppe });
    await waitFor('all frames analysed', () => (coco.frames.length === 8 && ppe.frames.length === 8 ? true : undefined), 5000);
    // Same frames went to both models.
    expect(coco.frames.map((f) => f.seq)).toEqual(ppe.frames.map((f) => f.seq));
    await waitFor('a start event', () => messages.find((m) => m.phase === 'start'), 5000);
    await pipeline.stop();

    const opened = messages.find((m) => m.phase === 'start' && m.ruleId === 'people');
    expect(opened).toMatchObject({ edgeId: 'edge-1', cameraId: 'cam-1', ruleId: 'people', label: 'person' });
    expect(opened?.snapshot?.width).toBe(W);
    expect(opened?.thumbnail).toBeDefined();
    // The stop closed the open event, in order after its start.
    const mine = messages.filter((m) => m.id === opened?.id);
    expect(mine.at(-1)).toMatchObject({ phase: 'end', endReason: 'edge_stopped' });
    expect(mine.map((m) => m.seq)).toEqual([...mine.keys()]);
    // Everything is durable in the outbox, evidence included.
    expect(outbox.size()).toBe(messages.length);
    expect(outbox.peek()?.evidence.map((e) => e.sha256)).toEqual(expect.arrayContaining([messages[0]?.snapshot?.sha256, messages[0]?.thumbnail?.sha256]));
    // The detections of both models reached the rules: each model's class opened its own event.
    expect(new Set(messages.filter((m) => m.phase === 'start').map((m) => `${m.ruleId}:${m.label}`))).toEqual(new Set(['people:person', 'helmets:helmet']));
  });

  it('skips detection on a still picture when motion gating is on, and reports it in the status', async () => {
    const coco = withInput(createFakeDetector({ modelId: 'coco', labels: ['person'], script: () => [] }));
    // 30 still frames, then 10 with a moving square.
    const source = scriptedSource('cam-1', 40, (seq) => seq >= 30);
    const up = uplink();
    const { pipeline } = await start({ source, coco, motion: true, up });
    await waitFor('all frames served', () => (source.served === 40 ? true : undefined), 5000);
    await new Promise((r) => setTimeout(r, 100));
    const still = coco.frames.filter((f) => f.seq < 30).length;
    const moving = coco.frames.filter((f) => f.seq >= 30).length;
    // The first frame primes the gate; after it the still picture is not detected until it moves.
    expect(still).toBeLessThanOrEqual(2);
    expect(moving).toBeGreaterThanOrEqual(8);
    await waitFor('a heartbeat', () => up.heartbeats.at(-1), 3000);
    expect(up.heartbeats.at(-1)?.cameras[0]).toMatchObject({ cameraId: 'cam-1', state: 'streaming' });
    await pipeline.stop();
  });

  it('reuses frame buffers once the pipeline is past them, but never the frame an open event keeps for its snapshot', async () => {
    // Each frame is one flat grey level, (seq × 9) mod 256, so a picture tells which frame it came from.
    const level = (seq: number) => (seq * 9) % 256;
    const pool = new FramePool(W * H * 3, 2);
    const served: Frame[] = [];
    let seq = 0;
    const source: CameraSource = {
      start() {},
      async stop() {},
      async next() {
        await new Promise((r) => setTimeout(r, 5));
        if (seq >= 20) return undefined;
        const data = pool.acquire();
        data.fill(level(seq));
        const f: Frame = { cameraId: 'cam-1', seq, capturedAt: 1_700_000_000_000 + seq * 200, width: W, height: H, data, lease: pool.lease(data) };
        seq += 1;
        served.push(f);
        return f;
      },
      release: (f) => pool.release(f),
      status: () => ({ state: 'streaming' as const, since: 0, captureFps: 5, droppedFrames: 0, restarts: 0 }),
    };
    // What each model saw, read while it ran: a recycled buffer would show another frame's level.
    const seen: [number, number][] = [];
    const coco = withInput(
      createFakeDetector({
        modelId: 'coco',
        labels: ['person'],
        // The picture is read after a delay, when the pipeline has already taken the next frame (two in flight).
        delayMs: 10,
        script: (f) => {
          seen.push([f.seq, f.data[0] as number]);
          // The person's score rises to frame 5 and falls after: frame 5 is the best, the event's snapshot.
          return [{ ...person, score: 0.9 - Math.abs(f.seq - 5) * 0.02 }];
        },
      }),
    );
    const { pipeline, messages, outbox } = await start({ source, coco });
    await waitFor('all frames analysed', () => (seen.length === 20 ? true : undefined), 5000);
    await pipeline.stop();

    expect(seen).toEqual(served.map((f) => [f.seq, level(f.seq)]));
    // Buffers went round: far fewer distinct buffers than frames.
    const buffers = new Set(served.map((f) => f.data));
    expect(buffers.size).toBeLessThan(10);
    // Frames kept as an event's best frame never had their buffer handed out again.
    const kept = served.filter((f) => f.lease?.kept);
    expect(kept.map((f) => f.seq)).toEqual(expect.arrayContaining([1, 5]));
    for (const k of kept) expect(served.filter((f) => f.seq > k.seq && f.data === k.data).map((f) => f.seq)).toEqual([]);
    // The stored snapshot of the event is the picture of its best frame, frame 5, not a later one.
    const end = messages.find((m) => m.ruleId === 'people' && m.phase === 'end');
    expect(end?.snapshot).toBeDefined();
    const jpeg = readFileSync(outbox.evidencePath(end?.snapshot?.sha256 ?? ''));
    const corner = await sharp(jpeg).extract({ left: 0, top: 0, width: 10, height: 10 }).greyscale().raw().toBuffer();
    const mean = corner.reduce((a, b) => a + b, 0) / corner.length;
    expect(Math.abs(mean - level(5))).toBeLessThan(4);
  });

  it.each([1, 2])('with framesInFlight %i, detects that many frames of a camera at once and finishes them in frame order', async (framesInFlight) => {
    const slow = withInput(createFakeDetector({ modelId: 'coco', labels: ['person'], delayMs: 15, script: (f) => (f.seq >= 3 && f.seq < 12 ? [person] : []) }));
    let active = 0;
    let mostActive = 0;
    const coco: DetectorWithInput = {
      ...slow,
      async detect(frame) {
        active += 1;
        mostActive = Math.max(mostActive, active);
        try {
          return await slow.detect(frame);
        } finally {
          active -= 1;
        }
      },
    };
    const { pipeline, messages } = await start({ source: scriptedSource('cam-1', 20, () => true), coco, framesInFlight });
    await waitFor('all frames analysed', () => (pipeline.latestFrame('cam-1')?.seq === 19 ? true : undefined), 5000);
    await pipeline.stop();

    expect(mostActive).toBe(framesInFlight);
    expect(slow.frames.map((f) => f.seq)).toEqual([...Array(20).keys()]);
    // The rules saw the frames in order: the event opened on the second frame with a person (confirmFrames
    // 2) and was cleared after five frames without one (clearFrames' default), before the stop.
    const people = messages.filter((m) => m.ruleId === 'people');
    expect(people.map((m) => m.phase)).toEqual(['start', 'end']);
    expect(people[0]?.startedAt).toBe(1_700_000_000_000 + 5 * 200);
    expect(people[1]?.endReason).toBe('cleared');
  });
});
