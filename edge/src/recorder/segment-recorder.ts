import path from 'node:path';
import type { Logger } from 'pino';
import { redactSecrets, urlSecrets } from '../capture/ffmpeg-log.js';
import type { FfmpegExit } from '../capture/ffmpeg-process.js';
import { BACKOFF_DEFAULTS, backoffDelay, type BackoffOptions } from '../capture/restart-backoff.js';
import { ClipRequests, type ClipRequestOptions, type RecordedClip } from './clip-requests.js';
import { buildSegmentArgs, SEGMENT_ARGS_DEFAULTS, type SegmentArgsOptions } from './segment-args.js';
import { partFilePattern } from './segment-files.js';
import type { ProtectionHandle, RecordingMode, SegmentInfo } from './segment-index.js';
import { SegmentRun } from './segment-run.js';
import { SegmentStore, type PruneResult } from './segment-store.js';
import type { RecorderState, RecorderStats, RecorderStatus } from './recorder-status.js';

/** Options of {@link SegmentRecorder}; every ffmpeg option of `SegmentArgsOptions` passes through. */
export interface SegmentRecorderOptions extends Omit<SegmentArgsOptions, 'input' | 'segmentPattern' | 'listFile'> {
  readonly cameraId: string;
  /** Camera URL (or a file, for tests); credentials never reach a log line or a status reason. */
  readonly url: string;
  /** This camera's own segment directory; created if missing. */
  readonly dir: string;
  readonly logger: Logger;
  /** Keep segments that ended up to this long ago. Default 300 s. */
  readonly bufferSeconds?: number;
  /** Keep at most this many bytes of finished segments (plus the one being written). Default 512 MiB. */
  readonly maxBytes?: number;
  /**
   * What is kept beyond the rolling buffer: `continuous` every segment, `events` the segments of
   * retained ranges (event windows, see {@link SegmentRecorder.retain}), `off` nothing. Default `off`.
   * `maxBytes` then bounds buffer and recording together.
   */
  readonly mode?: RecordingMode;
  /** How long recorded segments are kept in `continuous` and `events` modes. Default 7 days. */
  readonly retainMs?: number;
  /** A clip request longer than this is cut to its first `maxClipSeconds`. Default 120 s. */
  readonly maxClipSeconds?: number;
  /** Where `requestClip` writes clips unless told otherwise. Default `<dir>/clips`. */
  readonly clipDir?: string;
  /** Default `ffmpeg` on PATH. */
  readonly ffmpegPath?: string;
  /** Restart pacing; each field defaults to `BACKOFF_DEFAULTS`. */
  readonly backoff?: Partial<BackoffOptions>;
  /** No first segment this long after spawning ffmpeg → stalled, restart. Default 30 000 ms (covers a 10 s GOP). */
  readonly startTimeoutMs?: number;
  /** No packet for this long while recording → stalled, restart. Default 10 000 ms. */
  readonly packetTimeoutMs?: number;
  /**
   * No new segment for this many segment lengths → stalled, restart. The length is the largest of
   * `segmentSeconds`, the GOP and the longest segment seen, since segments cut on keyframes. Default 3.
   */
  readonly stallSegments?: number;
  /** Lower bound of that segment timeout. Default 15 000 ms. */
  readonly minStallTimeoutMs?: number;
  /** How often the buffer is pruned. Default 5000 ms. */
  readonly pruneIntervalMs?: number;
  /** Passed to `FfmpegProcess`. Default 2000 ms each. */
  readonly quitGraceMs?: number;
  readonly termGraceMs?: number;
}

/** Defaults of {@link SegmentRecorderOptions}. */
export const RECORDER_DEFAULTS = {
  bufferSeconds: 300,
  maxBytes: 512 * 1024 * 1024,
  maxClipSeconds: 120,
  startTimeoutMs: 30_000,
  packetTimeoutMs: 10_000,
  stallSegments: 3,
  minStallTimeoutMs: 15_000,
  pruneIntervalMs: 5_000,
  retainMs: 7 * 24 * 3600 * 1000,
} as const;

const QUIET_AFTER_FAILURES = 3;
const TICK_MS = 1000;

/**
 * A camera's rolling buffer: one supervised ffmpeg stream-copies the camera into short MPEG-TS
 * segments (see `buildSegmentArgs`), each finished segment is renamed to `<startAt>-<endAt>.ts`
 * and indexed, old ones are pruned by age and quota unless a protection pins them, and clips with
 * pre- and post-capture are assembled on request.
 *
 * The index survives restarts of ffmpeg and of the edge: `start()` rebuilds it from the directory.
 * A watchdog restarts ffmpeg, with backoff, when packets or segments stop coming.
 */
export class SegmentRecorder {
  readonly cameraId: string;
  private readonly opts: SegmentRecorderOptions;
  private readonly log: Logger;
  private readonly secrets: readonly string[];
  private readonly store: SegmentStore;
  private readonly clips: ClipRequests;
  private readonly backoff: BackoffOptions;
  private readonly segmentMs: number;
  private readonly listeners = new Set<(seg: SegmentInfo) => void>();
  private current: RecorderStatus;
  private run: SegmentRun | undefined;
  private starting: Promise<void> | undefined;
  private stopping: Promise<void> | undefined;
  private tick: NodeJS.Timeout | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  private runExited: Promise<void> = Promise.resolve();
  private pruneChain: Promise<void> = Promise.resolve();
  private pruneInFlight = false;
  private retainChain: Promise<void> = Promise.resolve();
  private lastPruneAt = 0;
  private lastRunId = 0;
  private failures = 0;
  private restarts = 0;
  private packets = 0;
  private recovered = 0;
  private gopMs: number | undefined;
  private longestSegmentMs = 0;
  private pruned = { byAge: 0, byQuota: 0, bytes: 0 };
  private lastPrune: PruneResult | undefined;

  constructor(opts: SegmentRecorderOptions) {
    this.opts = opts;
    this.cameraId = opts.cameraId;
    this.log = opts.logger.child({ cameraId: opts.cameraId, component: 'recorder' });
    this.secrets = urlSecrets(opts.url);
    this.store = new SegmentStore(opts.dir, this.log);
    this.backoff = { ...BACKOFF_DEFAULTS, ...opts.backoff };
    this.segmentMs = (opts.segmentSeconds ?? SEGMENT_ARGS_DEFAULTS.segmentSeconds) * 1000;
    // Throws on bad options now rather than at the first spawn.
    buildSegmentArgs({ ...opts, input: opts.url, segmentPattern: partFilePattern(opts.dir, 0), listFile: 'check.csv' });
    this.clips = new ClipRequests({
      cameraId: opts.cameraId,
      index: this.store.index,
      log: this.log,
      clipDir: opts.clipDir ?? path.join(opts.dir, 'clips'),
      maxClipMs: (opts.maxClipSeconds ?? RECORDER_DEFAULTS.maxClipSeconds) * 1000,
      ...(opts.ffmpegPath === undefined ? {} : { ffmpegPath: opts.ffmpegPath }),
      defaultWaitMs: () => 2 * this.expectedSegmentMs() + 5_000,
      canStillCover: (toMs) => this.canStillCover(toMs),
    });
    this.current = { cameraId: this.cameraId, state: 'stopped', reason: 'not started', since: Date.now() };
  }

  status(): RecorderStatus {
    return this.current;
  }

  stats(): RecorderStats {
    const index = this.store.index;
    const oldest = index.oldest();
    const newest = index.newest();
    return {
      segments: index.size,
      bytes: index.totalBytes,
      ...(oldest === undefined ? {} : { oldestAt: oldest.startAt }),
      ...(newest === undefined ? {} : { newestAt: newest.endAt }),
      packets: this.packets,
      restarts: this.restarts,
      ...(this.gopMs === undefined ? {} : { gopMs: Math.round(this.gopMs) }),
      ...(this.longestSegmentMs === 0 ? {} : { longestSegmentMs: this.longestSegmentMs }),
      protections: index.protections().length,
      recovered: this.recovered,
      pruned: { ...this.pruned },
      keptProtected: this.lastPrune?.keptProtected ?? 0,
      overQuotaBytes: this.lastPrune?.overQuotaBytes ?? 0,
    };
  }

  /** Finished segments, oldest first (a snapshot). */
  segments(): SegmentInfo[] {
    return this.store.index.list();
  }

  /** Calls `listener` with each newly finished segment; returns the unsubscribe function. */
  onSegment(listener: (seg: SegmentInfo) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Keeps the segments overlapping [fromMs, toMs] (epoch ms; `toMs` may be `Infinity` for an open
   * event, and may lie in the future) from being pruned until the handle is released. Protections
   * live in memory: after a restart of the edge, whoever still needs footage protects it again.
   */
  protect(fromMs: number, toMs: number, reason: string): ProtectionHandle {
    return this.store.index.protect(fromMs, toMs, reason);
  }

  /** This recorder's recording mode (`record.mode`). */
  get mode(): RecordingMode {
    return this.opts.mode ?? 'off';
  }

  /**
   * In `events` mode, keeps the segments overlapping [fromMs, toMs] (an event window with its pre-
   * and post-roll) for the retention period, across restarts of the edge (`retained.json`). A no-op
   * in the other modes. Resolves once the range is on disk.
   */
  async retain(fromMs: number, toMs: number, reason: string): Promise<void> {
    if (this.mode !== 'events') return;
    if (!this.store.index.retain(fromMs, toMs)) {
      this.log.warn({ fromMs, toMs, reason }, 'invalid range not retained');
      return;
    }
    this.retainChain = this.retainChain.then(() =>
      this.store.saveRetained().catch((err: unknown) => this.log.error({ err, reason }, 'could not save retained ranges')),
    );
    await this.retainChain;
  }

  /**
   * A clip of [fromMs, toMs] (an event: start − pre, end + post): waits until the segment holding
   * `toMs` is finished (or the camera can no longer deliver it, or the wait times out), then joins the
   * segments into an MP4. The clip starts at the keyframe at or before `fromMs`. What it lacks is
   * listed in `issues`; it throws `NO_FOOTAGE` only when nothing at all overlaps.
   */
  requestClip(fromMs: number, toMs: number, options: ClipRequestOptions = {}): Promise<RecordedClip> {
    return this.clips.request(fromMs, toMs, options);
  }

  /** Reads the directory, recovers what earlier runs left, prunes, and starts ffmpeg. */
  start(): Promise<void> {
    if (this.stopping !== undefined) return Promise.reject(new Error(`recorder ${this.cameraId} was stopped; create a new one`));
    this.starting ??= (async () => {
      this.recovered += await this.store.load();
      await this.prune();
      if (this.stopping !== undefined) return;
      this.tick = setInterval(() => this.onTick(), TICK_MS);
      this.spawnRun();
    })();
    return this.starting;
  }

  /**
   * Stops ffmpeg (`q`, so the last segment is closed and listed; then SIGTERM, SIGKILL), indexes
   * the last segment, lets pending clip requests finish with what exists, and resolves when no
   * ffmpeg of this recorder is left. Idempotent.
   */
  stop(): Promise<void> {
    this.stopping ??= this.doStop();
    return this.stopping;
  }

  /**
   * Runs a pruning pass (after any pass in progress, so a protection released before this call is
   * honoured); also runs on its own every `pruneIntervalMs`. `nowMs` defaults to the pass's start.
   */
  prune(nowMs?: number): Promise<PruneResult> {
    const pass = this.pruneChain.then(async () => {
      const now = nowMs ?? Date.now();
      const retainMs = this.opts.retainMs ?? RECORDER_DEFAULTS.retainMs;
      const r = await this.store.prune(now, {
        maxAgeMs: (this.opts.bufferSeconds ?? RECORDER_DEFAULTS.bufferSeconds) * 1000,
        maxBytes: this.opts.maxBytes ?? RECORDER_DEFAULTS.maxBytes,
        mode: this.mode,
        retainMs,
      });
      // Event windows past the retention keep nothing any more: forget them, so the file stays small.
      if (this.store.index.forgetRetainedBefore(now - retainMs)) {
        this.retainChain = this.retainChain.then(() =>
          this.store.saveRetained().catch((err: unknown) => this.log.error({ err }, 'could not save retained ranges')),
        );
      }
      this.pruned.byAge += r.removedByAge;
      this.pruned.byQuota += r.removedByQuota;
      this.pruned.bytes += r.removedBytes;
      if (r.overQuotaBytes > 0 && (this.lastPrune?.overQuotaBytes ?? 0) === 0) {
        this.log.warn({ overQuotaBytes: r.overQuotaBytes, protections: this.store.index.protections().length }, 'protected segments exceed the quota');
      }
      this.lastPrune = r;
      return r;
    });
    this.pruneChain = pass.then(
      () => undefined,
      () => undefined,
    );
    return pass;
  }

  private async doStop(): Promise<void> {
    await this.starting?.catch(() => undefined);
    clearInterval(this.tick);
    clearTimeout(this.restartTimer);
    // Its exit handler indexes the last segment before this resolves.
    await this.run?.stop();
    await this.runExited;
    this.setStatus('stopped', 'stopped');
    this.clips.wake();
    await this.clips.settled();
    await this.retainChain;
    this.log.info('recorder stopped');
  }

  private spawnRun(): void {
    const id = Math.max(Date.now(), this.lastRunId + 1);
    this.lastRunId = id;
    const run = SegmentRun.start({
      id,
      args: { ...this.opts, input: this.opts.url },
      store: this.store,
      logger: this.log,
      secrets: this.secrets,
      quiet: this.failures >= QUIET_AFTER_FAILURES,
      ...(this.opts.ffmpegPath === undefined ? {} : { ffmpegPath: this.opts.ffmpegPath }),
      ...(this.opts.quitGraceMs === undefined ? {} : { quitGraceMs: this.opts.quitGraceMs }),
      ...(this.opts.termGraceMs === undefined ? {} : { termGraceMs: this.opts.termGraceMs }),
      onPacket: () => this.onPacket(run),
      onSegment: (seg) => this.onNewSegment(seg),
    });
    this.run = run;
    this.runExited = run.ended.then(({ exit, recovered }) => this.onExit(run, exit, recovered));
    this.setStatus('starting', undefined);
  }

  private onPacket(run: SegmentRun): void {
    this.packets++;
    if (run.gopMs !== undefined) this.gopMs = run.gopMs;
    if (this.run !== run || this.stopping !== undefined) return;
    if (this.current.state !== 'recording' && !run.stalled) this.setStatus('recording', undefined);
    if (this.failures > 0 && Date.now() - (run.streamingSince ?? Date.now()) >= this.backoff.resetAfterMs) this.failures = 0;
  }

  private onNewSegment(seg: SegmentInfo): void {
    this.longestSegmentMs = Math.max(this.longestSegmentMs, seg.endAt - seg.startAt);
    for (const listener of this.listeners) {
      try {
        listener(seg);
      } catch (err) {
        // A listener's bug must not stop the recording.
        this.log.error({ err }, 'segment listener threw');
      }
    }
    this.clips.wake();
  }

  private onExit(run: SegmentRun, exit: FfmpegExit, recovered: number): void {
    this.recovered += recovered;
    if (this.run === run) this.run = undefined;
    this.clips.wake();
    if (this.stopping !== undefined) return;

    this.failures++;
    if (!run.stalled) this.setStatus('offline', exitReason(run, exit));
    const delayMs = backoffDelay(this.failures, this.backoff);
    const level = this.failures > QUIET_AFTER_FAILURES ? 'debug' : 'warn';
    const details = { code: exit.code, signal: exit.signal, reason: this.current.reason, failures: this.failures, delayMs };
    this.log[level](details, 'recorder ffmpeg ended, restarting after backoff');
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (this.stopping !== undefined) return;
      this.restarts++;
      this.spawnRun();
    }, delayMs);
  }

  private onTick(): void {
    const now = Date.now();
    const run = this.run;
    if (run !== undefined && !run.stalled && this.stopping === undefined) {
      // The list is read on every keyframe; this catches a line written after its packet.
      void run.drain();
      const stall = this.stallReason(run, now);
      if (stall !== undefined) {
        run.stalled = true;
        this.setStatus('stalled', stall);
        this.log[this.failures >= QUIET_AFTER_FAILURES ? 'debug' : 'warn']({ reason: stall }, 'recorder stalled, killing ffmpeg');
        void run.kill();
      }
    }
    this.clips.wake();
    if (!this.pruneInFlight && now - this.lastPruneAt >= (this.opts.pruneIntervalMs ?? RECORDER_DEFAULTS.pruneIntervalMs)) {
      this.lastPruneAt = now;
      this.pruneInFlight = true;
      this.prune()
        .catch((err: unknown) => this.log.error({ err }, 'pruning failed'))
        .finally(() => (this.pruneInFlight = false));
    }
  }

  private stallReason(run: SegmentRun, now: number): string | undefined {
    const d = RECORDER_DEFAULTS;
    const packetTimeout = this.opts.packetTimeoutMs ?? d.packetTimeoutMs;
    const startTimeout = this.opts.startTimeoutMs ?? d.startTimeoutMs;
    const detail = run.lastError === undefined ? '' : `; last ffmpeg error: ${run.lastError}`;
    if (run.lastSegmentAt === undefined) {
      if (now - run.startedAt >= startTimeout) return `no segment ${secs(now - run.startedAt)} after start${detail}`;
      return undefined;
    }
    if (run.lastPacketAt !== undefined && now - run.lastPacketAt >= packetTimeout) return `no packet for ${secs(now - run.lastPacketAt)}${detail}`;
    const segmentTimeout = Math.max(this.opts.minStallTimeoutMs ?? d.minStallTimeoutMs, (this.opts.stallSegments ?? d.stallSegments) * this.expectedSegmentMs());
    if (now - run.lastSegmentAt >= segmentTimeout) return `no new segment for ${secs(now - run.lastSegmentAt)}${detail}`;
    return undefined;
  }

  /** How long a segment can be expected to last: keyframes decide the cut. */
  private expectedSegmentMs(): number {
    return Math.max(this.segmentMs, this.gopMs ?? 0, this.longestSegmentMs);
  }

  /** False once no running or future ffmpeg can record the moment `toMs`. */
  private canStillCover(toMs: number): boolean {
    if (this.stopping !== undefined && this.run === undefined) return false;
    if (Date.now() < toMs) return true;
    // A run spawned after `toMs` records only later moments.
    return this.run !== undefined && this.run.startedAt <= toMs;
  }

  private setStatus(state: RecorderState, reason: string | undefined): void {
    const prev = this.current;
    const safe = reason === undefined ? undefined : redactSecrets(reason, this.secrets).slice(0, 256);
    if (prev.state === state && prev.reason === safe) return;
    const since = prev.state === state ? prev.since : Date.now();
    this.current = safe === undefined ? { cameraId: this.cameraId, state, since } : { cameraId: this.cameraId, state, reason: safe, since };
    if (prev.state !== state) {
      const level = this.failures >= QUIET_AFTER_FAILURES && state !== 'recording' ? 'debug' : 'info';
      this.log[level]({ state, from: prev.state, reason: safe }, `recorder ${state}`);
    }
  }
}

function exitReason(run: SegmentRun, exit: FfmpegExit): string {
  if (exit.error !== undefined) return exit.error.message;
  if (run.lastError !== undefined) return run.lastError;
  if (exit.signal !== null) return `ffmpeg killed by ${exit.signal}`;
  return exit.code === 0 ? 'ffmpeg exited: end of stream' : `ffmpeg exited with code ${exit.code}`;
}

function secs(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
