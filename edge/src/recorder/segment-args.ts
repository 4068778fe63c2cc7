import { captureInputKind, type CaptureInputKind, type RtspTransport } from '../capture/ffmpeg-args.js';

/** What happens to the camera's audio. */
export type RecordAudio = 'none' | 'copy' | 'aac';

/**
 * Which timestamps the segments carry. `camera`: the camera's own (RTP) timestamps, so clips play
 * back exactly as encoded, B-frames included, however bursty the network or busy the edge.
 * `arrival`: the edge's clock at arrival (`-use_wallclock_as_timestamps`), for cameras whose
 * timestamps are broken; network and scheduling jitter then shows in playback (measured here under
 * load: bursts of frames 0 ms apart). Either way the recorder maps the timeline to wall time from the
 * heartbeat.
 */
export type RecordTimestamps = 'camera' | 'arrival';

/** Everything {@link buildSegmentArgs} needs; only `input`, `segmentPattern` and `listFile` are required. */
export interface SegmentArgsOptions {
  /** `rtsp://` camera URL (may carry credentials), another network URL, or a file path. */
  readonly input: string;
  /**
   * Absolute path of the segment files with exactly one `%d`-style counter, e.g.
   * `/data/rec/cam-1/run-1700000000000-%06d.ts` (see `partFilePattern`). A literal `%` elsewhere must
   * be written `%%`.
   */
  readonly segmentPattern: string;
  /** CSV list ffmpeg appends `file,start,end` to as each segment is closed. */
  readonly listFile: string;
  /**
   * Target segment length in seconds. Segments are cut on keyframes only, so a segment lasts at
   * least one GOP: with a 5 s GOP, 2 s segments come out 5 s long. Default 2.
   */
  readonly segmentSeconds?: number;
  /**
   * Cut at wall-clock multiples of `segmentSeconds` (`-segment_atclocktime`): segments of all
   * cameras line up on :00, :02 … which makes continuous recordings easy to browse. Default true.
   */
  readonly alignToClock?: boolean;
  /** Default `camera`. */
  readonly timestamps?: RecordTimestamps;
  /** Default `none`: evidence clips are video; `copy` needs a codec MPEG-TS and MP4 both carry (AAC). */
  readonly audio?: RecordAudio;
  /** Overrides the kind derived from `input`. */
  readonly inputKind?: CaptureInputKind;
  /** RTSP only. Default `tcp`. */
  readonly rtspTransport?: RtspTransport;
  /** Network inputs: socket timeout. Default 5000 ms. */
  readonly socketTimeoutMs?: number;
  /** Network inputs: `-analyzeduration` in µs. Default 1 000 000. */
  readonly analyzeDurationUs?: number;
  /** Network inputs: `-probesize` in bytes. Default 1 000 000. */
  readonly probeSizeBytes?: number;
  /** File inputs: read at the native rate (`-re`) so a file behaves like a camera. Default true. */
  readonly realtime?: boolean;
  /** File inputs: loop forever. Default false. */
  readonly loop?: boolean;
  /**
   * Repeat the stream's parameter sets (SPS/PPS) before every keyframe, so each segment decodes on
   * its own even from a camera that sends them only in the SDP. Default true for network inputs,
   * false for files (an MP4's out-of-band headers are in the wrong format for this filter; the
   * MPEG-TS muxer converts them itself).
   */
  readonly repeatParameterSets?: boolean;
  /** Extra input options placed just before `-i`. Default none. */
  readonly extraInputArgs?: readonly string[];
}

/** Defaults of {@link SegmentArgsOptions}, exported so configuration docs and tests share them. */
export const SEGMENT_ARGS_DEFAULTS = {
  segmentSeconds: 2,
  alignToClock: true,
  audio: 'none',
  timestamps: 'camera',
  rtspTransport: 'tcp',
  socketTimeoutMs: 5_000,
  analyzeDurationUs: 1_000_000,
  probeSizeBytes: 1_000_000,
  realtime: true,
  loop: false,
} as const satisfies Partial<SegmentArgsOptions>;

const COUNTER = /%0?\d*d/g;

/**
 * The ffmpeg argument vector (without the program name) of one recorder process. Pure: no I/O, no
 * clock. The process has two outputs:
 *
 * 1. The segment muxer: the first video stream (and optionally audio), stream-copied into MPEG-TS
 *    segments, written through packet by packet. MPEG-TS because a killed ffmpeg leaves a playable
 *    file (an MP4 without its `moov` is unreadable). `-reset_timestamps 1` makes each file start at 0; the list gives each closed
 *    segment's start and end on the run's timeline.
 * 2. A heartbeat: `framecrc` to stdout, one short line per packet (see `packet-heartbeat.ts`),
 *    flushed at once. It tells the recorder that packets flow, where keyframes are, and which wall
 *    time each packet arrived at. Its pipe also ties ffmpeg's life to ours: if the edge process dies,
 *    the next write fails and ffmpeg ends instead of recording into a directory no one prunes.
 *
 * ffmpeg rebases timestamps to the run's first packet; the recorder maps that timeline to wall-clock
 * time from the heartbeat (`TimelineAnchor`), the clock the capture stage stamps frames with, so a
 * clip's span and an event's times agree. (Arrival timestamps kept as absolute values with `-copyts`
 * would give wall times directly, but the segment muxer takes 0 as the first segment's start, which
 * breaks the first file of every run.)
 *
 * The result contains the input URL verbatim: log it only through `formatArgsForLog`.
 */
export function buildSegmentArgs(opts: SegmentArgsOptions): string[] {
  return [
    // `level+` tags each stderr line with its severity for FfmpegProcess.
    '-hide_banner',
    '-loglevel',
    'level+warning',
    '-nostats',
    ...buildSegmentInputArgs(opts),
    ...buildSegmentOutputArgs(opts),
    ...HEARTBEAT_OUTPUT_ARGS,
  ];
}

/** The input half of {@link buildSegmentArgs}: transport, timeouts, probing and timestamps, ending in `-i <input>`. */
export function buildSegmentInputArgs(opts: SegmentArgsOptions): string[] {
  const d = SEGMENT_ARGS_DEFAULTS;
  const kind = opts.inputKind ?? captureInputKind(opts.input);
  const args: string[] = [];
  if (kind === 'file') {
    if (opts.realtime ?? d.realtime) args.push('-re');
    if (opts.loop ?? d.loop) args.push('-stream_loop', '-1');
  } else {
    const timeoutUs = String(Math.round(checkPositive('socketTimeoutMs', opts.socketTimeoutMs ?? d.socketTimeoutMs) * 1000));
    // ffmpeg ≥ 5: the RTSP socket timeout is `-timeout` (µs); other protocols use `-rw_timeout`.
    if (kind === 'rtsp') args.push('-rtsp_transport', opts.rtspTransport ?? d.rtspTransport, '-timeout', timeoutUs);
    else args.push('-rw_timeout', timeoutUs);
    args.push(
      '-analyzeduration',
      String(opts.analyzeDurationUs ?? d.analyzeDurationUs),
      '-probesize',
      String(opts.probeSizeBytes ?? d.probeSizeBytes),
    );
  }
  if ((opts.timestamps ?? d.timestamps) === 'arrival') args.push('-use_wallclock_as_timestamps', '1');
  // discardcorrupt: a torn packet is dropped rather than recorded as a smeared picture.
  args.push('-fflags', '+genpts+discardcorrupt');
  if (opts.extraInputArgs) args.push(...opts.extraInputArgs);
  args.push('-i', opts.input);
  return args;
}

/**
 * The segment output of {@link buildSegmentArgs}, on its own so that it can later be appended to
 * another ffmpeg that already reads the camera (one RTSP session per camera for capture and
 * recording, as many cameras allow only a few sessions).
 */
export function buildSegmentOutputArgs(opts: SegmentArgsOptions): string[] {
  const d = SEGMENT_ARGS_DEFAULTS;
  const seconds = checkPositive('segmentSeconds', opts.segmentSeconds ?? d.segmentSeconds);
  const unescaped = opts.segmentPattern.replace(/%%/g, '');
  if ((unescaped.match(/%/g) ?? []).length !== 1 || (unescaped.match(COUNTER) ?? []).length !== 1) {
    throw new RangeError(`segmentPattern must contain exactly one %d-style counter and no other %: ${opts.segmentPattern}`);
  }
  if (opts.listFile === '') throw new RangeError('listFile must not be empty');
  const kind = opts.inputKind ?? captureInputKind(opts.input);
  const args = ['-map', '0:v:0', '-c:v', 'copy'];
  if (opts.repeatParameterSets ?? kind !== 'file') args.push('-bsf:v', 'dump_extra=freq=keyframe');
  const audio = opts.audio ?? d.audio;
  if (audio === 'none') {
    args.push('-an');
  } else {
    // `?`: a camera without audio still records. AAC at 64 kbit/s: G.711, the usual camera codec,
    // fits neither MPEG-TS nor MP4, and speech needs no more.
    args.push('-map', '0:a:0?', ...(audio === 'copy' ? ['-c:a', 'copy'] : ['-c:a', 'aac', '-b:a', '64k']));
  }
  args.push('-sn', '-dn', '-f', 'segment', '-segment_format', 'mpegts');
  // Without it the open segment stays in memory (its file at 0 bytes, measured here: until 256 KiB
  // or its end), and a killed ffmpeg loses it. With it the file grows per packet (a write per frame)
  // and a SIGKILLed part decodes up to the kill. `-flush_packets` alone does not reach the inner muxer.
  args.push('-segment_format_options', 'flush_packets=1', '-segment_time', formatSeconds(seconds));
  if (opts.alignToClock ?? d.alignToClock) args.push('-segment_atclocktime', '1');
  args.push('-reset_timestamps', '1', '-segment_list', opts.listFile, '-segment_list_type', 'csv', opts.segmentPattern);
  return args;
}

/**
 * The heartbeat output of {@link buildSegmentArgs}: one `framecrc` line per video packet on stdout.
 * `-flush_packets 1` because the default 32 KiB buffer would hold these 60-byte lines for a minute.
 */
export const HEARTBEAT_OUTPUT_ARGS: readonly string[] = Object.freeze([
  '-map',
  '0:v:0',
  '-c:v',
  'copy',
  '-flush_packets',
  '1',
  '-f',
  'framecrc',
  'pipe:1',
]);

function checkPositive(name: string, value: number): number {
  if (!(Number.isFinite(value) && value > 0)) throw new RangeError(`${name} must be a positive number, got ${value}`);
  return value;
}

/** Seconds without float noise (0.1 + 0.2 style) and without a trailing `.0`. */
function formatSeconds(s: number): string {
  return String(Math.round(s * 1000) / 1000);
}
