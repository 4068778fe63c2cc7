import type { Logger } from 'pino';
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
import { buildCaptureArgs, rgb24FrameBytes, type CaptureArgsOptions } from './ffmpeg-args.js';
import { formatFfmpegLogLine, isMeaningfulError, redactSecrets, urlSecrets } from './ffmpeg-log.js';
import { FfmpegProcess, type FfmpegExit } from './ffmpeg-process.js';
import { FrameFifo, type FifoFrameReader } from './frame-fifo.js';
import { FramePool } from './frame-pool.js';
import { FrameReader } from './frame-reader.js';
import { RateMeter } from './rate-meter.js';
import { BACKOFF_DEFAULTS, backoffDelay, type BackoffOptions } from './restart-backoff.js';

/**
 * Options of {@link CameraCapture}. Besides these, every ffmpeg input option of
 * `CaptureArgsOptions` (rtspTransport, socketTimeoutMs, hwaccel, loop, realtime, ...) passes through.
 */
export interface CameraCaptureOptions extends Omit<CaptureArgsOptions, 'input' | 'fps'> {
  readonly cameraId: string;
  /** Camera URL or file path; may carry credentials, which never reach a log line or a reason. */
  readonly url: string;
  /** Frames per second handed on. Default 5. */
  readonly fps?: number;
  /** Receives every frame; usually a `LatestFrameSlot`. Never closed by the capture. */
  readonly sink: FrameSink | ((frame: Frame) => void);
  readonly logger: Logger;
  /** Default `ffmpeg` on PATH. */
  readonly ffmpegPath?: string;
  /** No frame for this long (also from start to the first frame) → `stalled`, kill and restart. Default 10 000 ms. */
  readonly stallTimeoutMs?: number;
  /** Restart pacing; each field defaults to `BACKOFF_DEFAULTS`. */
  readonly backoff?: Partial<BackoffOptions>;
  /** Window of `captureFps`. Default 5000 ms. */
  readonly fpsWindowMs?: number;
  /** Passed to `FfmpegProcess`: wait after `q` on stop. Default 2000 ms. */
  readonly quitGraceMs?: number;
  /** Passed to `FfmpegProcess`: wait after SIGTERM. Default 2000 ms. */
  readonly termGraceMs?: number;
  /**
   * How frames travel from ffmpeg: `fifo` (a named pipe read straight into frame buffers; the default,
   * measured here at about half of Node's CPU per frame of `stdout`) or `stdout`. Without a working `mkfifo`, `fifo`
   * falls back to `stdout`.
   */
  readonly transport?: 'fifo' | 'stdout';
}

/** One ffmpeg run of a capture; events of an old run are ignored once a newer one exists. */
interface Run {
  readonly proc: FfmpegProcess;
  /** The read end of the FIFO for this run, when frames come through one. */
  readonly fifoReader: FifoFrameReader | undefined;
  readonly startedAt: number;
  lastFrameAt: number | undefined;
  streamingSince: number | undefined;
  lastError: string | undefined;
  stalled: boolean;
}

/** The protocol caps `reason` at 256 characters. */
const MAX_REASON = 256;
/**
 * From this many failures in a row on, attempts are logged at debug level: a camera that is off for
 * a day would otherwise write thousands of identical lines. Its status still carries the reason.
 */
const QUIET_AFTER_FAILURES = 3;

/**
 * One supervised ffmpeg per camera: decodes to packed RGB24 at a fixed size and rate, pushes frames
 * into a sink, and keeps the camera alive: a watchdog kills a process that delivers no frame for
 * `stallTimeoutMs`, and every exit is followed by a restart after an exponential, jittered backoff.
 *
 * States: connecting (process started, no frame yet) → streaming (frames flow) → stalled (watchdog
 * fired) or offline (process exited, or stopped); then connecting again. Everything is event-driven:
 * nothing here waits synchronously, so one dead camera never delays another.
 *
 * Frames travel through a FIFO by default (see {@link FrameFifo}), else stdout. A frame's `data` may
 * be a view into a larger pipe chunk (`byteOffset` ≠ 0); honour `byteOffset` when handing its memory
 * to native code. A capture runs once: after `stop()` create a new one.
 */
export class CameraCapture implements Capture {
  readonly cameraId: string;
  private readonly opts: CameraCaptureOptions;
  private readonly sink: FrameSink;
  private readonly log: Logger;
  private readonly secrets: readonly string[];
  private readonly args: readonly string[];
  private fifo: FrameFifo | undefined;
  /** Creation of the FIFO, awaited before the first ffmpeg starts and before it is removed. */
  private preparing: Promise<void> = Promise.resolve();
  private readonly frameBytes: number;
  /** Buffers of FIFO frames, refilled once released (see {@link release}). */
  private readonly pool: FramePool;
  private readonly stallTimeoutMs: number;
  private readonly backoff: BackoffOptions;
  private readonly meter: RateMeter;
  private readonly listeners = new Set<CaptureStatusListener>();
  private current: CaptureStatus;
  private run: Run | undefined;
  private started = false;
  private stopping: Promise<void> | undefined;
  private watchdog: NodeJS.Timeout | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  private failures = 0;
  private seq = 0;
  private frames = 0;
  private restarts = 0;
  private lastFrameAt: number | undefined;

  constructor(opts: CameraCaptureOptions) {
    this.opts = opts;
    this.cameraId = opts.cameraId;
    this.sink = toFrameSink(opts.sink);
    this.log = opts.logger.child({ cameraId: opts.cameraId });
    this.secrets = urlSecrets(opts.url);
    // Built once: the arguments are a pure function of the options, and a bad option should throw here.
    this.args = buildCaptureArgs({ ...opts, input: opts.url, fps: opts.fps ?? 5 });
    this.frameBytes = rgb24FrameBytes(opts.width, opts.height);
    this.pool = new FramePool(this.frameBytes);
    this.stallTimeoutMs = opts.stallTimeoutMs ?? 10_000;
    this.backoff = { ...BACKOFF_DEFAULTS, ...opts.backoff };
    this.meter = new RateMeter(opts.fpsWindowMs ?? 5_000);
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
      captureFps: Math.round(this.meter.rate(Date.now()) * 100) / 100,
      frames: this.frames,
      droppedFrames: this.sink.dropped ?? 0,
      restarts: this.restarts,
    };
    return this.lastFrameAt === undefined ? base : { ...base, lastFrameAt: this.lastFrameAt };
  }

  /**
   * Hands back a frame of this capture that nobody will read again (the pipeline moved past it, or the
   * latest-frame slot dropped it), so its buffer can take a later frame. Frames marked with
   * `keepFrame`, frames from stdout and frames of other captures are left alone.
   */
  release(frame: Frame): void {
    this.pool.release(frame);
  }

  onStatus(listener: CaptureStatusListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Starts the first ffmpeg. Calling it again is a no-op; after `stop()` it throws. */
  start(): void {
    if (this.stopping !== undefined) throw new Error(`capture ${this.cameraId} was stopped; create a new one`);
    if (this.started) return;
    this.started = true;
    if ((this.opts.transport ?? 'fifo') === 'stdout') {
      this.spawnRun();
      return;
    }
    this.setStatus('connecting', undefined);
    this.preparing = FrameFifo.create().then(
      (fifo) => {
        this.fifo = fifo;
      },
      (err: unknown) => {
        this.log.warn({ err }, 'no FIFO for frames (mkfifo failed): reading them from ffmpeg stdout');
      },
    );
    void this.preparing.then(() => {
      if (this.stopping === undefined && this.run === undefined) this.spawnRun();
    });
  }

  /**
   * Cancels any pending restart and stops ffmpeg (`q` if streaming, then SIGTERM, then SIGKILL);
   * resolves once it has exited. Idempotent.
   */
  stop(): Promise<void> {
    this.stopping ??= this.doStop();
    return this.stopping;
  }

  private async doStop(): Promise<void> {
    clearTimeout(this.watchdog);
    clearTimeout(this.restartTimer);
    this.watchdog = undefined;
    this.restartTimer = undefined;
    const run = this.run;
    const flowing = this.current.state === 'streaming';
    this.setStatus('offline', 'stopped');
    if (run !== undefined) {
      // ffmpeg reads `q` only between packets: worth asking while frames flow, a wasted grace period
      // while it is still opening the input or stuck in a read.
      await (flowing ? run.proc.stop() : run.proc.kill());
      run.fifoReader?.close();
      this.run = undefined;
    }
    await this.preparing;
    await this.fifo?.remove().catch((err: unknown) => this.log.warn({ err }, 'could not remove the frame FIFO'));
    this.log.info('capture stopped');
  }

  private spawnRun(): void {
    // The callbacks close over `run`, declared below: ffmpeg's events are asynchronous, so none can
    // fire before it exists.
    // Opened before ffmpeg starts: its open of the FIFO for writing then never waits for a reader.
    const fifoReader = this.openFifoReader((data) => this.onFrame(run, data, true));
    const reader = fifoReader === undefined ? new FrameReader(this.frameBytes, (data) => this.onFrame(run, data, false)) : undefined;
    const output = this.fifo !== undefined && fifoReader !== undefined ? this.fifo.path : undefined;
    const proc = FfmpegProcess.spawn({
      args: output === undefined ? this.args : buildCaptureArgs({ ...this.opts, input: this.opts.url, fps: this.opts.fps ?? 5, output }),
      logger: this.log,
      secrets: this.secrets,
      ...(this.opts.ffmpegPath === undefined ? {} : { ffmpegPath: this.opts.ffmpegPath }),
      ...(this.opts.quitGraceMs === undefined ? {} : { quitGraceMs: this.opts.quitGraceMs }),
      ...(this.opts.termGraceMs === undefined ? {} : { termGraceMs: this.opts.termGraceMs }),
      quiet: this.failures >= QUIET_AFTER_FAILURES,
      onStdout: (chunk) => {
        if (this.run === run) reader?.push(chunk);
      },
      onStderrLine: (line) => {
        if (isMeaningfulError(line)) run.lastError = formatFfmpegLogLine(line);
      },
    });
    const run: Run = {
      proc,
      fifoReader,
      startedAt: Date.now(),
      lastFrameAt: undefined,
      streamingSince: undefined,
      lastError: undefined,
      stalled: false,
    };
    this.run = run;
    this.setStatus('connecting', undefined);
    this.armWatchdog(run, this.stallTimeoutMs);
    void proc.exited.then((exit) => this.onExit(run, exit));
  }

  /** The FIFO's read end for a new run; undefined (frames then come from stdout) without a usable FIFO. */
  private openFifoReader(onFrame: (data: Buffer) => void): FifoFrameReader | undefined {
    if (this.fifo === undefined) return undefined;
    try {
      return this.fifo.openReader(this.frameBytes, onFrame, () => this.pool.acquire());
    } catch (err) {
      // E.g. a temp-dir cleaner removed the FIFO: this camera keeps running on stdout from now on.
      this.log.warn({ err }, 'cannot open the frame FIFO: reading frames from ffmpeg stdout');
      void this.fifo.remove().catch(() => undefined); // best effort: it may already be gone
      this.fifo = undefined;
      return undefined;
    }
  }

  private onFrame(run: Run, data: Buffer, pooled: boolean): void {
    if (this.run !== run || this.stopping !== undefined) return;
    const now = Date.now();
    run.lastFrameAt = now;
    this.lastFrameAt = now;
    this.frames++;
    this.meter.mark(now);
    if (run.streamingSince === undefined) {
      run.streamingSince = now;
      this.setStatus('streaming', undefined);
      this.log.debug({ startupMs: now - run.startedAt, restarts: this.restarts }, 'first frame');
    } else if (this.failures > 0 && now - run.streamingSince >= this.backoff.resetAfterMs) {
      this.failures = 0;
    }
    const frame: Frame = {
      cameraId: this.cameraId,
      seq: this.seq++,
      capturedAt: now,
      width: this.opts.width,
      height: this.opts.height,
      data,
      ...(pooled ? { lease: this.pool.lease(data) } : {}),
    };
    try {
      this.sink.put(frame);
    } catch (err) {
      // A faulty consumer must not kill the capture: the frame is lost, the next one is tried again.
      this.log.error({ err }, 'frame sink threw');
    }
  }

  /** Checks at the moment the timeout could expire rather than re-arming a timer on every frame. */
  private armWatchdog(run: Run, delayMs: number): void {
    clearTimeout(this.watchdog);
    this.watchdog = setTimeout(() => {
      if (this.run !== run || this.stopping !== undefined) return;
      const idleMs = Date.now() - (run.lastFrameAt ?? run.startedAt);
      if (idleMs < this.stallTimeoutMs) {
        this.armWatchdog(run, this.stallTimeoutMs - idleMs);
        return;
      }
      this.onStall(run, idleMs);
    }, delayMs);
  }

  private onStall(run: Run, idleMs: number): void {
    run.stalled = true;
    const what = run.lastFrameAt === undefined ? 'no frame' : 'no new frame';
    const detail = run.lastError === undefined ? '' : `; last ffmpeg error: ${run.lastError}`;
    this.setStatus('stalled', `${what} for ${(idleMs / 1000).toFixed(1)} s${detail}`);
    this.log[this.failures >= QUIET_AFTER_FAILURES ? 'debug' : 'warn']({ idleMs }, 'camera stalled, killing ffmpeg');
    // The exit handler schedules the restart, so a process that dies on its own and one killed here
    // take the same path.
    void run.proc.kill();
  }

  private onExit(run: Run, exit: FfmpegExit): void {
    // Closed on every exit: the next run opens its own reader, so no partial frame carries over.
    run.fifoReader?.close();
    if (this.run !== run) return;
    this.run = undefined;
    clearTimeout(this.watchdog);
    this.watchdog = undefined;
    if (this.stopping !== undefined) return;

    this.failures++;
    if (!run.stalled) this.setStatus('offline', exitReason(run, exit));
    const delayMs = backoffDelay(this.failures, this.backoff);
    const { code, signal } = exit;
    const details = { code, signal, reason: this.current.reason, failures: this.failures, delayMs };
    const level = this.failures > QUIET_AFTER_FAILURES ? 'debug' : 'warn';
    this.log[level](details, 'ffmpeg ended, restarting after backoff');
    if (this.failures === QUIET_AFTER_FAILURES) {
      this.log.warn('camera keeps failing: further attempts are logged at debug level until it streams');
    }
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (this.stopping !== undefined) return;
      this.restarts++;
      this.spawnRun();
    }, delayMs);
  }

  private setStatus(state: CameraState, reason: string | undefined): void {
    const prev = this.current;
    const safeReason = reason === undefined ? undefined : truncate(redactSecrets(reason, this.secrets));
    if (prev.state === state && prev.reason === safeReason) return;
    const since = prev.state === state ? prev.since : Date.now();
    this.current =
      safeReason === undefined
        ? { cameraId: this.cameraId, state, since }
        : { cameraId: this.cameraId, state, reason: safeReason, since };
    if (prev.state !== state) {
      const level = this.failures >= QUIET_AFTER_FAILURES && state !== 'streaming' ? 'debug' : 'info';
      this.log[level]({ state, from: prev.state, reason: safeReason }, `camera ${state}`);
    }
    for (const listener of this.listeners) {
      try {
        listener(this.current);
      } catch (err) {
        // A listener's bug must not break the state machine of the camera.
        this.log.error({ err }, 'status listener threw');
      }
    }
  }
}

function exitReason(run: Run, exit: FfmpegExit): string {
  if (exit.error !== undefined) return exit.error.message;
  if (run.lastError !== undefined) return run.lastError;
  if (exit.signal !== null) return `ffmpeg killed by ${exit.signal}`;
  return exit.code === 0 ? 'ffmpeg exited: end of stream' : `ffmpeg exited with code ${exit.code}`;
}

function truncate(text: string): string {
  return text.length <= MAX_REASON ? text : `${text.slice(0, MAX_REASON - 1)}…`;
}
