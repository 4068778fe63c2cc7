import type { Logger } from 'pino';
import type { CameraStatus, EventMessage, Heartbeat, SnapshotRef } from '../../protocol/index.js';
import type { CameraConfig, EdgeConfig } from './config.js';
import { renderSnapshot } from './evidence/index.js';
import type { Outbox } from './outbox/index.js';
import { createRuleEngine, planCameraRules, type RuleEngine, type RuleHit } from './rules/index.js';
import { ByteTracker } from './track/index.js';
import { RateMeter } from './capture/rate-meter.js';
import { RecentSamples } from './recent-samples.js';
import type { Detections, Detector, Frame } from './types.js';

/** What the pipeline needs of a camera's capture stage. */
export interface CameraSource {
  start(): void;
  stop(): Promise<void>;
  /** The newest frame not yet analysed (waits for one); undefined once the source is stopped. */
  next(): Promise<Frame | undefined>;
  /** Capture-side fields of the camera status. */
  status(): Pick<CameraStatus, 'state' | 'reason' | 'since' | 'captureFps' | 'droppedFrames' | 'restarts' | 'lastFrameAt'>;
}

/** What the pipeline needs of the uplink. */
export interface UplinkPort {
  start(): void;
  notify(): void;
  sendHeartbeat(hb: Heartbeat): Promise<void>;
  stop(): Promise<void>;
}

export interface PipelineDeps {
  createSource(camera: CameraConfig): CameraSource;
  /** One detector per model id, shared by the cameras that use it (its runs are serialised). */
  createDetector(modelId: string): Promise<Detector>;
  outbox: Outbox;
  uplink: UplinkPort;
  logger: Logger;
  version: string;
}

export interface Pipeline {
  status(): CameraStatus[];
  /** Called with every message written to the outbox (for the demo console and tests). */
  onMessage(listener: (msg: EventMessage) => void): void;
  stop(): Promise<void>;
}

interface CameraRun {
  camera: CameraConfig;
  source: CameraSource;
  detectors: Detector[];
  tracker: ByteTracker;
  rules: RuleEngine;
  analysed: RateMeter;
  inference: RecentSamples;
  loop: Promise<void>;
}

/**
 * Wires the edge stages for all cameras: capture → (latest frame wins) → detect → rules → evidence →
 * outbox → uplink. Each camera has its own loop with at most one frame in detection, so a slow or
 * failing camera costs the others nothing, and the shared detector's FIFO of at most one request per
 * camera gives every camera a fair turn.
 */
export async function startPipeline(config: EdgeConfig, deps: PipelineDeps): Promise<Pipeline> {
  const { logger, outbox, uplink } = deps;
  const listeners: ((msg: EventMessage) => void)[] = [];
  const snapshots = new Map<string, SnapshotRef>();
  let stopping = false;

  const detectors = new Map<string, Promise<Detector>>();
  const detectorFor = (modelId: string) => {
    let d = detectors.get(modelId);
    if (!d) {
      d = deps.createDetector(modelId);
      detectors.set(modelId, d);
    }
    return d;
  };

  // Rule hits are written in order per camera; the evidence is rendered before its message is queued.
  async function emit(hit: RuleHit): Promise<void> {
    const m = hit.message;
    let evidence: { data: Buffer; contentType: string } | undefined;
    if (hit.snapshotFrame) {
      const snap = await renderSnapshot(hit.snapshotFrame, hit.snapshotDetections ?? m.detections, config.evidence.jpegQuality, hit.overlay);
      snapshots.set(m.id, snap.ref);
      evidence = { data: snap.jpeg, contentType: snap.ref.contentType };
    }
    const snapshot = snapshots.get(m.id);
    const message: EventMessage = { ...m, edgeId: config.edgeId, ...(snapshot ? { snapshot } : {}) };
    if (m.phase === 'end') snapshots.delete(m.id);
    outbox.enqueue(message, evidence);
    uplink.notify();
    for (const l of listeners) l(message);
  }

  async function runCamera(run: Omit<CameraRun, 'loop'>): Promise<void> {
    const log = logger.child({ camera: run.camera.id });
    for (;;) {
      const frame = await run.source.next();
      if (!frame || stopping) return;
      try {
        const detections = await detectAll(run.detectors, frame);
        run.analysed.mark(Date.now());
        run.inference.add(detections.inferenceMs);
        // The tracker's answer also carries the frame's detections with the trackId of their confirmed track.
        const tracks = run.tracker.update(detections);
        for (const hit of run.rules.process({ frame, detections: { ...detections, items: tracks.detections }, tracks })) await emit(hit);
      } catch (err) {
        // One bad frame or a failed write must not end the camera's analysis; the next frame retries.
        log.error({ err }, 'analysis of a frame failed');
      }
    }
  }

  const runs: CameraRun[] = [];
  for (const camera of config.cameras.filter((c) => c.enabled)) {
    const detectors = await Promise.all(camera.models.map((id) => detectorFor(id)));
    const plan = planCameraRules(camera, new Map(detectors.map((d) => [d.modelId, d.labels])));
    for (const s of plan.skipped) logger.warn({ camera: camera.id, rule: s.ruleId, reason: s.reason }, s.message);
    const source = deps.createSource(camera);
    const partial = {
      camera,
      source,
      detectors,
      tracker: new ByteTracker(),
      rules: createRuleEngine(plan),
      analysed: new RateMeter(),
      inference: new RecentSamples(),
    };
    source.start();
    runs.push({ ...partial, loop: runCamera(partial) });
  }

  function status(): CameraStatus[] {
    const now = Date.now();
    return runs.map((r) => {
      const s = r.source.status();
      const p50 = r.inference.percentile(50);
      const p95 = r.inference.percentile(95);
      return {
        cameraId: r.camera.id,
        ...s,
        analysedFps: r.analysed.rate(now),
        ...(p50 !== undefined ? { inferenceMsP50: p50 } : {}),
        ...(p95 !== undefined ? { inferenceMsP95: p95 } : {}),
      };
    });
  }

  uplink.start();
  const heartbeat = setInterval(() => {
    void uplink.sendHeartbeat({ edgeId: config.edgeId, at: Date.now(), cameras: status(), backlog: outbox.size() });
  }, config.cloud.heartbeatIntervalMs);
  heartbeat.unref();
  logger.info({ cameras: runs.map((r) => r.camera.id), version: deps.version }, 'edge pipeline started');

  return {
    status,
    onMessage(listener) {
      listeners.push(listener);
    },
    async stop() {
      stopping = true;
      clearInterval(heartbeat);
      await Promise.all(runs.map((r) => r.source.stop()));
      await Promise.all(runs.map((r) => r.loop));
      // Close open events so the cloud does not show them as running forever.
      const at = Date.now();
      for (const r of runs) for (const hit of r.rules.flush('edge_stopped', at)) await emit(hit);
      await uplink.stop();
      for (const d of detectors.values()) await (await d).close();
    },
  };
}

/** Runs every model of a camera on the frame and merges their detections (in model order). */
async function detectAll(detectors: readonly Detector[], frame: Frame): Promise<Detections> {
  const items: Detections['items'][number][] = [];
  let inferenceMs = 0;
  for (const d of detectors) {
    const r = await d.detect(frame);
    items.push(...r.items);
    inferenceMs += r.inferenceMs;
  }
  return { cameraId: frame.cameraId, frameSeq: frame.seq, capturedAt: frame.capturedAt, modelId: detectors.map((d) => d.modelId).join('+'), items, inferenceMs };
}
