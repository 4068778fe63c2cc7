import Type, { type Static } from 'typebox';
import { loadConfigFile, parseConfig, type ConfigProblem, type LoadOptions } from '../../common/config-loader.js';
import { Id } from '../../protocol/index.js';

const obj = <P extends Parameters<typeof Type.Object>[0]>(props: P, description: string) =>
  Type.Object(props, { additionalProperties: false, description, default: {} });

export const PresenceRuleConfig = Type.Object(
  {
    id: { ...Id, description: 'rule id, unique on its camera; becomes the event ruleId' },
    type: Type.Literal('presence', { description: 'a class seen in N consecutive analysed frames opens an event' }),
    classes: Type.Array(Type.String({ minLength: 1 }), {
      minItems: 1,
      default: ['person'],
      description: 'detector labels that count (they must exist in the camera model)',
    }),
    minScore: Type.Number({ minimum: 0, maximum: 1, default: 0.5, description: 'minimum detection score per frame' }),
    enterFrames: Type.Integer({ minimum: 1, default: 3, description: 'consecutive analysed frames with a match that open an event' }),
    exitFrames: Type.Integer({ minimum: 1, default: 10, description: 'consecutive analysed frames without a match that end it' }),
    updateIntervalMs: Type.Integer({
      minimum: 0,
      default: 2000,
      description: 'at most one update per interval, sent only when a better detection was seen',
    }),
    maxDurationMs: Type.Integer({
      minimum: 1000,
      default: 600_000,
      description: 'an event still open after this long is ended (reason max_duration) and a new one may start',
    }),
    severity: Type.Union([Type.Literal(1), Type.Literal(2), Type.Literal(3)], {
      default: 2,
      description: '1 immediate, 2 fix by a deadline, 3 guidance',
    }),
  },
  { additionalProperties: false },
);
export type PresenceRuleConfig = Static<typeof PresenceRuleConfig>;

export const RuleConfig = PresenceRuleConfig;
export type RuleConfig = Static<typeof RuleConfig>;

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
      },
      'decode settings of the frames handed to detection',
    ),
    stallTimeoutMs: Type.Integer({ minimum: 1000, default: 10_000, description: 'no frame for this long restarts ffmpeg' }),
    model: Type.String({ minLength: 1, default: 'coco-yolox-nano', description: 'model manifest id (models/<id>.yaml)' }),
    rules: Type.Array(RuleConfig, { default: [], description: 'analysis rules of this camera' }),
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
