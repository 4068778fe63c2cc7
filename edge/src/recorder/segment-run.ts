import { open } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import { formatFfmpegLogLine, isMeaningfulError } from '../capture/ffmpeg-log.js';
import { FfmpegProcess, type FfmpegExit } from '../capture/ffmpeg-process.js';
import { HeartbeatReader, TimelineAnchor, type HeartbeatPacket } from './packet-heartbeat.js';
import { buildSegmentArgs, type SegmentArgsOptions } from './segment-args.js';
import { listFileName, parseSegmentList, partFilePattern, type SegmentListEntry } from './segment-files.js';
import type { SegmentInfo } from './segment-index.js';
import type { SegmentStore } from './segment-store.js';

/** Options of {@link SegmentRun.start}. */
export interface SegmentRunOptions {
  /** Unique per directory and increasing: the spawn time in epoch ms. */
  readonly id: number;
  /** ffmpeg options; the run fills in the pattern and list of its own files. */
  readonly args: Omit<SegmentArgsOptions, 'segmentPattern' | 'listFile'>;
  readonly store: SegmentStore;
  readonly logger: Logger;
  readonly secrets: readonly string[];
  readonly ffmpegPath?: string;
  readonly quitGraceMs?: number;
  readonly termGraceMs?: number;
  /** Log ffmpeg's stderr at debug level (a camera known to be failing). */
  readonly quiet: boolean;
  readonly onPacket: (packet: HeartbeatPacket) => void;
  readonly onSegment: (segment: SegmentInfo) => void;
}

/** How a run ended, once its last segments are indexed. */
export interface SegmentRunEnd {
  readonly exit: FfmpegExit;
  /** Part files that were cut short (ffmpeg killed) and pieced together. */
  readonly recovered: number;
}

/** Re-save the anchor when it moved by this much: finer than any use of the times. */
const ANCHOR_RESAVE_MS = 20;

/**
 * One ffmpeg process of a recorder and the segments it writes: reads the heartbeat (packets,
 * keyframes, the timeline's wall-clock anchor), reads ffmpeg's segment list on every keyframe and
 * turns each closed part file into a finished, indexed segment. When ffmpeg exits, indexes the rest
 * (a clean exit lists its last segment; a killed one leaves a part to recover) before `ended`
 * resolves.
 */
export class SegmentRun {
  readonly startedAt: number;
  /** Resolves after exit and final indexing. Never rejects. */
  readonly ended: Promise<SegmentRunEnd>;
  lastPacketAt: number | undefined;
  lastSegmentAt: number | undefined;
  /** Set when packets first came. */
  streamingSince: number | undefined;
  /** The last meaningful ffmpeg error line (redacted). */
  lastError: string | undefined;
  /** Keyframe interval measured by this run. */
  gopMs: number | undefined;
  /** Set by the supervisor when its watchdog gave up on this run. */
  stalled = false;
  private readonly proc: FfmpegProcess;
  private readonly anchor = new TimelineAnchor();
  private readonly listPath: string;
  private listOffset = 0;
  private draining: Promise<void> = Promise.resolve();
  private savedAnchor: number | undefined;
  private lastSegmentEnd: number | undefined;
  private lastKeyMs: number | undefined;

  private constructor(private readonly opts: SegmentRunOptions) {
    this.startedAt = opts.id;
    const dir = opts.store.dir;
    this.listPath = path.join(dir, listFileName(opts.id));
    const heartbeat = new HeartbeatReader((p) => this.onPacket(p));
    this.proc = FfmpegProcess.spawn({
      args: buildSegmentArgs({ ...opts.args, segmentPattern: partFilePattern(dir, opts.id), listFile: this.listPath }),
      logger: opts.logger,
      secrets: opts.secrets,
      quiet: opts.quiet,
      ...(opts.ffmpegPath === undefined ? {} : { ffmpegPath: opts.ffmpegPath }),
      ...(opts.quitGraceMs === undefined ? {} : { quitGraceMs: opts.quitGraceMs }),
      ...(opts.termGraceMs === undefined ? {} : { termGraceMs: opts.termGraceMs }),
      onStdout: (chunk) => heartbeat.push(chunk),
      onStderrLine: (line) => {
        if (isMeaningfulError(line)) this.lastError = formatFfmpegLogLine(line);
      },
    });
    this.ended = this.proc.exited.then((exit) => this.finishRun(exit));
  }

  /** Spawns ffmpeg. Never throws for a missing ffmpeg: that arrives through `ended`. */
  static start(opts: SegmentRunOptions): SegmentRun {
    return new SegmentRun(opts);
  }

  get id(): number {
    return this.opts.id;
  }

  /**
   * Ends ffmpeg: `q` once packets flow, so it closes and lists its last segment (then SIGTERM,
   * SIGKILL); SIGTERM at once otherwise, since a process stuck in connect or read never reads `q`.
   */
  async stop(): Promise<SegmentRunEnd> {
    await (this.lastPacketAt === undefined ? this.proc.kill() : this.proc.stop());
    return this.ended;
  }

  /** SIGTERM, then SIGKILL: for a stalled process. */
  async kill(): Promise<SegmentRunEnd> {
    await this.proc.kill();
    return this.ended;
  }

  /** Reads new lines of the segment list and finishes their segments; serialised. */
  drain(): Promise<void> {
    this.draining = this.draining
      .then(() => this.readList())
      .catch((err: unknown) => this.opts.logger.error({ err }, 'could not index a finished segment'));
    return this.draining;
  }

  private onPacket(p: HeartbeatPacket): void {
    const now = Date.now();
    this.anchor.observe(now, p.timelineMs);
    this.lastPacketAt = now;
    this.streamingSince ??= now;
    if (p.key) {
      if (this.lastKeyMs !== undefined && p.timelineMs > this.lastKeyMs) this.gopMs = p.timelineMs - this.lastKeyMs;
      this.lastKeyMs = p.timelineMs;
      // ffmpeg closes a segment only on a keyframe, and (5.1, muxing in one thread) lists it before
      // passing the packet on to the heartbeat. The supervisor's tick catches any later line.
      void this.drain();
    }
    this.opts.onPacket(p);
  }

  private async readList(): Promise<void> {
    let text: string;
    try {
      const fh = await open(this.listPath, 'r');
      try {
        const { size } = await fh.stat();
        if (size <= this.listOffset) return;
        const buf = Buffer.alloc(size - this.listOffset);
        const { bytesRead } = await fh.read(buf, 0, buf.length, this.listOffset);
        // Only whole lines: ffmpeg may be halfway through writing the next one.
        const end = buf.subarray(0, bytesRead).lastIndexOf(0x0a) + 1;
        if (end === 0) return;
        this.listOffset += end;
        text = buf.subarray(0, end).toString('utf8');
      } finally {
        await fh.close();
      }
    } catch (err) {
      // ffmpeg creates the list when its first segment starts.
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    const seenAt = Date.now();
    for (const entry of parseSegmentList(text)) await this.finishSegment(entry, seenAt);
  }

  private async finishSegment(entry: SegmentListEntry, seenAt: number): Promise<void> {
    // Listed after the packet that ended it arrived: one more bound for the origin.
    this.anchor.observe(seenAt, entry.endSec * 1000);
    const origin = this.anchor.originMs;
    if (origin !== undefined && (this.savedAnchor === undefined || Math.abs(this.savedAnchor - origin) >= ANCHOR_RESAVE_MS)) {
      this.savedAnchor = origin;
      await this.opts.store.saveAnchor(this.id, origin);
    }
    const startAt = this.anchor.toWall(entry.startSec * 1000);
    const endAt = Math.max(startAt + 1, this.anchor.toWall(entry.endSec * 1000));
    const seg = await this.opts.store.finish(path.basename(entry.file), startAt, endAt);
    if (seg === undefined) return;
    this.lastSegmentAt = Date.now();
    this.lastSegmentEnd = endAt;
    this.opts.logger.debug({ file: path.basename(seg.file), ms: endAt - startAt, bytes: seg.bytes }, 'segment finished');
    this.opts.onSegment(seg);
  }

  private async finishRun(exit: FfmpegExit): Promise<SegmentRunEnd> {
    let recovered = 0;
    try {
      await this.drain();
      // Parts missing from the list were cut short (ffmpeg killed): piece them together.
      const origin = this.anchor.originMs;
      const segs = await this.opts.store.recover({
        runId: this.id,
        ...(origin === undefined ? {} : { anchorMs: origin }),
        ...(this.lastSegmentEnd === undefined ? {} : { afterMs: this.lastSegmentEnd }),
      });
      recovered = segs.length;
      for (const seg of segs) this.opts.onSegment(seg);
    } catch (err) {
      this.opts.logger.error({ err }, 'could not index the last segments of an ended ffmpeg');
    }
    return { exit, recovered };
  }
}
