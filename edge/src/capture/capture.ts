import type { CameraState } from '../../../protocol/index.js';
import type { Frame } from '../types.js';

/** Where and since when a capture is in its life: the camera part of the protocol's `CameraStatus`. */
export interface CaptureStatus {
  readonly cameraId: string;
  readonly state: CameraState;
  /** Why the camera is not streaming: the last meaningful ffmpeg error line, redacted. Absent while streaming. */
  readonly reason?: string;
  /** When `state` was entered, epoch ms. */
  readonly since: number;
}

/** Counters of one capture since it was created. */
export interface CaptureStats {
  /** Frames per second delivered over the recent sliding window. */
  readonly captureFps: number;
  /** Frames delivered in total, across restarts. */
  readonly frames: number;
  /** Frames the sink replaced before they were consumed (see `LatestFrameSlot`). */
  readonly droppedFrames: number;
  /** Times the source process was started again after the first start. */
  readonly restarts: number;
  /** Epoch ms of the last frame delivered. */
  readonly lastFrameAt?: number;
}

/**
 * Receives frames from a capture. `LatestFrameSlot` is the usual sink; `dropped` is read for
 * {@link CaptureStats.droppedFrames}. The capture never closes its sink: its owner does.
 */
export interface FrameSink {
  put(frame: Frame): void;
  readonly dropped?: number;
}

/** Called on every change of state or reason. */
export type CaptureStatusListener = (status: CaptureStatus) => void;

/**
 * The capture stage: turns one camera into a stream of {@link Frame}s pushed into a {@link FrameSink}.
 * One per camera; a failing camera only ever changes its own state.
 */
export interface Capture {
  readonly cameraId: string;
  /** Starts capturing; returns at once (progress shows in the status). */
  start(): void;
  /** Stops for good; resolves once no process or timer of this capture is left. */
  stop(): Promise<void>;
  /** The current state alone. */
  readonly state: CameraState;
  /** The current state with its reason and start time. */
  status(): CaptureStatus;
  stats(): CaptureStats;
  /** Subscribes to status changes; returns the unsubscribe function. */
  onStatus(listener: CaptureStatusListener): () => void;
}

/** Adapts a plain callback to a {@link FrameSink}. */
export function toFrameSink(sink: FrameSink | ((frame: Frame) => void)): FrameSink {
  return typeof sink === 'function' ? { put: sink } : sink;
}
