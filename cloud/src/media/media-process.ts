import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { FastifyBaseLogger } from 'fastify';
import { compileValidator, formatIssues } from '../../../protocol/index.js';
import { ChildMessage, type StartMessage } from './media-ipc.js';
import type { MediaEvent, MediaRelay } from './media-relay.js';

/** Restart pacing of the media child. */
export interface MediaBackoff {
  readonly initialMs: number;
  readonly maxMs: number;
  /** A child that stayed up this long is forgiven its earlier crashes. */
  readonly resetAfterMs: number;
}

export const MEDIA_BACKOFF_DEFAULTS: MediaBackoff = { initialMs: 500, maxMs: 30_000, resetAfterMs: 60_000 };

/** Options of {@link MediaProcess}. */
export interface MediaProcessOptions {
  /** Bind address of the RTMP and HTTP-FLV listeners. */
  readonly host: string;
  /** 0: a free port chosen by this process (again after a start failure, which may be a port clash). */
  readonly rtmpPort: number;
  readonly httpPort: number;
  readonly signingKey: Buffer;
  /** Directory for the media server's own small store (its stream history). */
  readonly storeDir: string;
  readonly logger: FastifyBaseLogger;
  readonly nmsLogLevel: StartMessage['nmsLogLevel'];
  /** A child not ready this long after its start is killed and restarted. Default 15 000 ms. */
  readonly readyTimeoutMs?: number;
  readonly backoff?: MediaBackoff;
  /** How long `stop()` waits for the child before SIGKILL. Default 3000 ms. */
  readonly stopGraceMs?: number;
}

const childValidator = compileValidator(ChildMessage);
const STDERR_TAIL = 20;

/**
 * Path of the child entry and the Node options to run it: the compiled `nms-child.js` next to this
 * file, or — when this file runs from TypeScript sources (tests) — `nms-child.ts` through tsx's loader.
 */
function childEntry(): { file: string; execArgv: string[] } {
  const here = import.meta.url;
  if (here.endsWith('.ts')) {
    return { file: fileURLToPath(new URL('./nms-child.ts', here)), execArgv: ['--import', tsxLoaderUrl(here)] };
  }
  return { file: fileURLToPath(new URL('./nms-child.js', here)), execArgv: [] };
}

/** File URL of tsx's loader (its package's `.` export), resolved from this package. */
function tsxLoaderUrl(from: string): string {
  const pkgFile = createRequire(from).resolve('tsx/package.json');
  const pkg = JSON.parse(readFileSync(pkgFile, 'utf8')) as { exports?: Record<string, unknown> };
  const rel = pkg.exports?.['.'];
  if (typeof rel !== 'string') throw new Error('tsx does not export its loader as "."; cannot run the media child from TypeScript');
  return pathToFileURL(path.join(path.dirname(pkgFile), rel)).href;
}

/** A port free on `host` right now (the OS's choice). It may be taken before use: a failed start picks again. */
export function pickFreePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('no port assigned'))));
    });
  });
}

/**
 * Runs and supervises the media child (`nms-child.ts`): forks it, hands it ports and the signing key
 * over IPC, waits for its `ready`, forwards its reports, and restarts it with backoff when it exits or
 * does not become ready. Ports stay the same across restarts, so edges retrying their push and viewers
 * reconnecting find the new child where the old one was.
 */
export class MediaProcess implements MediaRelay {
  private child: ChildProcess | undefined;
  private readonly listeners = new Set<(ev: MediaEvent) => void>();
  private ports: { rtmp: number; http: number } | undefined;
  private readyInfo: { rtmpPort: number; httpPort: number } | undefined;
  private stopping = false;
  private failures = 0;
  /** The last child exited before it was ready: maybe its port was taken, so pick free ones again. */
  private failedBeforeReady = false;
  private restartCount = 0;
  private restartTimer: NodeJS.Timeout | undefined;
  private firstStart: { resolve: () => void; reject: (err: Error) => void } | undefined;
  private readonly backoff: MediaBackoff;
  private readonly log: FastifyBaseLogger;

  constructor(private readonly opts: MediaProcessOptions) {
    this.backoff = opts.backoff ?? MEDIA_BACKOFF_DEFAULTS;
    this.log = opts.logger;
  }

  /** Listens to every {@link MediaEvent}; returns the unsubscribe function. */
  onEvent(listener: (ev: MediaEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Ports of the ready child, or undefined while it is down or starting. */
  get endpoint(): { rtmpPort: number; httpPort: number } | undefined {
    return this.readyInfo;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Children started after the first. */
  get restarts(): number {
    return this.restartCount;
  }

  /**
   * Starts the child and resolves once it is ready; rejects if that first start fails (supervision
   * goes on and retries, so a caller may carry on without live video until it comes up).
   */
  start(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.firstStart = { resolve, reject };
      void this.spawn();
    });
  }

  /** Stops the child (IPC `stop`, then SIGKILL after the grace) and supervision. Idempotent. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    const child = this.child;
    this.firstStart?.reject(new Error('media process stopped'));
    this.firstStart = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    try {
      child.send({ type: 'stop' });
    } catch {
      // The channel is already closed: the child is on its way out; the kill below makes sure.
      child.kill('SIGTERM');
    }
    const timer = setTimeout(() => child.kill('SIGKILL'), this.opts.stopGraceMs ?? 3000);
    await exited;
    clearTimeout(timer);
  }

  private emit(ev: MediaEvent): void {
    for (const l of this.listeners) {
      try {
        l(ev);
      } catch (err) {
        this.log.error({ err, event: ev.type }, 'media event listener failed');
      }
    }
  }

  private async choosePorts(fresh: boolean): Promise<{ rtmp: number; http: number }> {
    if (this.ports && !fresh) return this.ports;
    const { host } = this.opts;
    const rtmp = this.opts.rtmpPort || (await pickFreePort(host));
    let http = this.opts.httpPort || (await pickFreePort(host));
    // Two OS picks in a row can coincide once the first probe socket is closed.
    while (http === rtmp && this.opts.httpPort === 0) http = await pickFreePort(host);
    this.ports = { rtmp, http };
    return this.ports;
  }

  private async spawn(): Promise<void> {
    if (this.stopping) return;
    let ports: { rtmp: number; http: number };
    let entry: { file: string; execArgv: string[] };
    try {
      ports = await this.choosePorts(this.failedBeforeReady);
      entry = childEntry();
    } catch (err) {
      this.onExit(`could not prepare the media child: ${(err as Error).message}`, false, 0);
      return;
    }
    if (this.stopping) return;
    const startedAt = Date.now();
    // Own process group: a terminal's Ctrl-C reaches the cloud only, which stops the child in order
    // (the child also exits when its IPC channel to the cloud closes).
    const child = fork(entry.file, [], { execArgv: entry.execArgv, stdio: ['ignore', 'pipe', 'pipe', 'ipc'], detached: true });
    this.child = child;
    const log = this.log.child({ mediaPid: child.pid });
    const stderrTail: string[] = [];
    // node-media-server reports a port clash on stdout, then exits before anything reaches IPC.
    const stdoutTail: string[] = [];
    let ready = false;
    let failure: string | undefined;
    let ended = false;

    if (child.stdout) {
      // node-media-server's own console log: plenty of lines per session, useful only when debugging.
      createInterface({ input: child.stdout }).on('line', (line) => {
        if (!ready) {
          stdoutTail.push(line);
          if (stdoutTail.length > STDERR_TAIL) stdoutTail.shift();
        }
        log.debug({ nms: line }, 'media server log');
      });
    }
    if (child.stderr) {
      createInterface({ input: child.stderr }).on('line', (line) => {
        stderrTail.push(line);
        if (stderrTail.length > STDERR_TAIL) stderrTail.shift();
        log.warn({ stderr: line }, 'media child stderr');
      });
    }
    const readyTimer = setTimeout(() => {
      failure = `not ready within ${this.opts.readyTimeoutMs ?? 15_000} ms`;
      child.kill('SIGKILL');
    }, this.opts.readyTimeoutMs ?? 15_000);

    child.on('message', (raw: unknown) => {
      const checked = childValidator.check(raw);
      if (!checked.ok) {
        log.error({ issues: formatIssues(checked.issues) }, 'media child sent an invalid message');
        return;
      }
      const msg = checked.value;
      if (msg.type === 'ready') {
        ready = true;
        clearTimeout(readyTimer);
        this.readyInfo = { rtmpPort: msg.rtmpPort, httpPort: msg.httpPort };
        log.info({ rtmpPort: msg.rtmpPort, httpPort: msg.httpPort, nmsVersion: msg.nmsVersion, restarts: this.restartCount }, 'media server ready');
        this.emit({ type: 'ready', rtmpPort: msg.rtmpPort, httpPort: msg.httpPort, nmsVersion: msg.nmsVersion, pid: child.pid });
        this.firstStart?.resolve();
        this.firstStart = undefined;
      } else if (msg.type === 'failed') {
        failure = msg.message;
      } else {
        this.emit(msg);
      }
    });
    const onEnd = (why: string): void => {
      if (ended) return;
      ended = true;
      clearTimeout(readyTimer);
      if (this.child === child) this.child = undefined;
      const tail = [...(ready ? [] : stdoutTail.filter((l) => /error|fail/i.test(l))), ...stderrTail].slice(-3).join(' | ');
      const reason = failure ?? (tail ? `${why}; stderr: ${tail}` : why);
      this.onExit(reason, ready, Date.now() - startedAt);
    };
    child.on('error', (err) => {
      // A failed spawn emits 'error' without 'exit'; a failed kill or send on a live child is not an end.
      if (child.pid === undefined) onEnd(`could not start: ${err.message}`);
      else log.warn({ err: err.message }, 'media child process error');
    });
    child.on('exit', (code, signal) => onEnd(`exited (code ${code}, signal ${signal})`));

    const start: StartMessage = {
      type: 'start',
      host: this.opts.host,
      rtmpPort: ports.rtmp,
      httpPort: ports.http,
      signingKey: this.opts.signingKey.toString('base64'),
      storeDir: this.opts.storeDir,
      nmsLogLevel: this.opts.nmsLogLevel,
    };
    child.send(start, (err) => {
      if (err) log.warn({ err: err.message }, 'could not send start to the media child');
    });
  }

  private onExit(reason: string, wasReady: boolean, ranMs: number): void {
    this.readyInfo = undefined;
    this.failedBeforeReady = !wasReady;
    if (this.stopping) {
      this.emit({ type: 'down', reason, restartInMs: null });
      return;
    }
    this.failures = wasReady && ranMs >= this.backoff.resetAfterMs ? 1 : this.failures + 1;
    const delay = Math.min(this.backoff.maxMs, this.backoff.initialMs * 2 ** (this.failures - 1));
    this.log.error({ reason, wasReady, restartInMs: delay }, 'media child down; restarting');
    this.emit({ type: 'down', reason, restartInMs: delay });
    if (!wasReady && this.firstStart) {
      this.firstStart.reject(new Error(`media server did not start: ${reason}`));
      this.firstStart = undefined;
    }
    this.restartTimer = setTimeout(() => {
      this.restartCount++;
      void this.spawn();
    }, delay);
  }
}
