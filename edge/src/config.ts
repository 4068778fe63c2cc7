import Type, { type Static } from 'typebox';
import { loadConfigFile, parseConfig, type ConfigProblem, type LoadOptions } from '../../common/config-loader.js';
import { Id } from '../../protocol/index.js';
import { SceneRulesFields } from './rules/index.js';

const obj = <P extends Parameters<typeof Type.Object>[0]>(props: P, description: string) =>
  Type.Object(props, { additionalProperties: false, description, default: {} });

// Rule schemas live with the rules; re-exported for code that imported them from here.
export { PresenceRuleConfig, RuleConfig } from './rules/index.js';

export const CameraConfig = Type.Object(
  {
    id: { ...Id, description: 'camera id, unique across the cloud' },
    name: Type.String({ minLength: 1, maxLength: 128, description: 'human name shown in the viewer' }),
    url: Type.String({ pattern: '^rtsps?://', description: 'RTSP URL of the detect stream; credentials are redacted in logs' }),
    transport: Type.Union([Type.Literal('tcp'), Type.Literal('udp')], { default: 'tcp', description: 'RTSP transport' }),
    enabled: Type.Boolean({ default: true, description: 'false keeps the camera configured but not captured' }),
    detect: obj(
      {
        width: Type.Integer({ minimum: 32, maximum: 3840, default: 768, description: 'decoded frame width (px)' }),
        height: Type.Integer({ minimum: 32, maximum: 2160, default: 432, description: 'decoded frame height (px)' }),
        fps: Type.Number({ exclusiveMinimum: 0, maximum: 30, default: 5, description: 'analysed frames per second' }),
        framesInFlight: Type.Integer({
          minimum: 1,
          maximum: 2,
          default: 2,
          description:
            'frames of this camera in analysis at once: with 2 the next frame is detected while the previous one is tracked and judged (more analysed fps per detector); 1 analyses each frame from the newest picture',
        }),
      },
      'decode settings of the frames handed to detection',
    ),
    stallTimeoutMs: Type.Integer({ minimum: 1000, default: 10_000, description: 'no frame for this long restarts ffmpeg' }),
    models: Type.Array(Type.String({ minLength: 1 }), {
      minItems: 1,
      maxItems: 4,
      default: ['coco-yolox-nano'],
      description: 'model manifest ids (models/<id>.yaml) run on every analysed frame; their detections are merged',
    }),
    motion: obj(
      {
        enabled: Type.Boolean({ default: true, description: 'run the detector only on motion (plus the periodic re-detect)' }),
        redetectIntervalMs: Type.Integer({
          minimum: 200,
          default: 2000,
          description: 'detect at least this often without motion, so stationary objects stay tracked and timers run',
        }),
        redetectMaxIntervalMs: Type.Integer({
          minimum: 200,
          default: 10_000,
          description: 'while nothing moves, the re-detect wait doubles from redetectIntervalMs up to this (motion resets it)',
        }),
        threshold: Type.Integer({ minimum: 1, maximum: 255, default: 25, description: 'grey-level change that counts as motion' }),
        minArea: Type.Number({ minimum: 0, maximum: 1, default: 0.001, description: 'smallest changed area (fraction of the frame)' }),
        mask: Type.Array(Type.Array(Type.Tuple([Type.Number({ minimum: 0, maximum: 1 }), Type.Number({ minimum: 0, maximum: 1 })]), { minItems: 3 }), {
          default: [],
          description: 'polygons (normalised [x, y] points) where motion is ignored: OSD clocks, trees, screens',
        }),
        crops: Type.Boolean({
          default: true,
          description: 'detect on crops around the motion regions when they cover little of the frame (pays off on large frames)',
        }),
      },
      'motion gating: the main CPU saver',
    ),
    health: obj(
      {
        enabled: Type.Boolean({ default: true, description: 'video quality diagnosis (black, frozen, blurred, covered, colour cast)' }),
        sampleIntervalMs: Type.Integer({ minimum: 100, default: 1000, description: 'how often a frame is analysed' }),
        raiseAfterMs: Type.Integer({ minimum: 0, default: 10_000, description: 'a condition must hold this long to be reported' }),
        clearAfterMs: Type.Integer({ minimum: 0, default: 10_000, description: 'and be gone this long to be cleared' }),
        frozenAfterMs: Type.Integer({ minimum: 0, default: 30_000, description: 'hold time before a still picture counts as frozen' }),
      },
      'video quality diagnosis (视频质量诊断)',
    ),
    record: obj(
      {
        enabled: Type.Boolean({ default: true, description: 'keep a rolling buffer of stream-copied segments for event clips' }),
        url: Type.String({ default: '', description: 'record stream (main stream); empty = the detect url' }),
        segmentSeconds: Type.Integer({ minimum: 1, maximum: 60, default: 2, description: 'segment length (cut on keyframes)' }),
        bufferSeconds: Type.Integer({ minimum: 10, default: 300, description: 'rolling buffer kept for pre-capture' }),
        maxBytes: Type.Integer({ minimum: 1_000_000, default: 512 * 1024 * 1024, description: 'disk quota of the buffer (mode off)' }),
        mode: Type.Union([Type.Literal('continuous'), Type.Literal('events'), Type.Literal('off')], {
          default: 'events',
          description:
            'recording kept beyond the rolling buffer for playback: continuous = every segment; events = only segments ' +
            'overlapping an event window (preSeconds before to postSeconds after); off = none (the buffer still makes clips)',
        }),
        retentionDays: Type.Number({
          exclusiveMinimum: 0,
          maximum: 3650,
          default: 7,
          description: 'recorded segments older than this are deleted (continuous and events modes)',
        }),
        quotaBytes: Type.Integer({
          minimum: 1_000_000,
          default: 20 * 1024 * 1024 * 1024,
          description:
            "disk quota of THIS camera's recording, rolling buffer included (continuous and events modes; replaces maxBytes). " +
            'Over it the oldest segments go first; segments backing event evidence not yet uploaded are never deleted',
        }),
        preSeconds: Type.Integer({ minimum: 0, maximum: 60, default: 5, description: 'clip seconds before the event starts' }),
        postSeconds: Type.Integer({ minimum: 0, maximum: 60, default: 5, description: 'clip seconds after it ends' }),
        maxClipSeconds: Type.Integer({ minimum: 5, maximum: 600, default: 120, description: 'longest clip; a longer event keeps its beginning' }),
      },
      'recording: segments for event clips (pre- and post-capture) and for playback of time ranges',
    ),
    live: obj(
      {
        allowTranscode: Type.Boolean({
          default: false,
          description: 're-encode to H.264 for live view when the camera sends H.265 (FLV cannot carry it); costs most of a core',
        }),
      },
      'live view through the cloud media server (pushed on demand, stream copy)',
    ),
    ...SceneRulesFields,
  },
  { additionalProperties: false },
);
export type CameraConfig = Static<typeof CameraConfig>;

export const EdgeConfig = Type.Object(
  {
    edgeId: { ...Id, default: 'edge-1', description: 'id of this edge, known to the cloud with its token' },
    dataDir: Type.String({ minLength: 1, default: './data/edge', description: 'outbox database and evidence files' }),
    cloud: obj(
      {
        url: Type.String({ pattern: '^https?://', default: 'http://127.0.0.1:8080', description: 'cloud base URL' }),
        token: Type.String({ default: '', description: 'this edge token, issued by the cloud admin' }),
        heartbeatIntervalMs: Type.Integer({ minimum: 500, default: 5000, description: 'heartbeat period' }),
        ackTimeoutMs: Type.Integer({ minimum: 100, default: 10_000, description: 'time to wait for an ack before resending' }),
        retryMaxMs: Type.Integer({ minimum: 100, default: 30_000, description: 'longest backoff between resends' }),
      },
      'connection to the cloud',
    ),
    models: obj(
      {
        dir: Type.String({ default: '', description: 'weights directory; empty = MINGLIANG_MODELS_DIR, else models/' }),
        intraOpThreads: Type.Integer({ minimum: 1, maximum: 64, default: 2, description: 'onnxruntime intra-op threads' }),
      },
      'detection runtime',
    ),
    evidence: obj(
      {
        jpegQuality: Type.Integer({ minimum: 30, maximum: 100, default: 85, description: 'snapshot JPEG quality' }),
      },
      'snapshot settings',
    ),
    outbox: obj(
      {
        maxBytes: Type.Integer({
          minimum: 1_000_000,
          default: 2 * 1024 * 1024 * 1024,
          description: 'disk quota of queued evidence; over it the oldest files are dropped first, event records are kept',
        }),
      },
      'store-and-forward queue while the cloud is away',
    ),
    cameras: Type.Array(CameraConfig, { default: [], description: 'cameras analysed by this edge' }),
  },
  { additionalProperties: false },
);
export type EdgeConfig = Static<typeof EdgeConfig>;

/** Checks a schema cannot express: unique ids. Model/class checks need the manifests and run in the pipeline. */
function refine(value: unknown): ConfigProblem[] {
  const cfg = value as EdgeConfig;
  const problems: ConfigProblem[] = [];
  const seen = new Map<string, number>();
  cfg.cameras.forEach((cam, i) => {
    if (cam.motion.redetectMaxIntervalMs < cam.motion.redetectIntervalMs) {
      problems.push({
        path: `cameras[${i}].motion.redetectMaxIntervalMs`,
        message: `must be at least redetectIntervalMs (${cam.motion.redetectIntervalMs}), got ${cam.motion.redetectMaxIntervalMs}`,
      });
    }
    const prev = seen.get(cam.id);
    if (prev !== undefined) problems.push({ path: `cameras[${i}].id`, message: `duplicate camera id '${cam.id}' (also cameras[${prev}])` });
    seen.set(cam.id, i);
    const rules = new Map<string, number>();
    cam.rules.forEach((r, j) => {
      const p = rules.get(r.id);
      if (p !== undefined) problems.push({ path: `cameras[${i}].rules[${j}].id`, message: `duplicate rule id '${r.id}' (also rules[${p}])` });
      rules.set(r.id, j);
    });
  });
  if (cfg.cloud.token === '') problems.push({ path: 'cloud.token', message: 'an edge token is required' });
  return problems;
}

export function parseEdgeConfig(doc: unknown, source = '<inline>', opts: LoadOptions = {}): EdgeConfig {
  return parseConfig(EdgeConfig, doc, source, { ...opts, refine });
}

export function loadEdgeConfig(file: string, opts: LoadOptions = {}): EdgeConfig {
  return loadConfigFile(EdgeConfig, file, { ...opts, refine });
}
