import type { ModelManifest } from '../../../models/manifest.js';
import type { Detections } from '../types.js';
import type { DetectTimings } from './onnx-detector.js';

/** What a detector worker is started with (structured-cloned into the worker). */
export interface DetectorWorkerInit {
  manifest: ModelManifest;
  modelsDir: string;
  intraOpThreads: number;
  scoreThreshold?: number;
  verifySha256: boolean;
}

/** A frame as sent to the worker: its pixels in a buffer of their own, transferred, not copied again. */
export interface WireFrame {
  cameraId: string;
  seq: number;
  capturedAt: number;
  width: number;
  height: number;
  data: Uint8Array;
}

export type ToWorker = { type: 'detect'; id: number; frame: WireFrame } | { type: 'close' };

export type FromWorker =
  | { type: 'ready'; warmupMs: number; labels: string[] }
  | { type: 'failed'; message: string }
  /** `pixels`: the frame's buffer, transferred back so the next frame can be copied into it. */
  | { type: 'result'; id: number; detections: Detections; timings: DetectTimings | undefined; pixels: ArrayBuffer }
  | { type: 'error'; id: number; message: string; pixels: ArrayBuffer }
  | { type: 'closed' };
