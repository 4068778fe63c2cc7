import { unlink } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import type { Socket } from 'socket.io-client';
import {
  compileValidator,
  formatIssues,
  RECORDING_LIST_MAX_SEGMENTS,
  RecordingFetchCommand,
  RecordingListCommand,
  type CloudToEdgeEvents,
  type EdgeToCloudEvents,
  type ErrorCode,
  type RecordingFetchAck,
  type RecordingGap,
  type RecordingListAck,
} from '../../../protocol/index.js';
import { assembleClip, recordingGaps, RecorderError, selectSegments, type RecordingMode, type SegmentInfo } from '../recorder/index.js';
import { uploadRecording, type UploadTarget } from './recording-upload.js';

/** What playback needs of a camera's recorder. */
export interface RecordingSource {
  readonly mode: RecordingMode;
  /** Finished segments, oldest first. */
  segments(): SegmentInfo[];
  protect(fromMs: number, toMs: number, reason: string): { release(): void };
}

/** Options of {@link createRecordingService}. */
export interface RecordingServiceOptions {
  /** The recorder of a camera of this edge, undefined for an unknown camera or one without recording. */
  readonly recorderOf: (cameraId: string) => RecordingSource | undefined;
  /** Where fetched files are assembled before the upload (deleted afterwards). */
  readonly workDir: string;
  readonly upload: UploadTarget;
  readonly logger: Logger;
  /** Holes between segments up to this long are not gaps. Default 1000 ms. */
  readonly gapToleranceMs?: number;
  /** Longest range one fetch may ask for. Default 6 h (the cloud has its own, smaller limit). */
  readonly maxRangeMs?: number;
  /** Longest range one listing may ask for. Default 31 days. */
  readonly maxListRangeMs?: number;
  /** Fetches assembled at once; more are refused with RATE_LIMITED. Default 2. */
  readonly maxConcurrent?: number;
  /** Default `ffmpeg` on PATH. */
  readonly ffmpegPath?: string;
}

/** Playback on the edge: answers `recording:list` and `recording:fetch`. Never throws. */
export interface RecordingService {
  list(payload: unknown): Promise<RecordingListAck>;
  fetch(payload: unknown): Promise<RecordingFetchAck>;
  /** Refuses further commands and waits for fetches in flight. */
  stop(): Promise<void>;
}

const listValidator = compileValidator(RecordingListCommand);
const fetchValidator = compileValidator(RecordingFetchCommand);

const fail = (code: ErrorCode, message: string, gaps?: RecordingGap[]) => ({ ok: false as const, error: { code, message }, ...(gaps ? { gaps } : {}) });
const toGaps = (gaps: readonly { fromMs: number; toMs: number }[]): RecordingGap[] => gaps.map((g) => ({ from: g.fromMs, to: g.toMs }));

/**
 * Creates the edge's playback service. A fetch protects the range from pruning, joins the segments
 * overlapping it into one MP4 (stream copy, faststart; `assembleClip`), uploads it to the cloud and
 * answers with its facts and the gaps: the parts of the range without footage (before recording
 * started, camera outages, pruned or, in `events` mode, not kept). The part of a range after the
 * newest finished segment counts as a gap too: it is not recorded (yet).
 */
export function createRecordingService(opts: RecordingServiceOptions): RecordingService {
  const log = opts.logger.child({ component: 'playback' });
  const tolerance = opts.gapToleranceMs ?? 1000;
  const maxRangeMs = opts.maxRangeMs ?? 6 * 3600_000;
  const maxConcurrent = opts.maxConcurrent ?? 2;
  const inFlight = new Set<Promise<unknown>>();
  let stopped = false;

  const maxListRangeMs = opts.maxListRangeMs ?? 31 * 24 * 3600_000;
  const checkRange = (from: number, to: number, max = maxRangeMs): string | undefined => {
    if (to <= from) return `range must have from < to, got ${from}..${to}`;
    if (to - from > max) return `range longer than ${max / 1000} s`;
    return undefined;
  };

  const list = async (payload: unknown): Promise<RecordingListAck> => {
    const checked = listValidator.check(payload);
    if (!checked.ok) return fail('BAD_MESSAGE', formatIssues(checked.issues));
    const { cameraId, from, to } = checked.value;
    const bad = checkRange(from, to, maxListRangeMs);
    if (bad !== undefined) return fail('BAD_MESSAGE', bad);
    const recorder = opts.recorderOf(cameraId);
    if (!recorder) return fail('NOT_FOUND', `camera ${cameraId} is not recorded on this edge`);
    const all = recorder.segments();
    const picked = selectSegments(all, from, to);
    return {
      ok: true,
      result: {
        cameraId,
        from,
        to,
        segments: picked.slice(0, RECORDING_LIST_MAX_SEGMENTS).map((s) => ({ startAt: s.startAt, endAt: s.endAt, bytes: s.bytes })),
        truncated: picked.length > RECORDING_LIST_MAX_SEGMENTS,
        gaps: toGaps(recordingGaps(picked, from, to, tolerance)),
        mode: recorder.mode,
        oldestAt: all[0]?.startAt ?? null,
        newestAt: all.at(-1)?.endAt ?? null,
      },
    };
  };

  const doFetch = async (cmd: RecordingFetchCommand, recorder: RecordingSource): Promise<RecordingFetchAck> => {
    const { requestId, cameraId, from, to } = cmd;
    const guard = recorder.protect(from, to, `recording ${requestId}`);
    const outFile = path.join(opts.workDir, `${requestId}.mp4`);
    try {
      const picked = selectSegments(recorder.segments(), from, to);
      const gaps = toGaps(recordingGaps(picked, from, to, tolerance));
      if (picked.length === 0) return fail('NOT_FOUND', `nothing of camera ${cameraId} is recorded in this range`, gaps);
      const clip = await assembleClip({
        segments: picked,
        fromMs: from,
        toMs: to,
        outFile,
        logger: log,
        gapToleranceMs: tolerance,
        ...(opts.ffmpegPath === undefined ? {} : { ffmpegPath: opts.ffmpegPath }),
      });
      await uploadRecording(opts.upload, requestId, clip.file, clip.sha256, clip.bytes);
      log.info({ requestId, cameraId, bytes: clip.bytes, segments: clip.segments, gaps: gaps.length }, 'recording delivered');
      return {
        ok: true,
        result: { sha256: clip.sha256, size: clip.bytes, startAt: clip.startAt, endAt: clip.endAt, segments: clip.segments, gaps },
      };
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      log.warn({ requestId, cameraId, err: message }, 'recording fetch failed');
      if (err instanceof RecorderError && err.code === 'NO_FOOTAGE') return fail('NOT_FOUND', message, [{ from, to }]);
      return fail('INTERNAL', `camera ${cameraId}: ${message}`);
    } finally {
      guard.release();
      await unlink(outFile).catch(() => undefined); // gone already, or never written
    }
  };

  const fetch = async (payload: unknown): Promise<RecordingFetchAck> => {
    if (stopped) return fail('NOT_READY', 'the edge is shutting down');
    const checked = fetchValidator.check(payload);
    if (!checked.ok) return fail('BAD_MESSAGE', formatIssues(checked.issues));
    const cmd = checked.value;
    const bad = checkRange(cmd.from, cmd.to);
    if (bad !== undefined) return fail('BAD_MESSAGE', bad);
    const recorder = opts.recorderOf(cmd.cameraId);
    if (!recorder) return fail('NOT_FOUND', `camera ${cmd.cameraId} is not recorded on this edge`);
    if (inFlight.size >= maxConcurrent) return fail('RATE_LIMITED', `${inFlight.size} recordings are being fetched; ask again later`);
    const job = doFetch(cmd, recorder);
    inFlight.add(job);
    try {
      return await job;
    } finally {
      inFlight.delete(job);
    }
  };

  return {
    list: (payload) => list(payload).catch((err: unknown) => internal(log, err)),
    fetch: (payload) => fetch(payload).catch((err: unknown) => internal(log, err)),
    async stop() {
      stopped = true;
      await Promise.allSettled([...inFlight]);
    },
  };
}

function internal(log: Logger, err: unknown): { ok: false; error: { code: 'INTERNAL'; message: string } } {
  log.error({ err }, 'playback command failed');
  return { ok: false, error: { code: 'INTERNAL', message: 'internal error' } };
}

/** The edge's socket.io connection to the cloud's /edge namespace. */
type CommandSocket = Socket<CloudToEdgeEvents, EdgeToCloudEvents>;

/**
 * Routes the cloud's `recording:list` and `recording:fetch` on `socket` to `service` and answers each.
 * @returns a function that removes the listeners
 */
export function attachRecordingCommands(socket: CommandSocket, service: RecordingService): () => void {
  const reply = <T>(ack: unknown, res: T): void => {
    if (typeof ack === 'function') (ack as (res: T) => void)(res);
  };
  // Payloads are typed by the event map but arrive from the network: the service checks them.
  const onList = (cmd: unknown, ack: unknown): void => {
    void service.list(cmd).then((res) => reply(ack, res));
  };
  const onFetch = (cmd: unknown, ack: unknown): void => {
    void service.fetch(cmd).then((res) => reply(ack, res));
  };
  socket.on('recording:list', onList);
  socket.on('recording:fetch', onFetch);
  return () => {
    socket.off('recording:list', onList);
    socket.off('recording:fetch', onFetch);
  };
}
