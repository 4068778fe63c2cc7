import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { modelsDir as defaultModelsDir } from '../../common/env.js';
import type { ModelManifest } from '../../models/manifest.js';
import { CameraCapture, LatestFrameSlot } from './capture/index.js';
import type { CameraConfig, EdgeConfig } from './config.js';
import { checkConfigModels, resolveConfigRules } from './config-models.js';
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
  stop(): Promise<void>;
}

/** The capture stage of one camera as the pipeline sees it: ffmpeg into a latest-frame-wins slot. */
export function ffmpegSource(camera: CameraConfig, logger: Logger): CameraSource {
  const slot = new LatestFrameSlot<Frame>();
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
export async function startEdgeNode(config: EdgeConfig, logger: Logger): Promise<EdgeNode> {
  const manifests: Map<string, ModelManifest> = checkConfigModels(config);
  const resolved = resolveConfigRules(config, manifests);
  const weightsDir = config.models.dir || defaultModelsDir();
  mkdirSync(config.dataDir, { recursive: true });
  const outbox = openSqliteOutbox(config.dataDir, { maxBytes: config.outbox.maxBytes });
  const uplink = new SocketUplink({
    cloudUrl: config.cloud.url,
    edgeId: config.edgeId,
    token: config.cloud.token,
    outbox,
    hello: () => ({
      edgeId: config.edgeId,
      version: EDGE_VERSION,
      cameras: config.cameras.map((c) => ({ id: c.id, name: c.name, rules: (resolved.get(c.id)?.rules ?? []).map((r) => r.config.id) })),
    }),
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
  return {
    pipeline,
    outbox,
    uplink,
    async stop() {
      detachRelay();
      detachPlayback();
      await Promise.all([relay.stop(), playback.stop()]);
      await pipeline.stop();
      outbox.close();
    },
  };
}
