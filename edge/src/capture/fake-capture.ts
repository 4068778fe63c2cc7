import type { CameraState } from '../../../protocol/index.js';
import type { Frame } from '../types.js';
import {
  toFrameSink,
  type Capture,
  type CaptureStats,
  type CaptureStatus,
  type CaptureStatusListener,
  type FrameSink,
} from './capture.js';
import { rgb24FrameBytes } from './ffmpeg-args.js';
import { RateMeter } from './rate-meter.js';

/** Options of {@link FakeCapture}. */
export interface FakeCaptureOptions {
  readonly cameraId: string;
  readonly sink: FrameSink | ((frame: Frame) => void);
  /** Default 64. */
  readonly width?: number;
  /** Default 48. */
  readonly height?: number;
  /** Frames per second from a timer after `start()`; 0 = only frames pushed with `emitFrame()`. Default 5. */
  readonly fps?: number;
  /** Stops by itself (state offline, reason `end of stream`) after this many frames. Default: never. */
  readonly maxFrames?: number;
  /** Paints frame `seq` into `data` (packed RGB24). Default {@link movingSquare}. */
  readonly render?: (data: Buffer, seq: number, width: number, height: number) => void;
}

/**
 * Default picture: dark grey with a white square (a quarter of the height) sliding right by 4 px per
 * frame, so motion and tracking stages see a moving object.
 */
export function movingSquare(data: Buffer, seq: number, width: number, height: number): void {
  data.fill(32);
  const side = Math.max(1, Math.floor(height / 4));
  const x0 = (seq * 4) % Math.max(1, width - side);
  const y0 = Math.floor((height - side) / 2);
  for (let y = y0; y < y0 + side; y++) {
    data.fill(255, (y * width + x0) * 3, (y * width + x0 + side) * 3);
  }
}

/**
 * A {@link Capture} without ffmpeg: synthetic frames on a timer or on demand, and states set by the
 * test. For unit tests of the stages after capture; integration tests use the real `CameraCapture`.
 */
export class FakeCapture implements Capture {
  readonly cameraId: string;
  readonly width: number;
  readonly height: number;
  private readonly opts: FakeCaptureOptions;
  private readonly sink: FrameSink;
  private readonly meter = new RateMeter();
  private readonly listeners = new Set<CaptureStatusListener>();
  private current: CaptureStatus;
  private timer: NodeJS.Timeout | undefined;
  private started = false;
  private stopped = false;
  private seq = 0;
  private restarts = 0;
  private lastFrameAt: number | undefined;

  constructor(opts: FakeCaptureOptions) {
    this.opts = opts;
    this.cameraId = opts.cameraId;
    this.width = opts.width ?? 64;
    this.height = opts.height ?? 48;
    this.sink = toFrameSink(opts.sink);
    this.current = { cameraId: this.cameraId, state: 'offline', reason: 'not started', since: Date.now() };
  }

  get state(): CameraState {
    return this.current.state;
  }

  status(): CaptureStatus {
    return this.current;
  }

  stats(): CaptureStats {
    const base = {
      captureFps: this.meter.rate(Date.now()),
      frames: this.seq,
      droppedFrames: this.sink.dropped ?? 0,
      restarts: this.restarts,
    };
    return this.lastFrameAt === undefined ? base : { ...base, lastFrameAt: this.lastFrameAt };
  }

  onStatus(listener: CaptureStatusListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  start(): void {
    if (this.stopped) throw new Error(`capture ${this.cameraId} was stopped; create a new one`);
    if (this.started) return;
    this.started = true;
    this.setStatus('connecting');
    const fps = this.opts.fps ?? 5;
    if (fps > 0) this.timer = setInterval(() => this.emitFrame(), 1000 / fps);
  }

  stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    this.timer = undefined;
    this.setStatus('offline', 'stopped');
    return Promise.resolve();
  }

  /** Delivers the next frame now (also while the timer runs); returns it. Ignored before start and after stop. */
  emitFrame(): Frame | undefined {
    if (!this.started || this.stopped) return undefined;
    const data = Buffer.allocUnsafe(rgb24FrameBytes(this.width, this.height));
    (this.opts.render ?? movingSquare)(data, this.seq, this.width, this.height);
    const now = Date.now();
    const frame: Frame = {
      cameraId: this.cameraId,
      seq: this.seq++,
      capturedAt: now,
      width: this.width,
      height: this.height,
      data,
    };
    this.lastFrameAt = now;
    this.meter.mark(now);
    if (this.current.state !== 'streaming') this.setStatus('streaming');
    this.sink.put(frame);
    if (this.opts.maxFrames !== undefined && this.seq >= this.opts.maxFrames) {
      clearInterval(this.timer);
      this.timer = undefined;
      this.stopped = true;
      this.setStatus('offline', 'end of stream');
    }
    return frame;
  }

  /** Puts the capture into any state, as a failing camera would; `connecting` after a failure counts a restart. */
  simulateStatus(state: CameraState, reason?: string): void {
    if (state === 'connecting' && (this.current.state === 'offline' || this.current.state === 'stalled')) {
      this.restarts++;
    }
    this.setStatus(state, reason);
  }

  private setStatus(state: CameraState, reason?: string): void {
    const since = this.current.state === state ? this.current.since : Date.now();
    this.current =
      reason === undefined
        ? { cameraId: this.cameraId, state, since }
        : { cameraId: this.cameraId, state, reason, since };
    for (const listener of this.listeners) listener(this.current);
  }
}
