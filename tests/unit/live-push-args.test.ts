import { describe, expect, it } from 'vitest';
import { buildPushArgs, createProgressParser, isFlvCodecRefusal, type PushProgress } from '../../edge/src/relay/push-args.js';

const RTSP = 'rtsp://admin:Pa55word!x@10.0.0.7:554/Streaming/Channels/101';
const RTMP = 'rtmp://cloud.example.cn:1935/live/c0123?sign=abc.def';

function valueOf(args: readonly string[], flag: string): string | undefined {
  const i = args.indexOf(flag);
  return i < 0 ? undefined : args[i + 1];
}

describe('buildPushArgs', () => {
  it('stream-copies the first video stream of an RTSP camera to RTMP as FLV', () => {
    const args = buildPushArgs({ input: RTSP, output: RTMP, video: 'copy' });
    expect(valueOf(args, '-rtsp_transport')).toBe('tcp');
    expect(valueOf(args, '-timeout')).toBe('5000000');
    expect(valueOf(args, '-analyzeduration')).toBe('1000000');
    expect(valueOf(args, '-probesize')).toBe('500000');
    expect(valueOf(args, '-fpsprobesize')).toBe('0');
    expect(valueOf(args, '-i')).toBe(RTSP);
    expect(valueOf(args, '-map')).toBe('0:v:0');
    expect(args).toEqual(expect.arrayContaining(['-an', '-sn', '-dn']));
    expect(valueOf(args, '-c:v')).toBe('copy');
    expect(args).not.toContain('libx264');
    expect(valueOf(args, '-f')).toBe('flv');
    expect(valueOf(args, '-flvflags')).toBe('no_duration_filesize');
    expect(args.at(-1)).toBe(RTMP);
    // Input options before -i, output options after it.
    const iAt = args.indexOf('-i');
    for (const flag of ['-rtsp_transport', '-timeout', '-analyzeduration', '-probesize', '-fpsprobesize']) expect(args.indexOf(flag)).toBeLessThan(iAt);
    for (const flag of ['-map', '-c:v', '-f', '-flvflags']) expect(args.indexOf(flag)).toBeGreaterThan(iAt);
    // The output's socket timeout comes after -i, so it applies to the RTMP connection.
    expect(args.lastIndexOf('-rw_timeout')).toBeGreaterThan(iAt);
  });

  it('reports progress on stdout every second, nothing else', () => {
    const args = buildPushArgs({ input: RTSP, output: RTMP, video: 'copy' });
    expect(valueOf(args, '-progress')).toBe('pipe:1');
    expect(valueOf(args, '-stats_period')).toBe('1');
    expect(args).toContain('-nostats');
    expect(valueOf(args, '-loglevel')).toBe('level+warning');
  });

  it('re-encodes to H.264 with time-based keyframes when asked', () => {
    const args = buildPushArgs({ input: RTSP, output: RTMP, video: 'h264', transcode: { keyframeSeconds: 2, maxBitrateKbps: 1500 } });
    expect(valueOf(args, '-c:v')).toBe('libx264');
    expect(valueOf(args, '-preset')).toBe('veryfast');
    expect(valueOf(args, '-tune')).toBe('zerolatency');
    expect(valueOf(args, '-pix_fmt')).toBe('yuv420p');
    expect(valueOf(args, '-force_key_frames')).toBe('expr:gte(t,n_forced*2)');
    expect(valueOf(args, '-maxrate')).toBe('1500k');
    expect(valueOf(args, '-bufsize')).toBe('1500k');
  });

  it('uses UDP when configured, a generic timeout for other network inputs, and loops files', () => {
    expect(valueOf(buildPushArgs({ input: RTSP, output: RTMP, video: 'copy', rtspTransport: 'udp' }), '-rtsp_transport')).toBe('udp');
    const http = buildPushArgs({ input: 'http://10.0.0.8/stream.flv', output: RTMP, video: 'copy' });
    expect(http).not.toContain('-rtsp_transport');
    expect(http.indexOf('-rw_timeout')).toBeLessThan(http.indexOf('-i'));
    const file = buildPushArgs({ input: '/clips/a.ts', output: RTMP, video: 'copy' });
    expect(file).toEqual(expect.arrayContaining(['-re', '-stream_loop', '-1']));
    expect(file).not.toContain('-analyzeduration');
  });

  it('refuses outputs that are not RTMP and nonsense settings', () => {
    expect(() => buildPushArgs({ input: RTSP, output: 'http://x/live', video: 'copy' })).toThrow(RangeError);
    expect(() => buildPushArgs({ input: RTSP, output: RTMP, video: 'copy', progressSeconds: 0 })).toThrow(RangeError);
    expect(() => buildPushArgs({ input: RTSP, output: RTMP, video: 'h264', transcode: { keyframeSeconds: -1 } })).toThrow(RangeError);
    expect(() => buildPushArgs({ input: RTSP, output: RTMP, video: 'h264', transcode: { maxBitrateKbps: 1.5 } })).toThrow(RangeError);
  });
});

describe('push progress and errors', () => {
  it('reports one progress per block, across chunk boundaries', () => {
    const seen: PushProgress[] = [];
    const feed = createProgressParser((p) => seen.push(p));
    feed('frame=0\nfps=0.0\nprogress=continue\nfra');
    feed(Buffer.from('me=12\nfps=11.9\nbitrate=1200kbits/s\nprogress=cont'));
    feed('inue\nframe=24\nprogress=end\n');
    expect(seen).toEqual([
      { frames: 0, continuing: true },
      { frames: 12, continuing: true },
      { frames: 24, continuing: false },
    ]);
  });

  it("recognises ffmpeg's refusal of H.265 in FLV", () => {
    expect(isFlvCodecRefusal('Video codec hevc not compatible with flv')).toBe(true);
    expect(isFlvCodecRefusal('codec not currently supported in container')).toBe(true);
    expect(isFlvCodecRefusal('Connection refused')).toBe(false);
  });
});
