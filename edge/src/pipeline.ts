import type { Logger } from 'pino';
import type { CameraRuleSet, CameraStatus, EventMessage, Heartbeat } from '../../protocol/index.js';
import { CameraAnalysis, type FrameInAnalysis } from './camera-analysis.js';
import type { CameraConfig, EdgeConfig } from './config.js';
import { EventEvidence, type ClipSource } from './event-evidence.js';
import { EvidenceGuards } from './evidence-guards.js';
import type { Outbox } from './outbox/index.js';
import { planCameraRules, type ResolvedCameraRules } from './rules/index.js';
import type { DetectorWithInput, Frame } from './types.js';

/** What the pipeline needs of a camera's capture stage. */
export interface CameraSource {
  start(): void;
  stop(): Promise<void>;
  /** The newest frame not yet analysed (waits for one); undefined once the source is stopped. */
  next(): Promise<Frame | undefined>;
  /** Takes back a frame the pipeline is done with, so its buffer can be reused (frames kept with `keepFrame` are not). */
  release?(frame: Frame): void;
  /** Capture-side fields of the camera status. */
  status(): Pick<CameraStatus, 'state' | 'reason' | 'since' | 'captureFps' | 'droppedFrames' | 'restarts' | 'lastFrameAt'>;
}

/** What the pipeline needs of a camera's segment recorder (event clips). */
export interface CameraRecorder extends ClipSource {
  start(): Promise<void>;
  stop(): Promise<void>;
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
  createDetector(modelId: string): Promise<DetectorWithInput>;
  /** A recorder for cameras with `record.enabled`; without this dependency no clips are made. */
  createRecorder?(camera: CameraConfig): CameraRecorder;
  outbox: Outbox;
  uplink: UplinkPort;
  logger: Logger;
  version: string;
}

/** The rules a camera runs now, as the pipeline knows them. */
export interface CameraRulesNow {
  /** The scene keys of the camera's effective config (config file, or the cloud's rule set). */
  readonly rules: CameraRuleSet;
  /** Labels the camera's models detect. */
  readonly classes: readonly string[];
  /** Ids of the rules that run (scene-preset rules expanded). */
  readonly ruleIds: readonly string[];
}

export interface Pipeline {
  status(): CameraStatus[];
  /** The rules of an analysed camera; undefined for an unknown or disabled camera. */
  cameraRules(cameraId: string): CameraRulesNow | undefined;
  /**
   * Resolves a rule set for a camera against its models, as the config load does, without running it.
   * @throws ConfigError listing every problem with its key path (relative to the rule set)
   */
  planRules(cameraId: string, rules: CameraRuleSet): ResolvedCameraRules;
  /**
   * Runs a plan from {@link planRules} on the camera from its next frame on: waits for the frame in
   * analysis, swaps the rules (unchanged rules keep their state; open events of removed or changed
   * ones end, and those ends go out like any event), and never stops capture or detection.
   */
  replaceRules(cameraId: string, rules: CameraRuleSet, plan: ResolvedCameraRules): Promise<void>;
  /** The newest frame whose analysis has finished, if any (for a current picture of the camera). */
  latestFrame(cameraId: string): Frame | undefined;
  /** Called with every message written to the outbox (for the demo console and tests). */
  onMessage(listener: (msg: EventMessage) => void): void;
  stop(): Promise<void>;
}

interface CameraRun {
  /** Effective config: replaced (scene keys only) when the rules change. */
  camera: CameraConfig;
  source: CameraSource;
  analysis: CameraAnalysis;
  recorder: CameraRecorder | undefined;
  labels: ReadonlyMap<string, readonly string[]>;
  plan: ResolvedCameraRules;
  /** The newest frame whose turn has ended. */
  latest: Frame | undefined;
  /** Tail of the camera's turns: a frame's analysis and a rule swap never overlap. */
  turn: Promise<void>;
  loop: Promise<void>;
}

/** Runs `fn` after the camera's previous turn has finished (whatever its outcome). */
function exclusive<T>(run: Pick<CameraRun, 'turn'>, fn: () => Promise<T>): Promise<T> {
  const result = run.turn.then(fn);
  run.turn = result.then(
    () => undefined,
    () => undefined,
  );
  return result;
}

/** The scene keys of a camera config: what a cloud rule set replaces. */
function ruleSetOf(camera: CameraConfig): CameraRuleSet {
  const { scene, zones, lines, masks, rules, disabledRules } = camera;
  return { scene, zones, lines, masks, rules, disabledRules };
}

/**
 * Wires the edge stages for all cameras: capture → (latest frame wins) → quality + motion gate → detect
 * (all the camera's models) → track → rules → evidence (snapshot, clip) → outbox → uplink. Each camera
 * has its own loop with at most `detect.framesInFlight` frames in analysis, so a slow or failing camera
 * costs the others nothing, and each detector's FIFO, holding at most that many requests per camera,
 * gives every camera a turn.
 */
export async function startPipeline(config: EdgeConfig, deps: PipelineDeps): Promise<Pipeline> {
  const { logger, outbox, uplink } = deps;
  const guards = new EvidenceGuards(outbox, logger.child({ stage: 'evidence' }));
  const evidence = new EventEvidence({ edgeId: config.edgeId, jpegQuality: config.evidence.jpegQuality, outbox, notify: () => uplink.notify(), logger, guards });
  let stopping = false;

  const detectors = new Map<string, Promise<DetectorWithInput>>();
  const detectorFor = (modelId: string) => {
    let d = detectors.get(modelId);
    if (!d) {
      d = deps.createDetector(modelId);
      detectors.set(modelId, d);
    }
    return d;
  };

  async function runCamera(run: CameraRun): Promise<void> {
    const log = logger.child({ camera: run.camera.id });
    // Turns of frames still in analysis, oldest first: at most `framesInFlight`, so the detector can
    // have the next frame while this one is tracked and judged, and latest-frame-wins still holds.
    const inFlight: Promise<void>[] = [];
    for (;;) {
      const frame = await run.source.next();
      if (!frame || stopping) break;
      inFlight.push(analyseFrame(run, frame, log));
      while (inFlight.length >= run.camera.detect.framesInFlight) await inFlight.shift();
    }
    await Promise.all(inFlight);
  }

  /** Starts a frame's analysis at once (in frame order) and finishes it in the camera's turn; never rejects. */
  function analyseFrame(run: CameraRun, frame: Frame, log: Logger): Promise<void> {
    const failed = (err: unknown) => log.error({ err }, 'analysis of a frame failed');
    let started: FrameInAnalysis | undefined;
    try {
      started = run.analysis.start(frame);
    } catch (err) {
      failed(err);
    }
    return exclusive(run, async () => {
      try {
        if (started) for (const hit of await run.analysis.finish(started)) await evidence.emit(hit, run.camera, run.recorder);
      } catch (err) {
        // One bad frame or a failed write must not end the camera's analysis; the next frame retries.
        failed(err);
      } finally {
        // Turns run in frame order. The previous frame is no longer the latest: unless a stage kept it
        // (an event's best frame, a snapshot being encoded), its buffer can take a later picture.
        const previous = run.latest;
        run.latest = frame;
        if (previous) run.source.release?.(previous);
      }
    });
  }

  const runs: CameraRun[] = [];
  for (const camera of config.cameras.filter((c) => c.enabled)) {
    const cameraDetectors = await Promise.all(camera.models.map((id) => detectorFor(id)));
    const plan = planCameraRules(camera, new Map(cameraDetectors.map((d) => [d.modelId, d.labels] as const)));
    for (const s of plan.skipped) logger.warn({ camera: camera.id, rule: s.ruleId, reason: s.reason }, s.message);
    const recorder = camera.record.enabled && deps.createRecorder ? deps.createRecorder(camera) : undefined;
    const labels = new Map(cameraDetectors.map((d) => [d.modelId, d.labels]));
    const partial = {
      camera,
      source: deps.createSource(camera),
      analysis: new CameraAnalysis(camera, cameraDetectors, plan),
      recorder,
      labels,
      plan,
      latest: undefined,
      turn: Promise.resolve(),
    };
    if (recorder) {
      // Clips still queued from an earlier run keep their footage until delivered: before the first prune.
      guards.restore(camera.id, recorder);
      // A recorder that cannot start costs the camera its clips, never its analysis.
      await recorder.start().catch((err: unknown) => logger.error({ camera: camera.id, err }, 'recorder did not start'));
    }
    partial.source.start();
    // One object for the loop and for the rule swaps: they share its turn, latest frame and rules.
    const run: CameraRun = { ...partial, loop: Promise.resolve() };
    runs.push(run);
    run.loop = runCamera(run);
  }

  function status(): CameraStatus[] {
    const now = Date.now();
    return runs.map((r) => {
      const a = r.analysis.stats(now);
      return {
        cameraId: r.camera.id,
        ...r.source.status(),
        analysedFps: Math.round(a.analysedFps * 100) / 100,
        ...(a.inferenceMsP50 !== undefined ? { inferenceMsP50: a.inferenceMsP50 } : {}),
        ...(a.inferenceMsP95 !== undefined ? { inferenceMsP95: a.inferenceMsP95 } : {}),
        ...(a.quality.length > 0 ? { quality: a.quality } : {}),
      };
    });
  }

  uplink.start();
  const heartbeat = setInterval(() => {
    const { backlog, evidenceBytes, droppedFiles, droppedBytes, rejected } = outbox.stats();
    void uplink.sendHeartbeat({ edgeId: config.edgeId, at: Date.now(), cameras: status(), backlog, outbox: { evidenceBytes, droppedFiles, droppedBytes, rejected } });
  }, config.cloud.heartbeatIntervalMs);
  heartbeat.unref();
  logger.info({ cameras: runs.map((r) => r.camera.id), version: deps.version }, 'edge pipeline started');

  const runOf = (cameraId: string): CameraRun => {
    const run = runs.find((r) => r.camera.id === cameraId);
    if (!run) throw new Error(`camera ${cameraId} is not analysed on this edge`);
    return run;
  };

  return {
    status,
    cameraRules(cameraId) {
      const run = runs.find((r) => r.camera.id === cameraId);
      if (!run) return undefined;
      return {
        rules: ruleSetOf(run.camera),
        classes: [...new Set([...run.labels.values()].flat())],
        ruleIds: run.plan.rules.map((r) => r.config.id),
      };
    },
    planRules(cameraId, rules) {
      const run = runOf(cameraId);
      return planCameraRules({ id: cameraId, models: run.camera.models, ...rules }, run.labels);
    },
    replaceRules(cameraId, rules, plan) {
      const run = runOf(cameraId);
      return exclusive(run, async () => {
        const ended = run.analysis.rules.replace(plan, Date.now());
        const before = run.camera;
        run.camera = { ...run.camera, ...rules };
        run.plan = plan;
        for (const s of plan.skipped) logger.warn({ camera: cameraId, rule: s.ruleId, reason: s.reason }, s.message);
        logger.info({ camera: cameraId, rules: plan.rules.map((r) => r.config.id), ended: ended.length }, 'camera rules replaced');
        // The ends belong to the old rules: their clips use the config they ran with.
        for (const hit of ended) await evidence.emit(hit, before, run.recorder);
      });
    },
    latestFrame: (cameraId) => runs.find((r) => r.camera.id === cameraId)?.latest,
    onMessage: (listener) => evidence.onMessage(listener),
    async stop() {
      stopping = true;
      clearInterval(heartbeat);
      await Promise.all(runs.map((r) => r.source.stop()));
      await Promise.all(runs.map((r) => r.loop));
      // Close open events so the cloud does not show them as running forever; their clips take what is recorded.
      const at = Date.now();
      evidence.stopWaiting();
      for (const r of runs) for (const hit of r.analysis.rules.flush('edge_stopped', at)) await evidence.emit(hit, r.camera, r.recorder);
      await evidence.drain();
      await Promise.all(runs.map((r) => r.recorder?.stop()));
      await uplink.stop();
      guards.close();
      for (const d of detectors.values()) await (await d).close();
    },
  };
}
