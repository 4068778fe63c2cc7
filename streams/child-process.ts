import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants as fsConstants } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { redactUrl } from '../common/redact.js';

/** How a child process ended. */
export interface ChildExit {
  /** Exit code, or null when killed by a signal or never started. */
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** Set when the process could not be started at all (e.g. ENOENT). */
  readonly error?: Error;
}

/** Options of {@link ManagedChild}. */
export interface ManagedChildOptions {
  readonly command: string;
  readonly args: readonly string[];
  /** Receives stderr lines at debug level, already redacted. */
  readonly logger: Logger;
  /** `pipe` when the process is stopped by writing to stdin (ffmpeg's `q`). Default `ignore`. */
  readonly stdin?: 'pipe' | 'ignore';
  /** Called with each complete stdout line. Default: stdout is drained and dropped. */
  readonly onStdoutLine?: (line: string) => void;
  /** How many stderr lines to keep for error messages. Default 20. */
  readonly stderrTail?: number;
}

/** Options of {@link ManagedChild.stop}. */
export interface StopOptions {
  /** Written to stdin first (ffmpeg: `q`) when stdin is a pipe. */
  readonly quitInput?: string;
  /** Wait after the quit input before SIGTERM. Default 2000 ms. */
  readonly quitGraceMs?: number;
  /** Wait after SIGTERM before SIGKILL. Default 2000 ms. */
  readonly termGraceMs?: number;
}

const MAX_LINE = 2048;

/**
 * One child process spawned from an argument vector (never a shell), with its stderr kept as a
 * short redacted tail for error messages and a stop sequence that escalates from a polite request
 * to SIGTERM and then SIGKILL.
 */
export class ManagedChild {
  /** Resolves once the process has exited (or failed to start). Never rejects. */
  readonly exited: Promise<ChildExit>;
  private readonly child: ChildProcess;
  private readonly tail: string[] = [];
  private readonly tailSize: number;
  private exit: ChildExit | undefined;
  private stopping: Promise<ChildExit> | undefined;

  constructor(private readonly opts: ManagedChildOptions) {
    this.tailSize = opts.stderrTail ?? 20;
    this.child = spawn(opts.command, opts.args, {
      stdio: [opts.stdin ?? 'ignore', 'pipe', 'pipe'],
      windowsHide: true,
      // Own process group: a terminal's Ctrl-C goes to the parent only, which then stops children in order
      // (the server exits by itself when its parent disappears, and feeders follow it).
      detached: true,
    });
    let resolveExit!: (e: ChildExit) => void;
    this.exited = new Promise((resolve) => (resolveExit = resolve));
    const finish = (e: ChildExit): void => {
      if (this.exit) return;
      this.exit = e;
      resolveExit(e);
    };
    // 'close' (not 'exit') so the last stderr lines are in the tail before anyone reads it.
    this.child.on('close', (code, signal) => finish({ code, signal }));
    this.child.on('error', (error) => {
      // 'error' without 'close' happens when the spawn itself failed.
      if (this.child.pid === undefined) finish({ code: null, signal: null, error });
      else opts.logger.warn({ err: error }, 'child process error');
    });
    // A closed stdin (the process exited) must not surface as an unhandled EPIPE.
    this.child.stdin?.on('error', () => undefined);
    this.child.stdout?.setEncoding('utf8');
    this.child.stderr?.setEncoding('utf8');
    onLines(this.child.stdout, (line) => opts.onStdoutLine?.(line));
    onLines(this.child.stderr, (line) => {
      const clean = redactUrl(line.length > MAX_LINE ? `${line.slice(0, MAX_LINE)}…` : line);
      this.tail.push(clean);
      if (this.tail.length > this.tailSize) this.tail.shift();
      opts.logger.debug({ stderr: clean }, 'child stderr');
    });
  }

  /** Process id, undefined if the spawn failed. */
  get pid(): number | undefined {
    return this.child.pid;
  }

  /** True until the process has exited. */
  get running(): boolean {
    return this.exit === undefined;
  }

  /** The last stderr lines, oldest first, credentials redacted. */
  stderrTail(): string[] {
    return [...this.tail];
  }

  /** Stops the process: quit input (if any), then SIGTERM, then SIGKILL. Idempotent. */
  stop(opts: StopOptions = {}): Promise<ChildExit> {
    this.stopping ??= this.runStop(opts);
    return this.stopping;
  }

  /** Sends SIGKILL at once; for the synchronous process-exit safety net. */
  killNow(): void {
    if (this.exit === undefined && this.child.pid !== undefined) {
      try {
        this.child.kill('SIGKILL');
      } catch {
        // Already gone between the check and the kill: nothing left to do.
      }
    }
  }

  private async runStop(opts: StopOptions): Promise<ChildExit> {
    if (this.exit) return this.exit;
    const stdin = this.child.stdin;
    if (opts.quitInput !== undefined && stdin && stdin.writable) {
      stdin.end(opts.quitInput);
      const e = await this.waitExit(opts.quitGraceMs ?? 2000);
      if (e) return e;
      this.opts.logger.warn('child ignored its quit input; sending SIGTERM');
    }
    this.child.kill('SIGTERM');
    const e = await this.waitExit(opts.termGraceMs ?? 2000);
    if (e) return e;
    this.opts.logger.warn('child ignored SIGTERM; sending SIGKILL');
    this.child.kill('SIGKILL');
    return this.exited;
  }

  private async waitExit(ms: number): Promise<ChildExit | undefined> {
    const ac = new AbortController();
    const timer = sleep(ms, undefined, { signal: ac.signal }).then(
      () => undefined,
      () => undefined,
    );
    const e = await Promise.race([this.exited, timer]);
    ac.abort();
    return e;
  }
}

function onLines(stream: NodeJS.ReadableStream | null, cb: (line: string) => void): void {
  if (!stream) return;
  let partial = '';
  stream.on('data', (chunk: string) => {
    const parts = (partial + chunk).split(/\r?\n|\r/);
    partial = parts.pop() ?? '';
    if (partial.length > MAX_LINE * 4) partial = partial.slice(-MAX_LINE);
    for (const p of parts) if (p !== '') cb(p);
  });
  stream.on('end', () => {
    if (partial !== '') cb(partial);
    partial = '';
  });
}

/**
 * Where `command` would be executed from: itself when it contains a slash, else the first match on
 * PATH. Undefined when it does not exist or is not executable.
 */
export function findExecutable(command: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const candidates = command.includes('/')
    ? [command]
    : (env.PATH ?? '')
        .split(path.delimiter)
        .filter((d) => d !== '')
        .map((d) => path.join(d, command));
  for (const c of candidates) {
    try {
      accessSync(c, fsConstants.X_OK);
      return c;
    } catch {
      // Not here (or not executable): try the next PATH entry.
    }
  }
  return undefined;
}

/** One line saying how a child ended, with the last lines of its stderr. */
export function describeExit(e: ChildExit, tail: readonly string[]): string {
  const how = e.error ? e.error.message : e.signal ? `signal ${e.signal}` : `exit code ${e.code}`;
  return tail.length > 0 ? `${how}: ${tail.slice(-5).join(' | ')}` : how;
}
