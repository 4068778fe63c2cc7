import { captureInputKind, type RtspTransport } from '../capture/ffmpeg-args.js';

/** How the relay carries the camera's video: as it is, or re-encoded to H.264. */
export type PushVideoMode = 'copy' | 'h264';

/** Settings of the H.264 re-encode, used only for cameras that send H.265 and allow transcoding. */
export interface PushTranscodeOptions {
  /** x264 preset. Default `veryfast`: a live view is worth less than the edge's detection CPU. */
  readonly preset?: string;
  /** Keyframe interval in seconds; the first frame a new viewer sees waits for the next keyframe. Default 1. */
  readonly keyframeSeconds?: number;
  /** Bitrate cap in kbit/s (`-maxrate`, with a one-second buffer). Default none: CRF 23 decides. */
  readonly maxBitrateKbps?: number;
}

/** Everything {@link buildPushArgs} needs; only `input`, `output` and `video` are required. */
export interface PushArgsOptions {
  /** Camera URL (`rtsp://…`, may carry credentials), another network URL, or a file path (tests). */
  readonly input: string;
  /** `rtmp://host:port/app/key?sign=…`: the signed publish URL. */
  readonly output: string;
  readonly video: PushVideoMode;
  /** RTSP only. Default `tcp`. */
  readonly rtspTransport?: RtspTransport;
  /** A camera or media-server socket blocked longer than this fails the push. Default 5000 ms. */
  readonly socketTimeoutMs?: number;
  /** `-analyzeduration` in µs. Default 1 000 000. */
  readonly analyzeDurationUs?: number;
  /** `-probesize` in bytes. Default 500 000. */
  readonly probeSizeBytes?: number;
  /** Seconds between `-progress` reports on stdout, which tell the relay that video flows. Default 1. */
  readonly progressSeconds?: number;
  readonly transcode?: PushTranscodeOptions;
  /** Extra input options placed just before `-i` (camera quirks). Default none. */
  readonly extraInputArgs?: readonly string[];
}

/** Defaults of {@link PushArgsOptions}, shared with docs and tests. */
export const PUSH_ARGS_DEFAULTS = {
  rtspTransport: 'tcp',
  socketTimeoutMs: 5_000,
  analyzeDurationUs: 1_000_000,
  probeSizeBytes: 500_000,
  progressSeconds: 1,
  preset: 'veryfast',
  keyframeSeconds: 1,
} as const;

/**
 * The ffmpeg argument vector (without the program name) that pulls a camera and publishes its first
 * video stream to the media server as FLV over RTMP: stream-copied (no decoding, a few % of a core),
 * or re-encoded to H.264 when the camera sends H.265, which FLV cannot carry. Pure, like
 * `buildCaptureArgs`: no I/O, no clock.
 *
 * Progress (`frame=…`, `progress=continue`) goes to stdout every `progressSeconds`, so the relay knows
 * when video is flowing and notices a stall. The result contains the camera URL and the publish
 * signature verbatim: log it only through `formatArgsForLog` with the sign as a secret.
 */
export function buildPushArgs(opts: PushArgsOptions): string[] {
  const d = PUSH_ARGS_DEFAULTS;
  if (!/^rtmps?:\/\//i.test(opts.output)) throw new RangeError('output must be an rtmp:// or rtmps:// URL');
  const progress = opts.progressSeconds ?? d.progressSeconds;
  if (!(Number.isFinite(progress) && progress > 0)) throw new RangeError(`progressSeconds must be positive, got ${progress}`);
  const timeoutUs = String(Math.round((opts.socketTimeoutMs ?? d.socketTimeoutMs) * 1000));
  const args = ['-hide_banner', '-loglevel', 'level+warning', '-nostats', '-progress', 'pipe:1', '-stats_period', String(progress)];

  const kind = captureInputKind(opts.input);
  if (kind === 'file') {
    // A file is only ever a test stand-in for a camera: read it at its own pace, forever.
    args.push('-re', '-stream_loop', '-1');
  } else {
    if (kind === 'rtsp') args.push('-rtsp_transport', opts.rtspTransport ?? d.rtspTransport, '-timeout', timeoutUs);
    else args.push('-rw_timeout', timeoutUs);
    args.push(
      '-analyzeduration',
      String(opts.analyzeDurationUs ?? d.analyzeDurationUs),
      '-probesize',
      String(opts.probeSizeBytes ?? d.probeSizeBytes),
      // Stream copy needs no frame-rate estimate, and ffmpeg's (20 frames by default) held up the first
      // frame by about a second on a 12 fps camera (measured here: first frame at 2.2 s → 1.25 s).
      '-fpsprobesize',
      '0',
    );
  }
  if (opts.extraInputArgs) args.push(...opts.extraInputArgs);
  args.push('-i', opts.input);

  // Video only: camera audio is mostly G.711, which FLV players do not decode, and a monitoring wall
  // watches pictures. Subtitle and data streams (ONVIF metadata) would break the FLV muxer.
  args.push('-map', '0:v:0', '-an', '-sn', '-dn');
  if (opts.video === 'copy') {
    args.push('-c:v', 'copy');
  } else {
    const t = opts.transcode ?? {};
    const gop = t.keyframeSeconds ?? d.keyframeSeconds;
    if (!(Number.isFinite(gop) && gop > 0)) throw new RangeError(`keyframeSeconds must be positive, got ${gop}`);
    args.push('-c:v', 'libx264', '-preset', t.preset ?? d.preset, '-tune', 'zerolatency', '-pix_fmt', 'yuv420p');
    // Keyframes by time, not frame count: camera frame rates are nominal at best.
    args.push('-force_key_frames', `expr:gte(t,n_forced*${gop})`, '-crf', '23');
    if (t.maxBitrateKbps !== undefined) {
      if (!(Number.isInteger(t.maxBitrateKbps) && t.maxBitrateKbps > 0)) {
        throw new RangeError(`maxBitrateKbps must be a positive integer, got ${t.maxBitrateKbps}`);
      }
      args.push('-maxrate', `${t.maxBitrateKbps}k`, '-bufsize', `${t.maxBitrateKbps}k`);
    }
  }
  // no_duration_filesize: a live FLV has neither; without it ffmpeg tries to seek back into the RTMP
  // stream at the end and logs errors. -rw_timeout after -i applies to the RTMP output: a media server
  // that stops reading fails the push instead of blocking it forever.
  args.push('-f', 'flv', '-flvflags', 'no_duration_filesize', '-rw_timeout', timeoutUs, opts.output);
  return args;
}

/** What one `-progress` block says. */
export interface PushProgress {
  /** Frames written so far. */
  readonly frames: number;
  /** False on the last block (`progress=end`). */
  readonly continuing: boolean;
}

/**
 * Splits ffmpeg's `-progress` output (key=value lines, each block ending with `progress=…`) into
 * blocks. Feed it stdout chunks in order; it calls `onProgress` once per completed block.
 */
export function createProgressParser(onProgress: (p: PushProgress) => void): (chunk: Buffer | string) => void {
  let partial = '';
  let frames = 0;
  return (chunk) => {
    const lines = (partial + chunk.toString()).split('\n');
    partial = lines.pop() ?? '';
    for (const raw of lines) {
      const line = raw.trim();
      const eq = line.indexOf('=');
      if (eq <= 0) continue;
      const key = line.slice(0, eq);
      const value = line.slice(eq + 1);
      if (key === 'frame') {
        const n = Number(value);
        if (Number.isFinite(n)) frames = n;
      } else if (key === 'progress') {
        onProgress({ frames, continuing: value !== 'end' });
      }
    }
    // A peer that never sends a newline must not grow the buffer without bound.
    if (partial.length > 4096) partial = '';
  };
}

/** True when ffmpeg's error line says the video codec cannot go into FLV (H.265 with ffmpeg < 6.1). */
export function isFlvCodecRefusal(message: string): boolean {
  return /codec \w+ not compatible with flv/i.test(message) || /codec not currently supported in container/i.test(message);
}
