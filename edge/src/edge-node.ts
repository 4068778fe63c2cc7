import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { modelsDir as defaultModelsDir } from '../../common/env.js';
import type { ModelManifest } from '../../models/manifest.js';
import { CameraCapture, LatestFrameSlot } from './capture/index.js';
import type { CameraConfig, EdgeConfig } from './config.js';
import { checkConfigModels, resolveConfigRules } from './config-models.js';
import { ConfigError } from '../../common/config-loader.js';
import { planCameraRules } from './rules/index.js';
import { AppliedRulesStore, attachRulesCommands, RulesSync, sendRulesReport } from './rules-sync/index.js';
import { createWorkerDetector } from './detect/worker-detector.js';
import { openSqliteOutbox, type Outbox } from './outbox/index.js';
import { startPipeline, type CameraSource, type Pipeline } from './pipeline.js';
import type { Frame } from './types.js';
import { SocketUplink } from './uplink/index.js';
import { SegmentRecorder } from './recorder/index.js';
import { attachRelayCommands, createRelayController } from './relay/index.js';
import { attachRecordingCommands, createRecordingService } from './archive/index.js';
import { BYTE_TRACKER_DEFAULTS } from './track/index.js';

export const EDGE_VERSION = '0.1.0';

/** The tracker's low-score association threshold (ByteTrack's second stage); see track/byte-tracker.ts. */
const TRACKER_LOW_SCORE = BYTE_TRACKER_DEFAULTS.lowThreshold;

export interface EdgeNode {
  readonly pipeline: Pipeline;
  readonly outbox: Outbox;
  readonly uplink: SocketUplink;
  /** Camera rules managed in the cloud: revisions, apply, snapshots. */
  readonly rulesSync: RulesSync;
  stop(): Promise<void>;
}

/** The capture stage of one camera as the pipeline sees it: ffmpeg into a latest-frame-wins slot. */
export function ffmpegSource(camera: CameraConfig, logger: Logger): CameraSource {
  // Frames the slot drops go back to the capture's buffer pool; no frame flows before `capture` exists.
  const slot = new LatestFrameSlot<Frame>((dropped) => capture.release(dropped));
  const capture = new CameraCapture({
    cameraId: camera.id,
    url: camera.url,
    rtspTransport: camera.transport,
    width: camera.detect.width,
    height: camera.detect.height,
    fps: camera.detect.fps,
    stallTimeoutMs: camera.stallTimeoutMs,
    sink: slot,
    logger: logger.child({ camera: camera.id, stage: 'capture' }),
  });
  return {
    start: () => capture.start(),
    async stop() {
      await capture.stop();
      slot.close();
    },
    next: () => slot.take(),
    release: (frame) => capture.release(frame),
    status() {
      const st = capture.status();
      const stats = capture.stats();
      return {
        state: st.state,
        ...(st.reason !== undefined ? { reason: st.reason } : {}),
        since: st.since,
        captureFps: stats.captureFps,
        droppedFrames: stats.droppedFrames,
        restarts: stats.restarts,
        ...(stats.lastFrameAt !== undefined ? { lastFrameAt: stats.lastFrameAt } : {}),
      };
    },
  };
}

/**
 * Builds and starts a whole edge from its config: checks models against rules, opens the outbox,
 * loads the detectors, starts one capture per camera and the uplink. Takes everything as arguments so
 * a test can run an edge and a cloud in one process.
 */
export async function startEdgeNode(fileConfig: EdgeConfig, logger: Logger): Promise<EdgeNode> {
  const manifests: Map<string, ModelManifest> = checkConfigModels(fileConfig);
  const rulesStore = new AppliedRulesStore(path.join(fileConfig.dataDir, 'rules'));
  const { config, revisions } = withCloudRules(fileConfig, manifests, rulesStore, logger);
  const resolved = resolveConfigRules(config, manifests);
  const weightsDir = config.models.dir || defaultModelsDir();
  mkdirSync(config.dataDir, { recursive: true });
  const outbox = openSqliteOutbox(config.dataDir, { maxBytes: config.outbox.maxBytes });
  // Set once the pipeline runs; the hello and the rules report read the rules it runs now.
  const running: { pipeline?: Pipeline; rulesSync?: RulesSync } = {};
  const uplink = new SocketUplink({
    cloudUrl: config.cloud.url,
    edgeId: config.edgeId,
    token: config.cloud.token,
    outbox,
    hello: () => ({
      edgeId: config.edgeId,
      version: EDGE_VERSION,
      cameras: config.cameras.map((c) => ({
        id: c.id,
        name: c.name,
        rules: [...(running.pipeline?.cameraRules(c.id)?.ruleIds ?? (resolved.get(c.id)?.rules ?? []).map((r) => r.config.id))],
      })),
    }),
    onReady: () => {
      if (running.rulesSync) void sendRulesReport(uplink.commands, running.rulesSync, config.cloud.ackTimeoutMs, logger.child({ stage: 'rules-sync' }));
    },
    ackTimeoutMs: config.cloud.ackTimeoutMs,
    retryMaxMs: config.cloud.retryMaxMs,
    logger: logger.child({ stage: 'uplink' }),
  });
  // The recorders by camera, for playback of recorded ranges (the pipeline uses them for clips).
  const recorders = new Map<string, SegmentRecorder>();
  let pipeline: Pipeline;
  try {
    pipeline = await startPipeline(config, {
      createSource: (camera) => ffmpegSource(camera, logger),
      createDetector: async (modelId) => {
        const manifest = manifests.get(modelId);
        if (!manifest) throw new Error(`model ${modelId} was not checked at config load`);
        // In a worker thread: onnxruntime-node's run() blocks its thread for the whole inference.
        const detector = await createWorkerDetector({
          manifest,
          modelsDir: weightsDir,
          intraOpThreads: config.models.intraOpThreads,
          // Low-score boxes feed the tracker's second association stage; rules apply their own minScore.
          scoreThreshold: Math.min(TRACKER_LOW_SCORE, manifest.scoreThreshold),
          logger: logger.child({ stage: 'detect', model: modelId }),
        });
        logger.info({ model: modelId, warmupMs: Math.round(detector.warmupMs) }, 'detector ready');
        return detector;
      },
      createRecorder: (camera) => {
        const recorder = new SegmentRecorder({
          cameraId: camera.id,
          url: camera.record.url || camera.url,
          rtspTransport: camera.transport,
          // Absolute: the concat playlists that assemble clips refuse relative segment paths.
          dir: path.resolve(config.dataDir, 'segments', camera.id),
          segmentSeconds: camera.record.segmentSeconds,
          bufferSeconds: camera.record.bufferSeconds,
          mode: camera.record.mode,
          retainMs: Math.round(camera.record.retentionDays * 24 * 3600 * 1000),
          // The recording quota covers the buffer too; without recording the buffer has its own.
          maxBytes: camera.record.mode === 'off' ? camera.record.maxBytes : camera.record.quotaBytes,
          maxClipSeconds: camera.record.maxClipSeconds,
          logger: logger.child({ camera: camera.id, stage: 'recorder' }),
        });
        recorders.set(camera.id, recorder);
        return recorder;
      },
      outbox,
      uplink,
      logger,
      version: EDGE_VERSION,
    });
  } catch (err) {
    outbox.close();
    throw err;
  }
  // Live view: the cloud asks over the uplink's connection; the main (record) stream is pushed as is.
  const relay = createRelayController({
    edgeId: config.edgeId,
    logger: logger.child({ stage: 'relay' }),
    cameras: config.cameras.map((c) => ({ id: c.id, url: c.record.url || c.url, transport: c.transport, allowTranscode: c.live.allowTranscode })),
  });
  const detachRelay = attachRelayCommands(uplink.commands, relay);
  // Playback: the cloud asks for a camera's recorded range; the file goes up over HTTP like evidence.
  const playback = createRecordingService({
    recorderOf: (id) => recorders.get(id),
    workDir: path.resolve(config.dataDir, 'playback'),
    upload: { cloudUrl: config.cloud.url, edgeId: config.edgeId, token: config.cloud.token },
    logger,
  });
  mkdirSync(path.resolve(config.dataDir, 'playback'), { recursive: true });
  const detachPlayback = attachRecordingCommands(uplink.commands, playback);
  const rulesSync = new RulesSync({
    pipeline,
    store: rulesStore,
    cameraIds: config.cameras.filter((c) => c.enabled).map((c) => c.id),
    revisions,
    edgeId: config.edgeId,
    jpegQuality: config.evidence.jpegQuality,
    logger: logger.child({ stage: 'rules-sync' }),
  });
  Object.assign(running, { pipeline, rulesSync });
  const detachRules = attachRulesCommands(uplink.commands, rulesSync);
  // The uplink may have said hello before the pipeline was up: report now; a later hello reports again.
  if (uplink.getStats().connected) void sendRulesReport(uplink.commands, rulesSync, config.cloud.ackTimeoutMs, logger.child({ stage: 'rules-sync' }));
  return {
    pipeline,
    outbox,
    uplink,
    rulesSync,
    async stop() {
      detachRules();
      detachRelay();
      detachPlayback();
      await Promise.all([relay.stop(), playback.stop()]);
      await pipeline.stop();
      outbox.close();
    },
  };
}

/**
 * The config with each camera's scene keys replaced by the cloud revision kept on disk, if any: a
 * restarted edge runs what the cloud last applied, not the config file's rules. A kept revision the
 * camera can no longer run (its models changed in the config file) is ignored with a warning; the
 * cloud is told at the next report and sends its revision again, which the edge then refuses with the
 * reason. The config file's rules apply while no cloud revision exists.
 */
function withCloudRules(
  config: EdgeConfig,
  manifests: ReadonlyMap<string, ModelManifest>,
  store: AppliedRulesStore,
  logger: Logger,
): { config: EdgeConfig; revisions: Map<string, number> } {
  const labels = new Map([...manifests].map(([id, m]) => [id, m.labels] as const));
  const revisions = new Map<string, number>();
  const cameras = config.cameras.map((camera) => {
    try {
      const kept = store.load(camera.id);
      if (!kept) return camera;
      const effective = { ...camera, ...kept.rules };
      planCameraRules(effective, labels);
      revisions.set(camera.id, kept.revision);
      logger.info({ camera: camera.id, revision: kept.revision }, 'running the cloud revision of the camera rules');
      return effective;
    } catch (err) {
      const reason = err instanceof ConfigError ? err.problems.map((p) => `${p.path}: ${p.message}`).join('; ') : (err as Error).message;
      logger.warn({ camera: camera.id, reason }, 'kept cloud rules cannot run; using the config file rules');
      return camera;
    }
  });
  return { config: { ...config, cameras }, revisions };
}
