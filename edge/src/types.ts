import type { Detection } from '../../protocol/index.js';
import type { FrameLease } from './frame-lease.js';

/**
 * The values the edge stages hand each other: Frame → Detections → (Tracks) → RuleHits → EventMessage.
 * Boxes are normalised (0..1, top-left origin) from the detector on, so rules and the cloud never need
 * to know the analysed resolution.
 */

/** One decoded picture, packed RGB24 (3 bytes per pixel, row-major, no padding). */
export interface Frame {
  readonly cameraId: string;
  /** Frame counter of this camera's capture, from 0; restarts of ffmpeg keep counting. */
  readonly seq: number;
  /** Wall-clock time the frame was read from ffmpeg, epoch ms. */
  readonly capturedAt: number;
  readonly width: number;
  readonly height: number;
  readonly data: Buffer;
  /**
   * Present when `data` is a pooled buffer that the capture refills once the pipeline has moved past
   * this frame: whoever holds a frame longer calls `keepFrame(frame)` first (see edge/src/frame-lease.ts).
   */
  readonly lease?: FrameLease;
}

/** The detector's answer for one frame. */
export interface Detections {
  readonly cameraId: string;
  readonly frameSeq: number;
  readonly capturedAt: number;
  readonly modelId: string;
  readonly items: readonly Detection[];
  /** Wall time of preprocessing + session.run + decoding, ms. */
  readonly inferenceMs: number;
}

/** Stage interface: turns frames into detections. One implementation per runtime, plus a fake for unit tests. */
export interface Detector {
  readonly modelId: string;
  /** Class names the model can output, in class-id order. */
  readonly labels: readonly string[];
  detect(frame: Frame): Promise<Detections>;
  close(): Promise<void>;
}

/** A detector that also tells its model's input size (the pipeline plans motion crops with it). */
export interface DetectorWithInput extends Detector {
  readonly inputWidth: number;
  readonly inputHeight: number;
}

/** Lifecycle of a track: tentative until confirmed by enough hits, lost while unmatched (kept for recovery). */
export type TrackState = 'tentative' | 'confirmed' | 'lost';

/** One tracked object after association on a frame. Boxes are normalised like detections. */
export interface Track {
  /** Stable id per camera, never reused while the edge runs. */
  readonly id: number;
  readonly label: string;
  readonly state: TrackState;
  /** Box of the latest matched detection (or the prediction while lost). */
  readonly box: Detection['box'];
  /** Score of the latest matched detection. */
  readonly score: number;
  /** Scores of the most recent matched frames, oldest first (bounded), for median-score filters. */
  readonly recentScores: readonly number[];
  /** Frames since the track was created. */
  readonly age: number;
  /** Frames with a matched detection. */
  readonly hits: number;
  /** Consecutive frames without a match (0 when matched on this frame). */
  readonly lostFrames: number;
  readonly firstSeenAt: number;
  readonly lastSeenAt: number;
}

/** The tracker's answer for one frame: every live track (matched, tentative and lost). */
export interface Tracks {
  readonly cameraId: string;
  readonly frameSeq: number;
  readonly capturedAt: number;
  readonly items: readonly Track[];
}

/** Stage interface: associates each frame's detections with tracks of one camera. */
export interface Tracker {
  update(detections: Detections): Tracks;
  reset(): void;
}

/** A region that changed since the previous frames, normalised coordinates. */
export interface MotionRegion {
  readonly box: Detection['box'];
  /** Fraction of the region's pixels that changed. */
  readonly fill: number;
}

/** The motion stage's answer for one frame. */
export interface Motion {
  readonly cameraId: string;
  readonly frameSeq: number;
  /** Fraction of the (unmasked) picture that changed, 0..1. */
  readonly changed: number;
  readonly regions: readonly MotionRegion[];
}

/** Stage interface: cheap change detection that gates the detector. */
export interface MotionDetector {
  process(frame: Frame): Motion;
  reset(): void;
}
