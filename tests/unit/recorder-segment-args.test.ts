import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { formatArgsForLog } from '../../edge/src/capture/index.js';
import {
  buildConcatArgs,
  buildSegmentArgs,
  ffconcatScript,
  HEARTBEAT_OUTPUT_ARGS,
  HeartbeatReader,
  parseHeartbeatLine,
  partFilePattern,
  SegmentRecorder,
  TimelineAnchor,
  type HeartbeatPacket,
} from '../../edge/src/recorder/index.js';

const RTSP = 'rtsp://admin:Pa55word!x@10.0.0.7:554/Streaming/Channels/101';
const PATTERN = '/data/rec/cam-1/run-1700000000000-%06d.ts';
const LIST = '/data/rec/cam-1/run-1700000000000.csv';
const base = { input: RTSP, segmentPattern: PATTERN, listFile: LIST };

function valueOf(args: readonly string[], flag: string): string | undefined {
  const i = args.indexOf(flag);
  return i < 0 ? undefined : args[i + 1];
}

/** The arguments between `-i <input>` and the heartbeat: the segment output. */
function segmentOutput(args: readonly string[]): string[] {
  const start = args.indexOf('-i') + 2;
  return args.slice(start, args.length - HEARTBEAT_OUTPUT_ARGS.length);
}

describe('buildSegmentArgs', () => {
  it('reads RTSP over TCP with a socket timeout and short probing, all before -i', () => {
    const args = buildSegmentArgs(base);
    expect(valueOf(args, '-rtsp_transport')).toBe('tcp');
    expect(valueOf(args, '-timeout')).toBe('5000000');
    expect(valueOf(args, '-analyzeduration')).toBe('1000000');
    expect(valueOf(args, '-probesize')).toBe('1000000');
    expect(valueOf(args, '-fflags')).toBe('+genpts+discardcorrupt');
    const iAt = args.indexOf('-i');
    expect(args[iAt + 1]).toBe(RTSP);
    for (const flag of ['-rtsp_transport', '-timeout', '-analyzeduration', '-probesize', '-fflags']) {
      expect(args.indexOf(flag)).toBeLessThan(iAt);
    }
    // `q` on stdin is how FfmpegProcess stops ffmpeg cleanly.
    expect(args).not.toContain('-nostdin');
    expect(args.slice(0, 4)).toEqual(['-hide_banner', '-loglevel', 'level+warning', '-nostats']);
  });

  it('stream-copies the first video stream into 2 s MPEG-TS segments cut at clock multiples, listed as CSV', () => {
    const out = segmentOutput(buildSegmentArgs(base));
    expect(out.slice(0, 4)).toEqual(['-map', '0:v:0', '-c:v', 'copy']);
    expect(out).not.toContain('-vf');
    expect(valueOf(out, '-bsf:v')).toBe('dump_extra=freq=keyframe');
    expect(out).toContain('-an');
    expect(valueOf(out, '-f')).toBe('segment');
    expect(valueOf(out, '-segment_format')).toBe('mpegts');
    expect(valueOf(out, '-segment_format_options')).toBe('flush_packets=1');
    expect(valueOf(out, '-segment_time')).toBe('2');
    expect(valueOf(out, '-segment_atclocktime')).toBe('1');
    expect(valueOf(out, '-reset_timestamps')).toBe('1');
    expect(valueOf(out, '-segment_list')).toBe(LIST);
    expect(valueOf(out, '-segment_list_type')).toBe('csv');
    expect(out.at(-1)).toBe(PATTERN);
    // Nothing MP4: a killed ffmpeg must leave readable segments.
    expect(out.join(' ')).not.toMatch(/mp4|movflags/);
  });

  it('keeps camera timestamps by default and uses arrival time only when asked', () => {
    expect(buildSegmentArgs(base)).not.toContain('-use_wallclock_as_timestamps');
    const arrival = buildSegmentArgs({ ...base, timestamps: 'arrival' });
    expect(valueOf(arrival, '-use_wallclock_as_timestamps')).toBe('1');
    expect(arrival.indexOf('-use_wallclock_as_timestamps')).toBeLessThan(arrival.indexOf('-i'));
  });

  it('ends with the flushed framecrc heartbeat on stdout', () => {
    const args = buildSegmentArgs(base);
    expect(args.slice(-HEARTBEAT_OUTPUT_ARGS.length)).toEqual([...HEARTBEAT_OUTPUT_ARGS]);
    expect(args.slice(-3)).toEqual(['-f', 'framecrc', 'pipe:1']);
    expect(valueOf(HEARTBEAT_OUTPUT_ARGS, '-flush_packets')).toBe('1');
  });

  it('honours transport, timeout, segment length and clock alignment', () => {
    const args = buildSegmentArgs({ ...base, rtspTransport: 'udp', socketTimeoutMs: 2500, segmentSeconds: 0.5, alignToClock: false });
    expect(valueOf(args, '-rtsp_transport')).toBe('udp');
    expect(valueOf(args, '-timeout')).toBe('2500000');
    expect(valueOf(args, '-segment_time')).toBe('0.5');
    expect(args).not.toContain('-segment_atclocktime');
    expect(valueOf(buildSegmentArgs({ ...base, segmentSeconds: 0.1 + 0.2 }), '-segment_time')).toBe('0.3');
  });

  it('maps optional audio: copied, or transcoded to AAC', () => {
    const copy = segmentOutput(buildSegmentArgs({ ...base, audio: 'copy' }));
    expect(valueOf(copy, '-map')).toBe('0:v:0');
    expect(copy.join(' ')).toContain('-map 0:a:0? -c:a copy');
    expect(copy).not.toContain('-an');
    const aac = segmentOutput(buildSegmentArgs({ ...base, audio: 'aac' }));
    expect(aac.join(' ')).toContain('-map 0:a:0? -c:a aac -b:a 64k');
  });

  it('reads files at native rate without network options or the parameter-set filter', () => {
    const args = buildSegmentArgs({ ...base, input: '/media/clip.mp4', loop: true });
    expect(args).toContain('-re');
    expect(valueOf(args, '-stream_loop')).toBe('-1');
    for (const flag of ['-rtsp_transport', '-timeout', '-rw_timeout', '-probesize', '-bsf:v']) expect(args).not.toContain(flag);
    const net = buildSegmentArgs({ ...base, input: 'rtmp://host/app/key' });
    expect(valueOf(net, '-rw_timeout')).toBe('5000000');
    expect(net).not.toContain('-timeout');
  });

  it('rejects bad segment lengths and patterns without exactly one counter', () => {
    expect(() => buildSegmentArgs({ ...base, segmentSeconds: 0 })).toThrow(RangeError);
    expect(() => buildSegmentArgs({ ...base, segmentSeconds: Number.NaN })).toThrow(RangeError);
    expect(() => buildSegmentArgs({ ...base, segmentPattern: '/rec/seg.ts' })).toThrow(RangeError);
    expect(() => buildSegmentArgs({ ...base, segmentPattern: '/rec/%d-%d.ts' })).toThrow(RangeError);
    expect(() => buildSegmentArgs({ ...base, segmentPattern: '/rec/%s-%d.ts' })).toThrow(RangeError);
    expect(() => buildSegmentArgs({ ...base, segmentPattern: '/rec/100%%/%03d.ts' })).not.toThrow();
  });

  it('escapes a % in the directory of the part pattern', () => {
    expect(partFilePattern('/rec/100%', 42)).toBe('/rec/100%%/run-42-%06d.ts');
    expect(() => buildSegmentArgs({ ...base, segmentPattern: partFilePattern('/rec/100%', 42) })).not.toThrow();
  });

  it('keeps the password in the arguments but never in the log form', () => {
    const args = buildSegmentArgs(base);
    expect(args).toContain(RTSP);
    const text = formatArgsForLog(args);
    expect(text).not.toContain('Pa55word');
    expect(text).toContain('rtsp://admin:***@10.0.0.7:554/Streaming/Channels/101');
  });

  it('logs no password when the recorder runs, fails and restarts', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ml-recorder-args-'));
    const lines: string[] = [];
    const logger = pino(
      { level: 'trace' },
      new Writable({
        write(chunk: Buffer, _enc, cb) {
          lines.push(chunk.toString());
          cb();
        },
      }),
    );
    // A missing ffmpeg fails at once: the failure path (status reason, restart log) without a process.
    const recorder = new SegmentRecorder({
      cameraId: 'gate',
      url: RTSP,
      dir,
      logger,
      ffmpegPath: path.join(dir, 'no-such-ffmpeg'),
      backoff: { initialMs: 20, maxMs: 40, jitter: 0 },
    });
    try {
      await recorder.start();
      const deadline = Date.now() + 5000;
      while ((recorder.stats().restarts < 2 || recorder.status().state !== 'offline') && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 5));
      }
      expect(recorder.stats().restarts).toBeGreaterThanOrEqual(2);
      expect(recorder.status().reason).toMatch(/ffmpeg not found/);
    } finally {
      await recorder.stop();
      rmSync(dir, { recursive: true, force: true });
    }
    const all = lines.join('');
    expect(all).toContain('admin:***@');
    expect(all).not.toContain('Pa55word');
    expect(JSON.stringify(recorder.status())).not.toContain('Pa55word');
  });
});

describe('heartbeat', () => {
  it('parses framecrc headers and packet lines, keyframes by the missing F= flag', () => {
    expect(parseHeartbeatLine('#tb 0: 1/90000')).toEqual({ kind: 'timebase', stream: 0, num: 1, den: 90000 });
    expect(parseHeartbeatLine('0,          0,          0,     7500,    54646, 0x4522e69a')).toEqual({ kind: 'packet', stream: 0, pts: 0, bytes: 54646, key: true });
    expect(parseHeartbeatLine('0,      16069,      16069,     7500,     7044, 0xa37ba5be, F=0x0')).toMatchObject({ pts: 16069, key: false });
    expect(parseHeartbeatLine('0,      90000,      90000,     7500,    41000, 0x00000001, F=0x3, S=1, 8, 0x0')).toMatchObject({ key: true });
    expect(parseHeartbeatLine('#software: Lavf59.27.100')).toEqual({ kind: 'other' });
  });

  it('reads packets across chunk boundaries in ms of the run timeline', () => {
    const got: HeartbeatPacket[] = [];
    const reader = new HeartbeatReader((p) => got.push(p));
    reader.push('0,  0, 0, 1, 10, 0x1\n#tb 0: 1/90000\n0,  90000,  90000, 7500, 500, 0x1');
    expect(got).toEqual([]); // before #tb, and the second line is not finished
    reader.push('\n0, 97500, 97500, 7500, 20, 0x1, F=0x0\n1, 0, 0, 1, 9, 0x1\n');
    expect(got).toEqual([
      { timelineMs: 1000, key: true, bytes: 500 },
      { timelineMs: 1083.3333333333333, key: false, bytes: 20 },
    ]);
  });

  it('anchors the timeline at the smallest delay seen, and follows drift over its window', () => {
    const anchor = new TimelineAnchor(10_000);
    expect(anchor.originMs).toBeUndefined();
    anchor.observe(1_000_050, 0); // seen 50 ms late
    anchor.observe(1_001_003, 1000); // seen 3 ms late
    anchor.observe(1_002_400, 2000); // a burst after a stall: ignored
    expect(anchor.originMs).toBe(1_000_003);
    expect(anchor.toWall(5000)).toBe(1_005_003);
    // The camera clock runs slow: every later observation implies a later origin. After two
    // windows the old minimum is forgotten.
    for (let t = 3000; t <= 25_000; t += 1000) anchor.observe(1_000_000 + t + 40 + 3, t);
    expect(anchor.originMs).toBe(1_000_043);
  });
});

describe('concat arguments', () => {
  it('joins by stream copy into a faststart MP4 from a quoted ffconcat list', () => {
    const args = buildConcatArgs({ listFile: '/tmp/l.ffconcat', outFile: '/clips/.x.tmp' });
    expect(valueOf(args, '-f')).toBe('concat');
    expect(valueOf(args, '-safe')).toBe('0');
    expect(valueOf(args, '-c')).toBe('copy');
    expect(valueOf(args, '-movflags')).toBe('+faststart');
    expect(args.slice(-4)).toEqual(['-f', 'mp4', '-y', '/clips/.x.tmp']);
    expect(ffconcatScript(['/rec/a.ts', "/rec/it's.ts"])).toBe("ffconcat version 1.0\nfile 'file:/rec/a.ts'\nfile 'file:/rec/it'\\''s.ts'\n");
    expect(() => ffconcatScript(['rel.ts'])).toThrow(RangeError);
  });
});
