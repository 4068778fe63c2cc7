import { describe, expect, it } from 'vitest';
import { buildFeederArgs, buildProbeArgs, concatPlaylistUri, needsAnnexBConversion } from '../../streams/feeder-args.js';
import { parseServerLine } from '../../streams/rtsp-server-process.js';

/** The ffconcat text inside a `data:text/plain;base64,` URI. */
function decodePlaylist(uri: string): string {
  const prefix = 'data:text/plain;base64,';
  expect(uri.startsWith(prefix)).toBe(true);
  return Buffer.from(uri.slice(prefix.length), 'base64').toString('utf8');
}

/** The value following `flag` in an argument vector. */
function valueOf(args: readonly string[], flag: string): string | undefined {
  const i = args.indexOf(flag);
  return i >= 0 ? args[i + 1] : undefined;
}

describe('buildFeederArgs', () => {
  it('loops an MPEG-TS clip in real time and copies its video to RTP without a bitstream filter', () => {
    const args = buildFeederArgs({ clip: '/media/videos/street.ts', rtpPort: 40123 });
    expect(args).toEqual([
      '-hide_banner',
      '-nostats',
      '-loglevel',
      'warning',
      '-re',
      '-stream_loop',
      '-1',
      '-i',
      '/media/videos/street.ts',
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
      'rtp://127.0.0.1:40123?connect=1',
    ]);
    expect(args.some((a) => a.startsWith('-bsf'))).toBe(false);
  });

  it('reads an MP4 through the concat demuxer so SPS/PPS stay in-band on every loop, never via -bsf:v', () => {
    const clip = '/media/videos/walkway.mp4';
    const args = buildFeederArgs({ clip, rtpPort: 5004 });
    // Input options precede -i; -re and -stream_loop apply to this input.
    const iAt = args.indexOf('-i');
    expect(args.slice(0, iAt)).toEqual(
      expect.arrayContaining(['-re', '-stream_loop', '-1', '-f', 'concat', '-safe', '0', '-protocol_whitelist', 'file,data']),
    );
    expect(args.indexOf('-f')).toBeLessThan(iAt);
    expect(decodePlaylist(valueOf(args, '-i') ?? '')).toBe(`ffconcat version 1.0\nfile 'file:${clip}'\n`);
    // With -stream_loop, ffmpeg 5.1 feeds the output bitstream filter EOF at the first loop point.
    expect(args.some((a) => a.startsWith('-bsf'))).toBe(false);
    expect(args.at(-1)).toBe('rtp://127.0.0.1:5004?connect=1');
    expect(valueOf(args, '-c')).toBe('copy');
    expect(args).toContain('-an');
  });

  it('keeps a clip path with spaces, quotes and shell characters as one argument, quoted for ffconcat', () => {
    const clip = "/media/my clips/it's $(rm -rf) ; `x`.mp4";
    const args = buildFeederArgs({ clip, rtpPort: 6000 });
    const playlist = decodePlaylist(valueOf(args, '-i') ?? '');
    expect(playlist).toBe("ffconcat version 1.0\nfile 'file:/media/my clips/it'\\''s $(rm -rf) ; `x`.mp4'\n");
    const ts = buildFeederArgs({ clip: "/media/my clips/it's.ts", rtpPort: 6000 });
    expect(valueOf(ts, '-i')).toBe("/media/my clips/it's.ts");
  });

  it('honours host and log level', () => {
    const args = buildFeederArgs({ clip: '/a.ts', rtpPort: 7000, host: '127.0.0.2', logLevel: 'error' });
    expect(valueOf(args, '-loglevel')).toBe('error');
    expect(args.at(-1)).toBe('rtp://127.0.0.2:7000?connect=1');
  });

  it('rejects a relative clip and an out-of-range port', () => {
    expect(() => buildFeederArgs({ clip: 'videos/a.ts', rtpPort: 7000 })).toThrow(/absolute/);
    expect(() => buildFeederArgs({ clip: '/a.ts', rtpPort: 0 })).toThrow(RangeError);
    expect(() => buildFeederArgs({ clip: '/a.ts', rtpPort: 65536 })).toThrow(RangeError);
    expect(() => buildFeederArgs({ clip: '/a.ts', rtpPort: 1.5 })).toThrow(RangeError);
  });

  it('is pure: the same options give the same arguments', () => {
    const o = { clip: '/media/x.mp4', rtpPort: 9000 };
    expect(buildFeederArgs(o)).toEqual(buildFeederArgs(o));
  });
});

describe('needsAnnexBConversion', () => {
  it('passes MPEG-TS straight through and converts the MP4 family', () => {
    expect(needsAnnexBConversion('/x/a.ts')).toBe(false);
    expect(needsAnnexBConversion('/x/a.M2TS')).toBe(false);
    expect(needsAnnexBConversion('/x/a.mts')).toBe(false);
    expect(needsAnnexBConversion('/x/a.mp4')).toBe(true);
    expect(needsAnnexBConversion('/x/a.MOV')).toBe(true);
    expect(needsAnnexBConversion('/x/a.mkv')).toBe(true);
  });
});

describe('concatPlaylistUri', () => {
  it('names the clip with an explicit file: scheme so it is not resolved against the data: URI', () => {
    expect(decodePlaylist(concatPlaylistUri('/v/a.mp4'))).toContain("file 'file:/v/a.mp4'");
  });
});

describe('buildProbeArgs', () => {
  it('probes over RTSP/TCP with a short analysis and prints the video size as JSON', () => {
    const args = buildProbeArgs('rtsp://127.0.0.1:8554/street-1');
    expect(valueOf(args, '-rtsp_transport')).toBe('tcp');
    expect(valueOf(args, '-of')).toBe('json');
    expect(valueOf(args, '-show_entries')).toBe('stream=codec_name,width,height');
    expect(valueOf(args, '-analyzeduration')).toBe('1000000');
    expect(args.at(-1)).toBe('rtsp://127.0.0.1:8554/street-1');
  });
});

describe('parseServerLine', () => {
  it('reads the ready line with the RTSP and RTP ports', () => {
    expect(parseServerLine('{"ready":true,"port":8554,"rtpPorts":{"a":40000,"b":40002}}')).toEqual({
      ready: true,
      port: 8554,
      rtpPorts: { a: 40000, b: 40002 },
    });
  });

  it('reads a start-up failure with its code', () => {
    expect(parseServerLine('{"ready":false,"code":"NO_GI","error":"missing"}')).toEqual({ ready: false, code: 'NO_GI', error: 'missing' });
  });

  it('reads the event of a mount whose pipeline was built for its first client', () => {
    expect(parseServerLine('{"mount":"street-1","event":"configured"}')).toEqual({ event: 'configured', mount: 'street-1' });
  });

  it('ignores anything else', () => {
    expect(parseServerLine('hello')).toBeUndefined();
    expect(parseServerLine('{"ready":true}')).toBeUndefined();
    expect(parseServerLine('null')).toBeUndefined();
    expect(parseServerLine('[1]')).toBeUndefined();
  });
});
