import type { Detection } from '../../protocol/index.js';

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
