import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import {
  buildCaptureArgs,
  captureInputKind,
  formatArgsForLog,
  parseFfmpegLogLine,
  redactSecrets,
  urlSecrets,
  backoffDelay,
  BACKOFF_DEFAULTS,
  RateMeter,
} from '../../edge/src/capture/index.js';

/** The value following `flag`, or undefined if the flag is absent. */
function valueOf(args: readonly string[], flag: string): string | undefined {
  const i = args.indexOf(flag);
  return i < 0 ? undefined : args[i + 1];
}

const RTSP = 'rtsp://admin:Pa55word!x@10.0.0.7:554/Streaming/Channels/101';

describe('buildCaptureArgs', () => {
  it('builds RTSP over TCP with a socket timeout, a low-delay decoder and short probing', () => {
    const args = buildCaptureArgs({ input: RTSP, width: 640, height: 360, fps: 5 });
    expect(valueOf(args, '-rtsp_transport')).toBe('tcp');
    expect(valueOf(args, '-timeout')).toBe('5000000');
    expect(valueOf(args, '-analyzeduration')).toBe('1000000');
    expect(valueOf(args, '-probesize')).toBe('1000000');
    expect(valueOf(args, '-fflags')).toBe('+genpts+discardcorrupt');
    expect(valueOf(args, '-flags')).toBe('low_delay');
    expect(valueOf(args, '-use_wallclock_as_timestamps')).toBe('1');
    expect(args).not.toContain('-re');
    expect(args).not.toContain('-stream_loop');
    expect(args).not.toContain('-nostdin');
    // input options must come before -i to apply to the input
    const iAt = args.indexOf('-i');
    expect(args[iAt + 1]).toBe(RTSP);
    for (const flag of ['-rtsp_transport', '-timeout', '-analyzeduration', '-probesize', '-fflags', '-flags']) {
      expect(args.indexOf(flag)).toBeLessThan(iAt);
    }
  });

  it('adds nobuffer and drops low_delay only when asked', () => {
    const args = buildCaptureArgs({ input: RTSP, width: 64, height: 64, noBuffer: true, lowDelay: false });
    expect(valueOf(args, '-fflags')).toBe('+genpts+discardcorrupt+nobuffer');
    expect(args).not.toContain('-flags');
  });

  it('uses UDP when asked and converts the timeout to microseconds', () => {
    const args = buildCaptureArgs({
      input: RTSP,
      width: 640,
      height: 360,
      rtspTransport: 'udp',
      socketTimeoutMs: 2500,
    });
    expect(valueOf(args, '-rtsp_transport')).toBe('udp');
    expect(valueOf(args, '-timeout')).toBe('2500000');
  });

  it('reads files at native rate, optionally looped, without network options', () => {
    const file = '/media/clip.mp4';
    const once = buildCaptureArgs({ input: file, width: 384, height: 216, fps: 5 });
    expect(once).toContain('-re');
    expect(once).not.toContain('-stream_loop');
    for (const flag of ['-rtsp_transport', '-timeout', '-rw_timeout', '-fflags', '-flags', '-probesize']) {
      expect(once).not.toContain(flag);
    }
    const looped = buildCaptureArgs({ input: file, width: 384, height: 216, loop: true, realtime: false });
    expect(valueOf(looped, '-stream_loop')).toBe('-1');
    expect(looped).not.toContain('-re');
    expect(looped.indexOf('-stream_loop')).toBeLessThan(looped.indexOf('-i'));
  });

  it('uses the generic -rw_timeout for other network inputs (for rtmp, -timeout means listen)', () => {
    const input = 'rtmp://127.0.0.1/live/cam1';
    const args = buildCaptureArgs({ input, width: 320, height: 240, socketTimeoutMs: 3000 });
    expect(valueOf(args, '-rw_timeout')).toBe('3000000');
    expect(args).not.toContain('-timeout');
    expect(args).not.toContain('-rtsp_transport');
  });

  it('outputs only the first video stream as rgb24 rawvideo on stdout, with the needed filters only', () => {
    const args = buildCaptureArgs({ input: RTSP, width: 384, height: 216, fps: 5 });
    expect(valueOf(args, '-vf')).toBe('fps=5,scale=384:216:flags=bilinear');
    expect(valueOf(args, '-map')).toBe('0:v:0');
    expect(args).toEqual(expect.arrayContaining(['-an', '-sn', '-dn', '-hide_banner', '-nostats']));
    expect(valueOf(args, '-loglevel')).toBe('level+warning');
    expect(valueOf(args, '-pix_fmt')).toBe('rgb24');
    expect(valueOf(args, '-f')).toBe('rawvideo');
    expect(args.at(-1)).toBe('pipe:1');
    const nativeRate = buildCaptureArgs({ input: RTSP, width: 384, height: 216 });
    expect(valueOf(nativeRate, '-vf')).toBe('scale=384:216:flags=bilinear');
  });

  it('writes each frame in one write, to stdout or to a FIFO path given with -y', () => {
    const toStdout = buildCaptureArgs({ input: RTSP, width: 64, height: 64 });
    expect(valueOf(toStdout, '-avioflags')).toBe('direct');
    expect(toStdout).not.toContain('-y');
    const toFifo = buildCaptureArgs({ input: RTSP, width: 64, height: 64, output: '/tmp/x/frames.rgb' });
    expect(toFifo.slice(-5)).toEqual(['rawvideo', '-avioflags', 'direct', '-y', '/tmp/x/frames.rgb']);
  });

  it('passes hwaccel through only when set, before the input', () => {
    expect(buildCaptureArgs({ input: RTSP, width: 64, height: 64 })).not.toContain('-hwaccel');
    const args = buildCaptureArgs({ input: RTSP, width: 64, height: 64, hwaccel: 'vaapi' });
    expect(valueOf(args, '-hwaccel')).toBe('vaapi');
    expect(args.indexOf('-hwaccel')).toBeLessThan(args.indexOf('-i'));
  });

  it('rejects sizes and rates ffmpeg would choke on', () => {
    expect(() => buildCaptureArgs({ input: RTSP, width: 0, height: 10 })).toThrow(RangeError);
    expect(() => buildCaptureArgs({ input: RTSP, width: 10.5, height: 10 })).toThrow(RangeError);
    expect(() => buildCaptureArgs({ input: RTSP, width: 10, height: 10, fps: 0 })).toThrow(RangeError);
    expect(() => buildCaptureArgs({ input: RTSP, width: 10, height: 10, fps: Number.NaN })).toThrow(RangeError);
  });

  it('keeps the password in the arguments but never in the log form', () => {
    const args = buildCaptureArgs({ input: RTSP, width: 640, height: 360 });
    expect(args).toContain(RTSP);
    const text = formatArgsForLog(args);
    expect(text).not.toContain('Pa55word');
    expect(text).toContain('rtsp://admin:***@10.0.0.7:554/Streaming/Channels/101');

    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        lines.push(chunk.toString());
        cb();
      },
    });
    const logger = pino({ level: 'trace' }, sink);
    logger.info({ args: formatArgsForLog(args) }, 'starting ffmpeg');
    expect(lines.join('')).toContain('admin:***@');
    expect(lines.join('')).not.toContain('Pa55word');
  });
});

describe('captureInputKind', () => {
  it.each([
    ['rtsp://cam/1', 'rtsp'],
    ['RTSPS://cam/1', 'rtsp'],
    ['rtmp://host/app/key', 'network'],
    ['http://host/live.flv', 'network'],
    ['/abs/clip.mp4', 'file'],
    ['relative/clip.ts', 'file'],
    ['file:///abs/clip.mp4', 'file'],
  ])('%s is %s', (input, kind) => {
    expect(captureInputKind(input)).toBe(kind);
  });
});

describe('ffmpeg log lines', () => {
  it('parses component and level tags', () => {
    expect(parseFfmpegLogLine('[tcp @ 0x55858c6b8880] [error] Connection to tcp://127.0.0.1:1 failed')).toEqual({
      level: 'error',
      component: 'tcp',
      message: 'Connection to tcp://127.0.0.1:1 failed',
    });
    expect(parseFfmpegLogLine('[warning] Trailing option(s) found')).toEqual({
      level: 'warning',
      message: 'Trailing option(s) found',
    });
    expect(parseFfmpegLogLine('plain text')).toEqual({ level: 'info', message: 'plain text' });
  });

  it('scrubs passwords in URLs and, literally, decoded ones', () => {
    const url = 'rtsp://admin:p%40ss-w0rd@cam/1';
    const secrets = urlSecrets(url);
    expect(secrets).toEqual(['p%40ss-w0rd', 'p@ss-w0rd']);
    expect(redactSecrets(`[error] ${url}: 401 Unauthorized`, secrets)).toBe(
      '[error] rtsp://admin:***@cam/1: 401 Unauthorized',
    );
    expect(redactSecrets('auth failed for p@ss-w0rd', secrets)).toBe('auth failed for ***');
    expect(urlSecrets('/media/clip.mp4')).toEqual([]);
    expect(urlSecrets('rtsp://cam/1')).toEqual([]);
  });
});

describe('backoffDelay', () => {
  it('grows by the factor up to the cap, with bounded jitter', () => {
    const noJitter = { ...BACKOFF_DEFAULTS, jitter: 0 };
    expect([1, 2, 3, 4, 5, 6, 7].map((n) => backoffDelay(n, noJitter))).toEqual([
      1000, 2000, 4000, 8000, 16000, 30000, 30000,
    ]);
    expect(backoffDelay(1, BACKOFF_DEFAULTS, () => 0)).toBe(800);
    expect(backoffDelay(1, BACKOFF_DEFAULTS, () => 0.999999)).toBe(1200);
    expect(backoffDelay(10, BACKOFF_DEFAULTS, () => 0.999999)).toBe(30000);
  });
});

describe('RateMeter', () => {
  it('measures events per second over the window and falls to zero when they stop', () => {
    const meter = new RateMeter(2000);
    for (let t = 0; t < 4000; t += 200) meter.mark(10_000 + t); // 5 per second
    expect(meter.rate(13_900)).toBeCloseTo(5, 5); // window (11.9 s, 13.9 s] holds 10 events
    expect(meter.rate(16_500)).toBe(0);
  });
});
