import type { Detection, QualityIssue } from '../../protocol/index.js';
import { RateMeter } from './capture/rate-meter.js';
import type { CameraConfig } from './config.js';
import { QualityMonitor } from './health/index.js';
import { BackgroundMotionDetector, cropFrame, mapCropDetections, MotionGate, planDetection } from './motion/index.js';
import { RecentSamples } from './recent-samples.js';
import { createRuleEngine, type ResolvedCameraRules, type RuleEngine, type RuleHit } from './rules/index.js';
import { ByteTracker } from './track/index.js';
import type { Detections, Detector, DetectorWithInput, Frame } from './types.js';

/** A frame between {@link CameraAnalysis.start} and {@link CameraAnalysis.finish}. */
export interface FrameInAnalysis {
  readonly frame: Frame;
  /** The frame's detections (or why they failed); undefined when the motion gate skipped the frame. */
  readonly detections: Promise<{ value: Detections } | { error: unknown }> | undefined;
}

export interface AnalysisStats {
  analysedFps: number;
  /** Frames the motion gate let through to the detector, and frames it spared it. */
  detected: number;
  skippedByGate: number;
  /** Detections run on motion crops instead of the full frame. */
  cropRuns: number;
  inferenceMsP50: number | undefined;
  inferenceMsP95: number | undefined;
  quality: QualityIssue[];
}

/**
 * One camera's analysis of a frame: quality diagnosis on every frame, then the motion gate decides
 * whether the detector runs (on the full frame, or on crops around the motion when they are small),
 * every model of the camera runs on the same decoded frame, the tracker associates, the rules decide.
 */
export class CameraAnalysis {
  private readonly tracker = new ByteTracker();
  readonly rules: RuleEngine;
  private readonly motion: BackgroundMotionDetector | undefined;
  private readonly gate: MotionGate | undefined;
  private readonly health: QualityMonitor | undefined;
  private readonly analysed = new RateMeter();
  private readonly inference = new RecentSamples();
  private readonly modelInput: { width: number; height: number };
  private detected = 0;
  private skipped = 0;
  private cropRuns = 0;

  constructor(
    private readonly camera: CameraConfig,
    private readonly detectors: readonly DetectorWithInput[],
    plan: ResolvedCameraRules,
  ) {
    this.rules = createRuleEngine(plan);
    if (camera.motion.enabled) {
      this.motion = new BackgroundMotionDetector({ threshold: camera.motion.threshold, minArea: camera.motion.minArea, mask: camera.motion.mask });
      this.gate = new MotionGate({ redetectIntervalMs: camera.motion.redetectIntervalMs, redetectMaxIntervalMs: camera.motion.redetectMaxIntervalMs });
    }
    if (camera.health.enabled) {
      const h = camera.health;
      this.health = new QualityMonitor({
        sampleIntervalMs: h.sampleIntervalMs,
        raiseAfterMs: h.raiseAfterMs,
        clearAfterMs: h.clearAfterMs,
        frozenAfterMs: h.frozenAfterMs,
      });
    }
    this.modelInput = {
      width: Math.max(...detectors.map((d) => d.inputWidth)),
      height: Math.max(...detectors.map((d) => d.inputHeight)),
    };
  }

  /**
   * First half of a frame's analysis, called in frame order: quality diagnosis, the motion gate, and the
   * frame's detection started (not awaited). The pipeline may start the next frame before finishing this
   * one, so the detector has the next frame while the tracker and rules work on this one.
   */
  start(frame: Frame): FrameInAnalysis {
    this.health?.observe(frame);
    let crops: { x: number; y: number; width: number; height: number }[] | undefined;
    if (this.motion && this.gate) {
      const m = this.motion.process(frame);
      if (!this.gate.shouldDetect(m, frame.capturedAt)) {
        this.skipped += 1;
        return { frame, detections: undefined };
      }
      if (this.camera.motion.crops && this.gate.lastReason === 'motion') {
        const plan = planDetection(m.regions, frame.width, frame.height, { modelWidth: this.modelInput.width, modelHeight: this.modelInput.height });
        if (plan.mode === 'crops') crops = [...plan.crops];
      }
    }
    this.detected += 1;
    const detections = crops ? this.detectCrops(frame, crops) : detectAll(this.detectors, frame);
    // Settled into a value at once: a failed detection is reported by finish(), which may only come
    // after the previous frame's turn, and must not count as an unhandled rejection meanwhile.
    return { frame, detections: detections.then((value) => ({ value }), (error: unknown) => ({ error })) };
  }

  /**
   * Second half, called in frame order once the previous frame's is done: tracking and rules on the
   * frame's detections. Returns the event transitions it caused (none when the gate skipped the frame).
   */
  async finish(started: FrameInAnalysis): Promise<RuleHit[]> {
    if (!started.detections) return [];
    const outcome = await started.detections;
    if ('error' in outcome) throw outcome.error;
    const detections = outcome.value;
    this.analysed.mark(Date.now());
    this.inference.add(detections.inferenceMs);
    // The tracker's answer also carries the frame's detections with the trackId of their confirmed track.
    const tracks = this.tracker.update(detections);
    return this.rules.process({ frame: started.frame, detections: { ...detections, items: tracks.detections }, tracks });
  }

  stats(now: number): AnalysisStats {
    return {
      analysedFps: this.analysed.rate(now),
      detected: this.detected,
      skippedByGate: this.skipped,
      cropRuns: this.cropRuns,
      inferenceMsP50: this.inference.percentile(50),
      inferenceMsP95: this.inference.percentile(95),
      quality: this.health ? [...this.health.snapshot(now).issues] : [],
    };
  }

  /** Detects on each crop and maps the boxes back to the frame; crops never overlap, so no merge is needed. */
  private async detectCrops(frame: Frame, crops: readonly { x: number; y: number; width: number; height: number }[]): Promise<Detections> {
    this.cropRuns += 1;
    const items: Detection[] = [];
    let inferenceMs = 0;
    // One buffer for this frame's crops, which run one after another; the next frame may be cropping while
    // this one's detection is still reading its buffer, so buffers are not shared across frames.
    const cropBuffer = Buffer.allocUnsafe(Math.max(...crops.map((r) => r.width * r.height * 3)));
    for (const rect of crops) {
      const part = await detectAll(this.detectors, cropFrame(frame, rect, cropBuffer));
      items.push(...mapCropDetections(part.items, rect, frame.width, frame.height));
      inferenceMs += part.inferenceMs;
    }
    return { cameraId: frame.cameraId, frameSeq: frame.seq, capturedAt: frame.capturedAt, modelId: modelIds(this.detectors), items, inferenceMs };
  }
}

const modelIds = (detectors: readonly Detector[]) => detectors.map((d) => d.modelId).join('+');

/**
 * Runs every model of a camera on the same frame — decoded once — and merges their detections. The
 * models run concurrently: each lives in its own worker thread.
 */
export async function detectAll(detectors: readonly Detector[], frame: Frame): Promise<Detections> {
  const results = await Promise.all(detectors.map((d) => d.detect(frame)));
  return {
    cameraId: frame.cameraId,
    frameSeq: frame.seq,
    capturedAt: frame.capturedAt,
    modelId: modelIds(detectors),
    items: results.flatMap((r) => r.items),
    // Wall time of the slowest model: they ran side by side.
    inferenceMs: Math.max(0, ...results.map((r) => r.inferenceMs)),
  };
}
