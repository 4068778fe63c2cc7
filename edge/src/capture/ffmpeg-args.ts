import { redactUrl } from '../../../common/redact.js';

/** How ffmpeg reaches the source; decides which input options apply. */
export type CaptureInputKind = 'rtsp' | 'network' | 'file';

/** RTP transport for RTSP sources. */
export type RtspTransport = 'tcp' | 'udp';

/** Everything {@link buildCaptureArgs} needs; only `input`, `width` and `height` are required. */
export interface CaptureArgsOptions {
  /** `rtsp://`/`rtsps://` camera URL (may carry credentials), another network URL, or a file path. */
  readonly input: string;
  /** Output frame width in pixels (frames are scaled to exactly this size). */
  readonly width: number;
  /** Output frame height in pixels. */
  readonly height: number;
  /** Output frame rate; omitted = every decoded frame at the source's own rate. */
  readonly fps?: number;
  /** Overrides the kind derived from `input` by {@link captureInputKind}. */
  readonly inputKind?: CaptureInputKind;
  /** RTSP only. Default `tcp`: no packet loss behind NAT/firewalls at the cost of head-of-line blocking. */
  readonly rtspTransport?: RtspTransport;
  /** Network inputs: a socket read or connect that blocks longer than this fails. Default 5000 ms. */
  readonly socketTimeoutMs?: number;
  /** Network inputs: `-analyzeduration` in microseconds. Default 1 000 000 (ffmpeg's own is 5 s). */
  readonly analyzeDurationUs?: number;
  /** Network inputs: `-probesize` in bytes. Default 1 000 000 (ffmpeg's own is 5 MB). */
  readonly probeSizeBytes?: number;
  /** Network inputs: `-flags low_delay`, the decoder outputs each frame at once. Default true. */
  readonly lowDelay?: boolean;
  /**
   * Network inputs: `-fflags nobuffer`. Default false: it only drops the packets read while probing,
   * so the decoder starts mid-GOP and the first frame waits for the next keyframe (measured here on
   * RTSP with a 1 s GOP: first frame after 3.2 s instead of 2.0 s); later latency is the same.
   */
  readonly noBuffer?: boolean;
  /** File inputs: read at the native frame rate (`-re`) so a file behaves like a camera. Default true. */
  readonly realtime?: boolean;
  /** File inputs: loop forever (`-stream_loop -1`). Default false. */
  readonly loop?: boolean;
  /** `-hwaccel` value (`auto`, `vaapi`, `cuda`, ...). Default: none, software decoding. */
  readonly hwaccel?: string;
  /** Extra input options placed just before `-i` (an escape hatch for camera quirks). Default none. */
  readonly extraInputArgs?: readonly string[];
  /** Where the frames go: `pipe:1` (stdout, the default) or a path, e.g. a FIFO (written with `-y`). */
  readonly output?: string;
}

/** Defaults of {@link CaptureArgsOptions}, exported so configuration docs and tests share them. */
export const CAPTURE_ARGS_DEFAULTS = {
  rtspTransport: 'tcp',
  socketTimeoutMs: 5_000,
  analyzeDurationUs: 1_000_000,
  probeSizeBytes: 1_000_000,
  lowDelay: true,
  noBuffer: false,
  realtime: true,
  loop: false,
} as const satisfies Partial<CaptureArgsOptions>;

const URL_SCHEME = /^([a-z][a-z0-9+.-]*):\/\//i;

/** `rtsp`/`rtsps` URLs are `rtsp`, any other `scheme://` is `network`, everything else is a file path. */
export function captureInputKind(input: string): CaptureInputKind {
  const scheme = URL_SCHEME.exec(input)?.[1]?.toLowerCase();
  if (scheme === undefined || scheme === 'file') return 'file';
  return scheme === 'rtsp' || scheme === 'rtsps' ? 'rtsp' : 'network';
}

/** Bytes of one packed RGB24 frame of the given size. */
export function rgb24FrameBytes(width: number, height: number): number {
  return width * height * 3;
}

/**
 * The ffmpeg argument vector (without the program name) that decodes the first video stream of
 * `opts.input` and writes packed RGB24 frames of `width`×`height` to stdout (or to `opts.output`). Pure: no I/O, no clock,
 * so every camera quirk can be covered by unit tests without ffmpeg.
 *
 * The result contains the input URL verbatim, credentials included: log it only through
 * {@link formatArgsForLog}.
 */
export function buildCaptureArgs(opts: CaptureArgsOptions): string[] {
  checkPositiveInt('width', opts.width);
  checkPositiveInt('height', opts.height);
  if (opts.fps !== undefined && !(Number.isFinite(opts.fps) && opts.fps > 0)) {
    throw new RangeError(`fps must be a positive number, got ${opts.fps}`);
  }
  const kind = opts.inputKind ?? captureInputKind(opts.input);
  const d = CAPTURE_ARGS_DEFAULTS;
  // `level+` prefixes every stderr line with its severity, so the process wrapper can pick the
  // log level and the last real error line without guessing from the text.
  const args = ['-hide_banner', '-loglevel', 'level+warning', '-nostats'];

  if (opts.hwaccel !== undefined && opts.hwaccel !== '') args.push('-hwaccel', opts.hwaccel);

  if (kind === 'file') {
    if (opts.realtime ?? d.realtime) args.push('-re');
    if (opts.loop ?? d.loop) args.push('-stream_loop', '-1');
  } else {
    const timeoutUs = String(Math.round((opts.socketTimeoutMs ?? d.socketTimeoutMs) * 1000));
    if (kind === 'rtsp') {
      // In ffmpeg ≥ 5 the RTSP demuxer's socket timeout is `-timeout` (µs); the old `-stimeout` is gone.
      args.push('-rtsp_transport', opts.rtspTransport ?? d.rtspTransport, '-timeout', timeoutUs);
    } else {
      // `-rw_timeout` is the generic protocol-level I/O timeout; `-timeout` would mean something else
      // per protocol (for rtmp it turns on listen mode).
      args.push('-rw_timeout', timeoutUs);
    }
    args.push(
      '-analyzeduration',
      String(opts.analyzeDurationUs ?? d.analyzeDurationUs),
      '-probesize',
      String(opts.probeSizeBytes ?? d.probeSizeBytes),
    );
    // Cameras' own timestamps jump and wrap; arrival time keeps the fps filter sampling evenly.
    // discardcorrupt keeps a torn packet from reaching the decoder as a smeared frame.
    const fflags = `+genpts+discardcorrupt${opts.noBuffer ?? d.noBuffer ? '+nobuffer' : ''}`;
    args.push('-use_wallclock_as_timestamps', '1', '-fflags', fflags);
    // low_delay also turns off frame threading in the decoder, which otherwise holds back one frame
    // per thread. Not used on files, where latency does not matter.
    if (opts.lowDelay ?? d.lowDelay) args.push('-flags', 'low_delay');
  }
  if (opts.extraInputArgs) args.push(...opts.extraInputArgs);
  args.push('-i', opts.input);

  // Video only: audio, subtitles and data would need decoding or mapping for nothing.
  args.push('-map', '0:v:0', '-an', '-sn', '-dn');
  // fps before scale, so frames that are dropped anyway are never scaled. Bilinear is cheaper than
  // the default bicubic and makes no difference to a detector at these sizes.
  const filters: string[] = [];
  if (opts.fps !== undefined) filters.push(`fps=${opts.fps}`);
  filters.push(`scale=${opts.width}:${opts.height}:flags=bilinear`);
  args.push('-vf', filters.join(','));
  // passthrough: the muxer stage must not add or drop frames by its own guess of the rate (without
  // an fps filter it would, for wall-clock timestamps). The fps filter itself fills an input gap with
  // copies only once input resumes, so a stall still shows as no output.
  args.push('-fps_mode', 'passthrough', '-pix_fmt', 'rgb24', '-f', 'rawvideo');
  // direct: each frame leaves in one write() instead of 32 KiB buffer flushes, so the reader wakes up
  // fewer times per frame.
  args.push('-avioflags', 'direct');
  const output = opts.output ?? 'pipe:1';
  // A FIFO exists before ffmpeg opens it: without -y ffmpeg would ask on stdin whether to overwrite it.
  if (output !== 'pipe:1') args.push('-y');
  args.push(output);
  return args;
}

/** One line for logs: the argument vector with every URL password replaced by `***`. */
export function formatArgsForLog(args: readonly string[]): string {
  return args.map((a) => redactUrl(a)).join(' ');
}

function checkPositiveInt(name: string, value: number): void {
  if (!Number.isInteger(value) || value <= 0) throw new RangeError(`${name} must be a positive integer, got ${value}`);
}
