import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import type { Logger } from 'pino';
import { formatArgsForLog } from './ffmpeg-args.js';
import {
  formatFfmpegLogLine,
  parseFfmpegLogLine,
  redactSecrets,
  type FfmpegLogLevel,
  type FfmpegLogLine,
} from './ffmpeg-log.js';

/** How an ffmpeg process ended. */
export interface FfmpegExit {
  /** Exit code, or null when killed by a signal or never started. */
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** Set when the process could not be started (see {@link FfmpegNotFoundError}). */
  readonly error?: Error;
}

/** The ffmpeg executable does not exist at the configured path or on PATH. */
export class FfmpegNotFoundError extends Error {
  constructor(readonly ffmpegPath: string) {
    super(`ffmpeg not found (${ffmpegPath}): install it (Debian: apt-get install -y ffmpeg) or set ffmpegPath`);
    this.name = 'FfmpegNotFoundError';
  }
}

/** Options of {@link FfmpegProcess.spawn}. */
export interface FfmpegProcessOptions {
  /** Arguments without the program name, e.g. from `buildCaptureArgs`. */
  readonly args: readonly string[];
  /** Receives stderr lines (redacted) and lifecycle messages; bind the camera id on it. */
  readonly logger: Logger;
  /** Executable. Default `ffmpeg` (looked up on PATH). */
  readonly ffmpegPath?: string;
  /** Literal strings to scrub from every log line besides URL passwords, e.g. from `urlSecrets`. Default none. */
  readonly secrets?: readonly string[];
  /** Raw stdout chunks. Default: discarded (stdout is always drained so ffmpeg never blocks on it). */
  readonly onStdout?: (chunk: Buffer) => void;
  /** Every stderr line, parsed and already redacted, whether or not it was logged. */
  readonly onStderrLine?: (line: FfmpegLogLine) => void;
  /** `stop()`: how long to wait after `q` before SIGTERM. Default 2000 ms. */
  readonly quitGraceMs?: number;
  /** `stop()`/`kill()`: how long to wait after SIGTERM before SIGKILL. Default 2000 ms. */
  readonly termGraceMs?: number;
  /** At most this many stderr lines are logged per {@link stderrLogWindowMs}; the rest are counted. Default 20. */
  readonly stderrLogLimit?: number;
  /** Default 10 000 ms. */
  readonly stderrLogWindowMs?: number;
  /** Log stderr lines at debug level, e.g. for a camera already known to be failing. Default false. */
  readonly quiet?: boolean;
}

/** A stderr line longer than this is cut: ffmpeg never writes such lines unless something is broken. */
const MAX_LINE = 2048;

/**
 * One ffmpeg child process: spawned from an argument vector (never through a shell), stderr turned
 * into rate-limited, credential-free log lines, and a stop sequence that lets ffmpeg end cleanly
 * (`q` lets it send RTSP TEARDOWN) before escalating to SIGTERM and SIGKILL.
 */
export class FfmpegProcess {
  /** Resolves once the process has exited and its pipes are closed (or it failed to start). Never rejects. */
  readonly exited: Promise<FfmpegExit>;
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly log: Logger;
  private readonly secrets: readonly string[];
  private exit: FfmpegExit | undefined;
  private stopping: Promise<FfmpegExit> | undefined;
  /** Set once we asked ffmpeg to end: its complaints about that are expected, not errors. */
  private ending = false;
  private partialLine = '';
  private windowStart = 0;
  private windowLines = 0;
  private suppressed = 0;

  private constructor(private readonly opts: FfmpegProcessOptions) {
    this.secrets = opts.secrets ?? [];
    const ffmpegPath = opts.ffmpegPath ?? 'ffmpeg';
    // Own process group: a terminal's Ctrl-C reaches the edge only, which stops ffmpeg with `q` in its
    // shutdown order. If the edge dies instead, ffmpeg's next write to the closed stdout pipe ends it.
    this.child = spawn(ffmpegPath, opts.args, { stdio: ['pipe', 'pipe', 'pipe'], windowsHide: true, detached: true });
    // Not `pid`: pino already binds the Node process's own pid under that key.
    this.log = opts.logger.child({ ffmpegPid: this.child.pid });
    this.log.debug({ args: redactSecrets(formatArgsForLog(opts.args), this.secrets) }, 'spawning ffmpeg');

    this.exited = new Promise<FfmpegExit>((resolve) => {
      const finish = (exit: FfmpegExit): void => {
        if (this.exit !== undefined) return;
        this.flushPartialLine();
        this.flushSuppressed();
        this.exit = exit;
        this.log.debug({ code: exit.code, signal: exit.signal }, 'ffmpeg exited');
        resolve(exit);
      };
      this.child.on('error', (err: NodeJS.ErrnoException) => {
        // 'error' also fires for a failed kill() or stdin write on a live process; only a failed
        // spawn (no pid) ends the process's life here.
        if (this.child.pid !== undefined) {
          this.log.warn({ err: err.message }, 'ffmpeg process error');
          return;
        }
        const error = err.code === 'ENOENT' ? new FfmpegNotFoundError(ffmpegPath) : err;
        this.log.error({ err: error.message }, 'ffmpeg could not be started');
        finish({ code: null, signal: null, error });
      });
      this.child.once('close', (code, signal) => finish({ code, signal }));
    });

    // A write of `q` to an ffmpeg that just died fails with EPIPE; the exit is reported through
    // 'close', so the stream error carries nothing new.
    this.child.stdin.on('error', () => undefined);
    this.child.stdout.on('data', (chunk: Buffer) => opts.onStdout?.(chunk));
    this.child.stderr.setEncoding('utf8');
    this.child.stderr.on('data', (text: string) => this.onStderr(text));
  }

  /** Starts ffmpeg. Never throws for a missing executable: that arrives as `exited` with an `error`. */
  static spawn(opts: FfmpegProcessOptions): FfmpegProcess {
    return new FfmpegProcess(opts);
  }

  /** OS process id; undefined if the process could not be started. */
  get pid(): number | undefined {
    return this.child.pid;
  }

  /** True until the process has exited. */
  get running(): boolean {
    return this.exit === undefined;
  }

  /**
   * Asks ffmpeg to quit (`q`, which lets it send RTSP TEARDOWN), then SIGTERM (twice), then SIGKILL;
   * resolves once it has exited. Idempotent.
   */
  stop(): Promise<FfmpegExit> {
    this.stopping ??= this.escalate(true);
    return this.stopping;
  }

  /**
   * SIGTERM (twice), then SIGKILL; resolves once it has exited. For a process known to be stuck (a
   * stall): ffmpeg reads `q` only between packets, so a process blocked in a read never sees it.
   */
  kill(): Promise<FfmpegExit> {
    this.stopping ??= this.escalate(false);
    return this.stopping;
  }

  private async escalate(quitFirst: boolean): Promise<FfmpegExit> {
    if (this.exit !== undefined) return this.exit;
    this.ending = true;
    if (quitFirst) {
      this.child.stdin.write('q\n');
      if (await this.exitWithin(this.opts.quitGraceMs ?? 2000)) return this.exited;
      this.log.warn('ffmpeg ignored q, sending SIGTERM');
    }
    const termGraceMs = this.opts.termGraceMs ?? 2000;
    const secondAfterMs = Math.min(500, termGraceMs / 2);
    this.child.kill('SIGTERM');
    if (await this.exitWithin(secondAfterMs)) return this.exited;
    // Once transcoding has started, ffmpeg's interrupt callback aborts a blocking read only from the
    // second signal on (decode_interrupt_cb in fftools/ffmpeg.c): a process stuck on a silent socket
    // ignores the first. Measured here: alive 1 s after one SIGTERM, gone at once after the second.
    this.child.kill('SIGTERM');
    if (await this.exitWithin(termGraceMs - secondAfterMs)) return this.exited;
    this.log.warn('ffmpeg ignored SIGTERM, sending SIGKILL');
    this.child.kill('SIGKILL');
    return this.exited;
  }

  private exitWithin(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), ms);
      void this.exited.then(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  private onStderr(text: string): void {
    const parts = (this.partialLine + text).split(/\r\n|\r|\n/);
    this.partialLine = parts.pop() ?? '';
    if (this.partialLine.length > MAX_LINE) {
      parts.push(this.partialLine);
      this.partialLine = '';
    }
    for (const part of parts) this.onLine(part);
  }

  private flushPartialLine(): void {
    if (this.partialLine !== '') this.onLine(this.partialLine);
    this.partialLine = '';
  }

  private onLine(raw: string): void {
    if (raw.trim() === '') return;
    const parsed = parseFfmpegLogLine(raw.length > MAX_LINE ? `${raw.slice(0, MAX_LINE)}…` : raw);
    const line: FfmpegLogLine = { ...parsed, message: redactSecrets(parsed.message, this.secrets) };
    this.opts.onStderrLine?.(line);

    const now = Date.now();
    if (now - this.windowStart >= (this.opts.stderrLogWindowMs ?? 10_000)) {
      this.flushSuppressed();
      this.windowStart = now;
      this.windowLines = 0;
    }
    if (this.windowLines >= (this.opts.stderrLogLimit ?? 20)) {
      // A broken stream can print a decoder error per packet; the first lines tell the story.
      this.suppressed++;
      return;
    }
    this.windowLines++;
    const level = this.ending || this.opts.quiet === true ? 'debug' : pinoLevel(line.level);
    this.log[level]({ ffmpegLevel: line.level }, `ffmpeg: ${formatFfmpegLogLine(line)}`);
  }

  private flushSuppressed(): void {
    if (this.suppressed === 0) return;
    this.log.warn({ suppressed: this.suppressed }, `ffmpeg: ${this.suppressed} more stderr lines not logged`);
    this.suppressed = 0;
  }
}

function pinoLevel(level: FfmpegLogLevel): 'error' | 'warn' | 'info' | 'debug' {
  switch (level) {
    case 'panic':
    case 'fatal':
    case 'error':
      return 'error';
    case 'warning':
      return 'warn';
    case 'info':
      return 'info';
    default:
      return 'debug';
  }
}
