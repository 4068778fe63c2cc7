import path from 'node:path';

/**
 * Containers whose H.264 is already Annex-B with SPS/PPS in-band, so ffmpeg can loop and send them
 * unchanged. Everything else (MP4, MOV, MKV …) stores SPS/PPS out of band and needs converting.
 */
const ANNEX_B_EXTENSIONS = new Set(['.ts', '.m2ts', '.mts']);

/** Options of {@link buildFeederArgs}. */
export interface FeederArgsOptions {
  /** Absolute path of the clip to loop. */
  readonly clip: string;
  /** UDP port on which the RTSP server expects this camera's RTP. */
  readonly rtpPort: number;
  /** Destination address of the RTP. Default `127.0.0.1`. */
  readonly host?: string;
  /** ffmpeg `-loglevel`. Default `warning`. */
  readonly logLevel?: 'error' | 'warning' | 'info' | 'verbose';
}

/** True when the clip's container keeps SPS/PPS out of band (MP4 family) and must be converted to Annex-B. */
export function needsAnnexBConversion(clip: string): boolean {
  return !ANNEX_B_EXTENSIONS.has(path.extname(clip).toLowerCase());
}

/**
 * A one-entry ffconcat playlist for `clip`, as a `data:` URI so that no temporary file is needed.
 * The entry carries an explicit `file:` scheme because the concat demuxer resolves relative names
 * against the playlist's own URL, which here is the `data:` URI.
 */
export function concatPlaylistUri(clip: string): string {
  // ffconcat quoting: inside '…' a literal quote is written '\''.
  const quoted = `'file:${clip.replace(/'/g, "'\\''")}'`;
  const playlist = `ffconcat version 1.0\nfile ${quoted}\n`;
  return `data:text/plain;base64,${Buffer.from(playlist, 'utf8').toString('base64')}`;
}

/**
 * ffmpeg arguments (without the program name) of one camera feeder: loop `clip` forever in real
 * time and send its first video stream, unchanged, as RTP/H.264 (payload type 96) to
 * `host:rtpPort`, where the RTSP server depayloads and re-serves it.
 *
 * MP4-family clips are read through the concat demuxer, whose automatic `h264_mp4toannexb`
 * conversion puts SPS/PPS in-band before every keyframe. The obvious `-bsf:v h264_mp4toannexb`
 * cannot be used: with `-stream_loop` ffmpeg 5.1 flushes the output filter at the first loop point
 * and then rejects every packet ("A non-NULL packet sent after an EOF"), so the camera goes dark
 * after one pass of the clip.
 *
 * `connect=1` makes the UDP socket connected, so once the server is gone the kernel's "port
 * unreachable" turns into ECONNREFUSED and an orphaned feeder exits instead of sending forever.
 * `skip_rtcp` keeps sender reports off `rtpPort + 1`, which may be another camera's port.
 */
export function buildFeederArgs(opts: FeederArgsOptions): string[] {
  if (!path.isAbsolute(opts.clip)) throw new RangeError(`clip must be an absolute path, got ${opts.clip}`);
  if (!Number.isInteger(opts.rtpPort) || opts.rtpPort < 1 || opts.rtpPort > 65535) {
    throw new RangeError(`rtpPort must be an integer 1..65535, got ${opts.rtpPort}`);
  }
  const host = opts.host ?? '127.0.0.1';
  const input = needsAnnexBConversion(opts.clip)
    ? ['-f', 'concat', '-safe', '0', '-protocol_whitelist', 'file,data', '-i', concatPlaylistUri(opts.clip)]
    : ['-i', opts.clip];
  return [
    '-hide_banner',
    '-nostats',
    '-loglevel',
    opts.logLevel ?? 'warning',
    '-re',
    '-stream_loop',
    '-1',
    ...input,
    '-map',
    '0:v:0',
    '-an',
    '-c',
    'copy',
    '-f',
    'rtp',
    '-payload_type',
    '96',
    '-rtpflags',
    'skip_rtcp',
    `rtp://${host}:${opts.rtpPort}?connect=1`,
  ];
}

/**
 * ffprobe arguments that connect to `url` over RTSP/TCP and print the first video stream's codec
 * and size as JSON. A DESCRIBE only succeeds once the server has seen the feeder's SPS/PPS, so a
 * successful probe means the whole chain (feeder → server → client) is live.
 */
export function buildProbeArgs(url: string): string[] {
  return [
    '-hide_banner',
    '-v',
    'error',
    '-rtsp_transport',
    'tcp',
    // The SDP carries SPS/PPS, so a short analysis is enough and readiness is not held up by the
    // default 5 s analysis window.
    '-analyzeduration',
    '1000000',
    '-probesize',
    '1000000',
    '-select_streams',
    'v:0',
    '-show_entries',
    'stream=codec_name,width,height',
    '-of',
    'json',
    url,
  ];
}
