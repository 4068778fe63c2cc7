import type { Logger } from 'pino';
import { urlSecrets } from '../capture/ffmpeg-log.js';
import { FfmpegProcess, type FfmpegExit } from '../capture/ffmpeg-process.js';
import { backoffDelay, type BackoffOptions } from '../capture/restart-backoff.js';
import { buildPushArgs, createProgressParser, isFlvCodecRefusal, type PushTranscodeOptions, type PushVideoMode } from './push-args.js';

/** A camera the relay may push: where to pull it and whether it may be re-encoded. */
export interface RelayCamera {
  readonly id: string;
  /** RTSP URL (credentials allowed; they are redacted in logs). */
  readonly url: string;
  /** RTSP transport. Default `tcp`. */
  readonly transport?: 'tcp' | 'udp';
  /**
   * Re-encode to H.264 when the camera sends a codec FLV cannot carry (H.265). Costs most of a core per
   * 1080p stream on a small edge, so it is off unless the camera is configured to allow it.
   */
  readonly allowTranscode?: boolean;
}

/** Where a push goes: the media server URL for the camera's stream and its publish signature. */
export interface PushTarget {
  readonly rtmpUrl: string;
  readonly sign: string;
}

/** Life of one camera's push. */
export type RelayPushState = 'starting' | 'running' | 'retrying' | 'failed' | 'stopped';

/** Tuning of a push; every field has a default. */
export interface RelayPushTuning {
  /** ffmpeg executable. Default `ffmpeg` on PATH. */
  readonly ffmpegPath?: string;
  /** An attempt that has not written a frame after this long is killed and counts as a failure. Default 10 000 ms. */
  readonly firstFrameTimeoutMs?: number;
  /** A running push whose frame count stops growing for this long is killed (a stall). Default 10 000 ms. */
  readonly stallTimeoutMs?: number;
  /**
   * Failures in a row after which the push gives up (state `failed`); the cloud sends a new
   * `relay:start` while someone still wants to watch. Default 5.
   */
  readonly maxFailures?: number;
  readonly backoff?: BackoffOptions;
  readonly transcode?: PushTranscodeOptions;
}

/** Restart pacing of a push: quicker than capture's, because a person is waiting for the picture. */
export const RELAY_BACKOFF: BackoffOptions = { initialMs: 500, maxMs: 8_000, factor: 2, jitter: 0.2, resetAfterMs: 30_000 };

/** Why a push could not start or gave up. */
export class RelayPushError extends Error {
  constructor(
    message: string,
    /** True when retrying cannot help (codec refused, ffmpeg missing). */
    readonly permanent: boolean,
  ) {
    super(message);
    this.name = 'RelayPushError';
  }
}

interface Waiter {
  resolve(): void;
  reject(err: Error): void;
}

/**
 * One camera's push to the media server: ffmpeg pulls RTSP and publishes FLV over RTMP (`-c copy`, or
 * H.264 when the camera sends H.265 and may be transcoded). Supervised: an attempt that writes no frame
 * in time or stalls is killed, a failed attempt is retried with backoff, and after `maxFailures` in a
 * row the push gives up until it is started again.
 */
export class RelayPush {
  private stateValue: RelayPushState = 'starting';
  private modeValue: PushVideoMode = 'copy';
  private target: PushTarget;
  private proc: FfmpegProcess | undefined;
  private waiters: Waiter[] = [];
  private failures = 0;
  private restartsValue = 0;
  private lastErrorValue: string | undefined;
  private wakeSleep: (() => void) | undefined;
  private retargeted = false;
  private readonly loop: Promise<void>;
  private readonly tuning: Required<Omit<RelayPushTuning, 'transcode' | 'ffmpegPath'>> & RelayPushTuning;

  constructor(
    readonly camera: RelayCamera,
    target: PushTarget,
    private readonly log: Logger,
    tuning: RelayPushTuning = {},
  ) {
    this.target = target;
    this.tuning = {
      firstFrameTimeoutMs: 10_000,
      stallTimeoutMs: 10_000,
      maxFailures: 5,
      backoff: RELAY_BACKOFF,
      ...tuning,
    };
    this.loop = this.run();
  }

  get state(): RelayPushState {
    return this.stateValue;
  }

  /** `copy`, or `h264` once the camera turned out to send H.265 and may be transcoded. */
  get mode(): PushVideoMode {
    return this.modeValue;
  }

  /** Attempts started after the first. */
  get restarts(): number {
    return this.restartsValue;
  }

  get lastError(): string | undefined {
    return this.lastErrorValue;
  }

  /** The current ffmpeg's process id, if one runs. */
  get pid(): number | undefined {
    return this.proc?.running ? this.proc.pid : undefined;
  }

  get currentTarget(): PushTarget {
    return this.target;
  }

  /**
   * Resolves once video flows to the media server (immediately when it already does); rejects when the
   * push gives up or is stopped, or after `timeoutMs`.
   */
  whenRunning(timeoutMs: number): Promise<void> {
    if (this.stateValue === 'running') return Promise.resolve();
    if (this.stateValue === 'failed') return Promise.reject(new RelayPushError(this.lastErrorValue ?? 'relay failed', true));
    if (this.stateValue === 'stopped') return Promise.reject(new RelayPushError('relay stopped', true));
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
        reject: (err) => {
          clearTimeout(timer);
          reject(err);
        },
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        const why = this.lastErrorValue ? `; last error: ${this.lastErrorValue}` : '';
        reject(new RelayPushError(`no video reached the media server within ${timeoutMs} ms${why}`, false));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  /**
   * Points the push at a new target. A new URL (the media server moved) restarts ffmpeg at once; a new
   * signature alone is kept for the next attempt, since a running publish needs none.
   */
  retarget(target: PushTarget): void {
    const moved = target.rtmpUrl !== this.target.rtmpUrl;
    this.target = target;
    if (!moved) return;
    this.retargeted = true;
    // Video to the old URL does not count: whoever waits now waits for the new one.
    if (this.stateValue === 'running') this.setState('starting');
    this.failures = 0;
    this.wakeSleep?.();
    void this.proc?.stop();
  }

  /** Stops ffmpeg (`q`, SIGTERM, SIGKILL) and ends supervision; resolves once ffmpeg has exited. Idempotent. */
  async stop(): Promise<void> {
    if (this.stateValue !== 'stopped') {
      this.setState('stopped');
      this.rejectWaiters(new RelayPushError('relay stopped', true));
      this.wakeSleep?.();
      await this.proc?.stop();
    }
    await this.loop;
  }

  /** A method, not a field read, because the state changes across awaits behind TypeScript's narrowing. */
  private isStopped(): boolean {
    return this.stateValue === 'stopped';
  }

  private setState(state: RelayPushState): void {
    if (this.stateValue === 'stopped') return;
    this.stateValue = state;
    if (state === 'running') {
      for (const w of this.waiters.splice(0)) w.resolve();
    }
  }

  private rejectWaiters(err: Error): void {
    for (const w of this.waiters.splice(0)) w.reject(err);
  }

  private async run(): Promise<void> {
    let first = true;
    while (this.stateValue !== 'stopped') {
      if (!first) this.restartsValue++;
      first = false;
      this.retargeted = false;
      const outcome = await this.attempt();
      if (this.isStopped()) break;
      if (this.retargeted) continue;
      if (outcome.kind === 'codec-refused') {
        if (this.camera.allowTranscode === true && this.modeValue === 'copy') {
          this.log.warn('camera sends a codec FLV cannot carry (H.265); re-encoding to H.264 for live view');
          this.modeValue = 'h264';
          continue;
        }
        this.giveUp('the camera sends a codec FLV cannot carry (H.265?) and transcoding is not allowed for it');
        break;
      }
      if (outcome.kind === 'no-ffmpeg') {
        this.giveUp(outcome.message);
        break;
      }
      this.failures = outcome.healthyMs >= this.tuning.backoff.resetAfterMs ? 1 : this.failures + 1;
      if (this.failures >= this.tuning.maxFailures) {
        this.giveUp(`gave up after ${this.failures} failed attempts in a row; last: ${this.lastErrorValue ?? outcome.message}`);
        break;
      }
      this.setState('retrying');
      const delay = backoffDelay(this.failures, this.tuning.backoff);
      this.log.warn({ failures: this.failures, delayMs: delay, reason: outcome.message }, 'relay push failed; retrying');
      await this.sleep(delay);
    }
  }

  private giveUp(message: string): void {
    this.lastErrorValue = message;
    this.log.error({ reason: message }, 'relay push gave up');
    this.setState('failed');
    this.rejectWaiters(new RelayPushError(message, true));
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      const wake = (): void => done();
      this.wakeSleep = wake;
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
    });
  }

  private async attempt(): Promise<
    | { kind: 'exited'; message: string; healthyMs: number }
    | { kind: 'codec-refused' }
    | { kind: 'no-ffmpeg'; message: string }
  > {
    this.setState('starting');
    const { target, camera } = this;
    const output = `${target.rtmpUrl}?sign=${target.sign}`;
    const args = buildPushArgs({
      input: camera.url,
      output,
      video: this.modeValue,
      rtspTransport: camera.transport ?? 'tcp',
      ...(this.tuning.transcode ? { transcode: this.tuning.transcode } : {}),
    });
    let codecRefused = false;
    let lastError: string | undefined;
    let frames = 0;
    let lastAdvanceAt = Date.now();
    let runningSince: number | undefined;
    const onProgress = createProgressParser((p) => {
      if (p.frames > frames) {
        frames = p.frames;
        lastAdvanceAt = Date.now();
        if (runningSince === undefined) {
          runningSince = lastAdvanceAt;
          this.log.info({ mode: this.modeValue, restarts: this.restartsValue }, 'relay push running');
          this.setState('running');
        }
      }
    });
    const proc = FfmpegProcess.spawn({
      args,
      logger: this.log,
      ...(this.tuning.ffmpegPath !== undefined ? { ffmpegPath: this.tuning.ffmpegPath } : {}),
      // The sign lets anyone publish this camera's stream until it expires: never log it.
      secrets: [target.sign, ...urlSecrets(camera.url)],
      onStdout: onProgress,
      onStderrLine: (line) => {
        if (line.level === 'error' || line.level === 'fatal') {
          lastError = line.message;
          if (isFlvCodecRefusal(line.message)) codecRefused = true;
        }
      },
    });
    this.proc = proc;
    const watchdog = setInterval(() => {
      const limit = runningSince === undefined ? this.tuning.firstFrameTimeoutMs : this.tuning.stallTimeoutMs;
      if (Date.now() - lastAdvanceAt > limit) {
        lastError = runningSince === undefined ? `no frame written within ${limit} ms` : `no new frame for ${limit} ms (stalled)`;
        this.log.warn({ reason: lastError }, 'killing relay push');
        void proc.kill();
      }
    }, 500);
    const exit: FfmpegExit = await proc.exited;
    clearInterval(watchdog);
    this.proc = undefined;
    if (exit.error) return { kind: 'no-ffmpeg', message: exit.error.message };
    if (codecRefused) return { kind: 'codec-refused' };
    const message = lastError ?? `ffmpeg exited (code ${exit.code}, signal ${exit.signal})`;
    this.lastErrorValue = message;
    return { kind: 'exited', message, healthyMs: runningSince === undefined ? 0 : Date.now() - runningSince };
  }
}
