import path from 'node:path';
import type { Logger } from 'pino';
import { assembleClip, type AssembledClip } from './clip-assembler.js';
import { RecorderError } from './recorder-error.js';
import type { SegmentIndex } from './segment-index.js';

/** Options of one `requestClip`. */
export interface ClipRequestOptions {
  /** Default `<clipDir>/<cameraId>-<fromMs>-<toMs>.mp4`. */
  readonly outFile?: string;
  /**
   * How long to wait, past `toMs` (or now, if later), for the segment holding `toMs` to be finished.
   * Default: two segment lengths (the largest of the segment time, the GOP and the longest segment
   * seen) plus 5 s.
   */
  readonly waitMs?: number;
  /** Names the request's protection in logs, e.g. the event id. */
  readonly reason?: string;
}

/** A clip made for a request: the assembled clip and how it relates to what was asked. */
export interface RecordedClip extends AssembledClip {
  readonly cameraId: string;
  readonly requestedFromMs: number;
  readonly requestedToMs: number;
  /** The range was longer than `maxClipSeconds` and was cut to its beginning. */
  readonly truncated: boolean;
  /** True when the clip covers the (possibly truncated) range from before its start to past its end without gaps. */
  readonly complete: boolean;
  /** Human-readable shortcomings: footage missing at the start or end, gaps, truncation. Empty when complete and not truncated. */
  readonly issues: readonly string[];
}

/** What the recorder lends its clip requests. */
export interface ClipRequestDeps {
  readonly cameraId: string;
  readonly index: SegmentIndex;
  readonly log: Logger;
  readonly clipDir: string;
  readonly maxClipMs: number;
  readonly ffmpegPath?: string;
  readonly defaultWaitMs: () => number;
  /** False once no running or future ffmpeg can record the moment `toMs` (camera died, recorder stopped). */
  readonly canStillCover: (toMs: number) => boolean;
}

type WaitOutcome = 'covered' | 'ended' | 'timeout';

/** The `requestClip` side of a recorder: waiting for post-capture, protecting, assembling. */
export class ClipRequests {
  private readonly waiters = new Set<(force: boolean) => void>();
  private readonly pending = new Set<Promise<unknown>>();

  constructor(private readonly deps: ClipRequestDeps) {}

  /** See `SegmentRecorder.requestClip`. */
  request(fromMs: number, toMs: number, options: ClipRequestOptions = {}): Promise<RecordedClip> {
    const p = this.run(fromMs, toMs, options);
    this.pending.add(p);
    void p.catch(() => undefined).finally(() => this.pending.delete(p));
    return p;
  }

  /** Re-checks every waiting request (a segment arrived, ffmpeg ended, time passed). */
  wake(): void {
    for (const check of [...this.waiters]) check(false);
  }

  /** Resolves once every request in flight has finished, successfully or not. */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.pending]);
  }

  private async run(fromMs: number, toMs: number, options: ClipRequestOptions): Promise<RecordedClip> {
    if (!Number.isFinite(fromMs) || !Number.isFinite(toMs) || toMs <= fromMs) {
      throw new RecorderError('BAD_RANGE', `clip range must be finite with from < to, got ${fromMs}..${toMs}`);
    }
    const { deps } = this;
    const truncated = toMs - fromMs > deps.maxClipMs;
    const to = truncated ? fromMs + deps.maxClipMs : toMs;
    const guard = deps.index.protect(fromMs, to, `clip ${options.reason ?? ''}`.trim());
    try {
      const waitMs = options.waitMs ?? deps.defaultWaitMs();
      const outcome = await this.waitFor(to, Math.max(Date.now(), to) + waitMs);
      const outFile = options.outFile ?? path.join(deps.clipDir, `${safeName(deps.cameraId)}-${fromMs}-${toMs}.mp4`);
      const clip = await assembleClip({
        segments: deps.index.list(),
        fromMs,
        toMs: to,
        outFile,
        logger: deps.log,
        ...(deps.ffmpegPath === undefined ? {} : { ffmpegPath: deps.ffmpegPath }),
      });
      const issues: string[] = [];
      if (truncated) issues.push(`range cut to its first ${secs(deps.maxClipMs)} (asked for ${secs(toMs - fromMs)})`);
      if (clip.startAt > fromMs) issues.push(`footage starts ${secs(clip.startAt - fromMs)} after the requested start (pruned, or the camera was down)`);
      if (clip.endAt < to) {
        const why = outcome === 'timeout' ? `not recorded within the ${secs(waitMs)} wait` : 'the camera stopped recording';
        issues.push(`footage ends ${secs(to - clip.endAt)} before the requested end: ${why}`);
      }
      if (clip.gaps.length > 0) {
        const total = clip.gaps.reduce((sum, g) => sum + g.toMs - g.fromMs, 0);
        issues.push(`${clip.gaps.length} gap(s) totalling ${secs(total)} inside the clip (camera down)`);
      }
      const complete = clip.startAt <= fromMs && clip.endAt >= to && clip.gaps.length === 0;
      const result: RecordedClip = { ...clip, cameraId: deps.cameraId, requestedFromMs: fromMs, requestedToMs: toMs, truncated, complete, issues };
      const facts = { file: path.basename(clip.file), startAt: clip.startAt, endAt: clip.endAt, bytes: clip.bytes, segments: clip.segments };
      if (complete) deps.log.info(facts, 'clip assembled');
      else deps.log.warn({ ...facts, issues }, 'clip assembled from incomplete footage');
      return result;
    } finally {
      guard.release();
    }
  }

  private waitFor(toMs: number, deadline: number): Promise<WaitOutcome> {
    return new Promise((resolve) => {
      const check = (force: boolean): void => {
        let outcome: WaitOutcome | undefined;
        if ((this.deps.index.newest()?.endAt ?? Number.NEGATIVE_INFINITY) >= toMs) outcome = 'covered';
        else if (!this.deps.canStillCover(toMs)) outcome = 'ended';
        else if (force || Date.now() >= deadline) outcome = 'timeout';
        if (outcome === undefined) return;
        this.waiters.delete(check);
        clearTimeout(timer);
        resolve(outcome);
      };
      const timer = setTimeout(() => check(true), Math.max(0, deadline - Date.now()));
      this.waiters.add(check);
      check(false);
    });
  }
}

function safeName(id: string): string {
  return id.replace(/[^A-Za-z0-9_.-]/g, '_');
}

function secs(ms: number): string {
  return ms < 10_000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}
