import type { Logger } from 'pino';
import { ManagedChild, type ChildExit } from './child-process.js';

/** Restart pacing of a feeder that exits on its own. */
export interface FeederBackoff {
  /** Delay before the first restart. */
  readonly initialMs: number;
  /** Upper bound; each consecutive failure doubles the delay up to this. */
  readonly maxMs: number;
  /** A run at least this long forgets earlier failures. */
  readonly resetAfterMs: number;
}

/** 0.5 s, 1 s, 2 s … up to 10 s; a run of 10 s counts as healthy. */
export const FEEDER_BACKOFF_DEFAULTS: FeederBackoff = { initialMs: 500, maxMs: 10_000, resetAfterMs: 10_000 };

/** Options of {@link Feeder}. */
export interface FeederOptions {
  readonly name: string;
  readonly ffmpegPath: string;
  /** From `buildFeederArgs`. */
  readonly args: readonly string[];
  readonly logger: Logger;
  readonly backoff?: FeederBackoff;
}

/**
 * One camera's ffmpeg feeder, supervised: restarted with backoff when it exits on its own, and
 * stoppable on purpose (`q`, then SIGTERM, then SIGKILL) to simulate an outage.
 */
export class Feeder {
  /** Restarts after unexpected exits since construction. */
  restarts = 0;
  private child: ManagedChild | undefined;
  private wanted = false;
  private failures = 0;
  private startedAt = 0;
  private restartTimer: NodeJS.Timeout | undefined;
  private stopping: Promise<void> | undefined;
  private lastTail: string[] = [];
  private readonly backoff: FeederBackoff;
  private readonly log: Logger;

  constructor(private readonly opts: FeederOptions) {
    this.backoff = opts.backoff ?? FEEDER_BACKOFF_DEFAULTS;
    this.log = opts.logger.child({ camera: opts.name });
  }

  /** Pid of the running ffmpeg, undefined while stopped or waiting to restart. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** The last stderr lines of the current or most recent ffmpeg. */
  stderrTail(): string[] {
    return this.child?.stderrTail() ?? [...this.lastTail];
  }

  /** Starts feeding (no-op if already wanted). Waits for an outage-stop still in progress first. */
  start(): void {
    if (this.wanted) return;
    this.wanted = true;
    this.failures = 0;
    if (this.stopping) {
      void this.stopping.then(() => {
        if (this.wanted && !this.child && !this.restartTimer) this.spawn();
      });
    } else {
      this.spawn();
    }
  }

  /** Stops feeding and resolves once ffmpeg has exited; no restart follows. */
  stop(): Promise<void> {
    this.wanted = false;
    this.clearTimer();
    const child = this.child;
    if (!child) return this.stopping ?? Promise.resolve();
    const p = child.stop({ quitInput: 'q', quitGraceMs: 2000, termGraceMs: 2000 }).then(() => {
      if (this.stopping === p) this.stopping = undefined;
    });
    this.stopping = p;
    return p;
  }

  /** SIGKILL without waiting: the synchronous process-exit safety net. */
  killNow(): void {
    this.wanted = false;
    this.clearTimer();
    this.child?.killNow();
  }

  private spawn(): void {
    const child = new ManagedChild({
      command: this.opts.ffmpegPath,
      args: this.opts.args,
      logger: this.log,
      stdin: 'pipe',
    });
    this.child = child;
    this.startedAt = Date.now();
    this.log.debug({ feederPid: child.pid }, 'feeder started');
    void child.exited.then((e) => this.onExit(child, e));
  }

  private onExit(child: ManagedChild, e: ChildExit): void {
    if (child !== this.child) return;
    this.child = undefined;
    this.lastTail = child.stderrTail();
    if (!this.wanted) {
      this.log.debug({ code: e.code, signal: e.signal }, 'feeder stopped');
      return;
    }
    if (Date.now() - this.startedAt >= this.backoff.resetAfterMs) this.failures = 0;
    this.failures++;
    const delayMs = Math.min(this.backoff.maxMs, this.backoff.initialMs * 2 ** (this.failures - 1));
    this.restarts++;
    this.log.warn(
      { code: e.code, signal: e.signal, err: e.error, delayMs, stderr: this.lastTail.slice(-3) },
      'feeder exited; restarting after backoff',
    );
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (this.wanted && !this.child) this.spawn();
    }, delayMs);
  }

  private clearTimer(): void {
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
  }
}
