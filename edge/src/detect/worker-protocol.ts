import type { ModelManifest } from '../../../models/manifest.js';
import type { Detections } from '../types.js';
import type { DetectTimings, FrameRef } from './onnx-detector.js';
import type { PreprocessedFrame } from './preprocess.js';

/** What a detector worker is started with (structured-cloned into the worker). */
export interface DetectorWorkerInit {
  manifest: ModelManifest;
  modelsDir: string;
  intraOpThreads: number;
  scoreThreshold?: number;
  verifySha256: boolean;
}

/**
 * A frame's model input, prepared by the sender: its tensor buffer is transferred, not copied, and comes
 * back with the answer for the next frame.
 */
export interface DetectRequest {
  type: 'detect';
  id: number;
  frame: FrameRef;
  input: PreprocessedFrame;
  preprocessMs: number;
}

export type ToWorker = DetectRequest | { type: 'close' };

export type FromWorker =
  | { type: 'ready'; warmupMs: number; labels: string[] }
  | { type: 'failed'; message: string }
  /** `tensor`: the request's input buffer, transferred back so a later frame can be prepared in it. */
  | { type: 'result'; id: number; detections: Detections; timings: DetectTimings | undefined; tensor: ArrayBuffer }
  | { type: 'error'; id: number; message: string; tensor: ArrayBuffer }
  | { type: 'closed' };
