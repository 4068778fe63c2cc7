import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import pino, { type Logger } from 'pino';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../common/env.js';
import { SegmentRecorder, SegmentStore, toClipRef, type RecordedClip } from '../../edge/src/recorder/index.js';
import { startCameraSimulator, type CameraSimulator } from '../../streams/simulator.js';
import { tempDir, testMediaDir, waitFor } from '../support/harness.js';

// Real RTSP camera (gst-rtsp-server) serving the Intel parking-lot clip re-encoded like an IP camera:
// 768x432, 12 fps, one keyframe per second, no B-frames.
const CLIP = 'videos/intel-person-bicycle-car-gop1s-noaudio.ts';
const HAVE_FOOTAGE = existsSync(path.join(testMediaDir(), CLIP));
const ARTIFACTS = path.join(repoRoot, 'test-artifacts', 'recorder');
const SEGMENT_S = 2;
const GOP_MS = 1000;
/**
 * Keyframes arrive over TCP with some jitter (a keyframe is several packets); measured here: a
 * few tens of ms. 250 ms keeps the bound honest without flaking.
 */
const JITTER_MS = 250;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command from an argument vector (no shell), killed after `timeoutMs`. */
function run(cmd: string, args: readonly string[], timeoutMs = 20_000): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString('utf8')));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr: stderr.slice(-2000) });
    });
  });
}

interface Probe {
  format: { format_name: string; duration: string; start_time: string };
  streams: { codec_type: string; codec_name: string; width?: number; height?: number }[];
  packets: { flags: string }[];
}

async function ffprobe(file: string): Promise<Probe> {
  const r = await run('ffprobe', [
    '-v', 'error',
    '-show_entries', 'format=format_name,duration,start_time:stream=codec_type,codec_name,width,height:packet=flags',
    '-read_intervals', '%+#1', // packets: only the first one, to check that the clip opens on a keyframe
    '-of', 'json',
    file,
  ]);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Probe;
}

/** A pino logger into memory, so the test can find every ffmpeg pid the recorder logged. */
function memoryLogger(): { logger: Logger; records: () => Record<string, unknown>[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(...chunk.toString('utf8').split('\n').filter((l) => l !== ''));
      cb();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), records: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    // ESRCH: the process is gone, which is the point.
    return false;
  }
}

describe.skipIf(!HAVE_FOOTAGE)('SegmentRecorder on a real RTSP camera', () => {
  let sim: CameraSimulator | undefined;
  const tmp = tempDir('recorder');

  beforeAll(async () => {
    sim = await startCameraSimulator({ cameras: [{ name: 'lot', clip: CLIP }] });
  });

  afterAll(async () => {
    await sim?.stop();
    tmp.remove();
  });

  it('records 2 s segments, keeps protected ones under a small quota, and assembles a pre/post clip', { timeout: 90_000 }, async () => {
    const dir = path.join(tmp.dir, 'lot');
    const mem = memoryLogger();
    const recorder = new SegmentRecorder({
      cameraId: 'lot',
      url: sim?.urls.lot ?? '',
      dir,
      logger: mem.logger,
      segmentSeconds: SEGMENT_S,
      // ~1.2 Mbit/s gives ~300 kB per segment: room for about two unprotected segments.
      maxBytes: 700_000,
      pruneIntervalMs: 1000,
    });
    try {
      await recorder.start();
      const t0 = Date.now();
      const from = t0 + 3000;
      const to = t0 + 7000;
      // The event's evidence is protected before it is even recorded, as the evidence stage would.
      const evidence = recorder.protect(from, to, 'event e-1');
      // Asked right away: the recorder must wait for post-capture footage up to `to`.
      const clip: RecordedClip = await recorder.requestClip(from, to, { outFile: path.join(ARTIFACTS, 'clip.mp4'), reason: 'e-1' });
      const answeredAt = Date.now();

      // What was asked vs what was made (printed for the report).
      console.log(
        `clip: requested ${from - t0}..${to - t0} ms after t0; got ${clip.startAt - t0}..${clip.endAt - t0} ms ` +
          `(starts ${from - clip.startAt} ms before from, ends ${clip.endAt - to} ms after to), ${clip.segments} segments, ` +
          `${clip.bytes} bytes, answered ${answeredAt - to} ms after to; issues: ${JSON.stringify(clip.issues)}`,
      );
      expect(clip.complete).toBe(true);
      expect(clip.issues).toEqual([]);
      // Trimmed inside the end segments: it starts at the keyframe at or before `from` (within one GOP)
      // and ends at `to`.
      expect(clip.startAt).toBeLessThanOrEqual(from);
      expect(from - clip.startAt).toBeLessThan(GOP_MS + JITTER_MS);
      expect(clip.endAt).toBe(to);
      expect(answeredAt).toBeGreaterThanOrEqual(to);
      expect(clip.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(statSync(clip.file).size).toBe(clip.bytes);
      expect(toClipRef(clip)).toEqual({ sha256: clip.sha256, contentType: 'video/mp4', size: clip.bytes, startAt: clip.startAt, endAt: clip.endAt });

      const probe = await ffprobe(clip.file);
      const duration = Number(probe.format.duration);
      console.log(`ffprobe: ${probe.format.format_name}, ${duration.toFixed(3)} s, start ${probe.format.start_time}`);
      expect(probe.format.format_name).toContain('mp4');
      const video = probe.streams.filter((s) => s.codec_type === 'video');
      expect(video).toHaveLength(1);
      expect(video[0]).toMatchObject({ codec_name: 'h264', width: 768, height: 432 });
      expect(probe.packets[0]?.flags.startsWith('K')).toBe(true);
      // +faststart: the index (moov) precedes the media (mdat), so a browser can start playing at once.
      const bytes = readFileSync(clip.file);
      expect(bytes.indexOf('moov')).toBeGreaterThan(0);
      expect(bytes.indexOf('moov')).toBeLessThan(bytes.indexOf('mdat'));
      // Measured on the file itself, independently of the reported span: the media covers [from, to]
      // (less at most one frame at the cut) and is at most one GOP longer than the request.
      const frameMs = 1000 / 12;
      expect(duration * 1000).toBeGreaterThanOrEqual(to - from - frameMs);
      expect(duration * 1000).toBeLessThan(to - from + GOP_MS + JITTER_MS);

      // One frame from the middle, to look at: real pixels, not a green or grey plane.
      mkdirSync(ARTIFACTS, { recursive: true });
      const png = path.join(ARTIFACTS, 'clip-frame.png');
      const x = await run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-ss', (duration / 2).toFixed(2), '-i', clip.file, '-frames:v', '1', png]);
      expect(x.code, x.stderr).toBe(0);
      // The scene is grey asphalt with white lines: little contrast, but some, and no colour cast
      // (undecodable H.264 comes out as a flat green plane, G far above R and B).
      const [r, g, b] = (await sharp(png).stats()).channels;
      console.log(`frame: mean R/G/B ${r?.mean.toFixed(0)}/${g?.mean.toFixed(0)}/${b?.mean.toFixed(0)}, stdev ${g?.stdev.toFixed(1)}`);
      expect(g?.stdev ?? 0).toBeGreaterThan(5);
      expect(Math.abs((g?.mean ?? 0) - (r?.mean ?? 0))).toBeLessThan(30);
      expect(Math.abs((g?.mean ?? 0) - (b?.mean ?? 0))).toBeLessThan(30);
      // Every frame decodes: no error from the decoder over the whole clip.
      const decode = await run('ffmpeg', ['-hide_banner', '-v', 'error', '-i', clip.file, '-f', 'null', '-']);
      expect(decode.code).toBe(0);
      expect(decode.stderr.trim()).toBe('');

      // ffmpeg crashes 1 s into a segment (so some of it is on disk): that cut-short segment is
      // kept (recovered from its part file) and ffmpeg restarts after the backoff (~1 s).
      const segmenterPid = (): number | undefined =>
        mem.records().filter((r) => r.msg === 'spawning ffmpeg' && String(r.args).includes('-f segment')).at(-1)?.ffmpegPid as number | undefined;
      await new Promise<void>((resolve) => {
        const off = recorder.onSegment(() => {
          off();
          resolve();
        });
      });
      await sleep(1000);
      const killedAt = Date.now();
      process.kill(segmenterPid() ?? 0, 'SIGKILL');
      await waitFor('a segment recorded after the restart', () => ((recorder.segments().at(-1)?.startAt ?? 0) > killedAt ? true : undefined), 20_000);
      const afterCrash = recorder.stats();
      console.log(`after SIGKILL: restarts ${afterCrash.restarts}, recovered ${afterCrash.recovered}, back after ${(recorder.segments().at(-1)?.startAt ?? 0) - killedAt} ms`);
      expect(afterCrash.restarts).toBe(1);
      expect(afterCrash.recovered).toBe(1);

      // Keep recording to ~14 s; the small quota prunes all along (every second).
      await sleep(Math.max(0, t0 + 14_000 - Date.now()));

      // A request whose end the camera will never reach (the recorder stops): what exists, said so.
      const late = recorder.requestClip(Date.now() - 3000, Date.now() + 30_000, { outFile: path.join(tmp.dir, 'clips', 'late.mp4') });
      await sleep(100);
      await recorder.stop();
      const partial = await late;
      console.log(`stopped mid-request: complete=${partial.complete}, issues ${JSON.stringify(partial.issues)}`);
      expect(partial.complete).toBe(false);
      expect(partial.issues.join(' ')).toMatch(/camera stopped recording/);

      // Pruning on the now static index: protected segments stay although they alone may exceed
      // the quota; of the rest, the oldest go until the total fits or none is left.
      await recorder.prune();
      const inRange = (x: { startAt: number; endAt: number }): boolean => x.startAt < to && x.endAt > from;
      const protectedSegs = recorder.segments().filter(inRange);
      const others = recorder.segments().filter((x) => !inRange(x));
      const st = recorder.stats();
      console.log(
        `after 14 s: ${st.segments} segments (${protectedSegs.length} protected), ${st.bytes} bytes, pruned ${JSON.stringify(st.pruned)}, ` +
          `over quota ${st.overQuotaBytes}, gop ${st.gopMs} ms, longest segment ${st.longestSegmentMs} ms`,
      );
      expect(st.pruned.byQuota).toBeGreaterThan(0);
      expect(protectedSegs.length).toBe(clip.segments);
      expect(protectedSegs.every((x) => existsSync(x.file))).toBe(true);
      expect(st.bytes <= 700_000 || others.length === 0).toBe(true);
      // Disk and index agree: pruned files are gone, nothing unindexed is left behind.
      const onDisk = readdirSync(dir).filter((n) => n.endsWith('.ts')).sort();
      expect(onDisk).toEqual(recorder.segments().map((x) => path.basename(x.file)).sort());

      // Released evidence is fair game for the quota.
      evidence.release();
      await recorder.prune();
      expect(recorder.segments().filter(inRange).length).toBeLessThan(clip.segments);
    } finally {
      await recorder.stop();
    }

    // No ffmpeg of the recorder (segmenter or concat) is left.
    const pids = mem.records().filter((r) => r.msg === 'spawning ffmpeg').map((r) => r.ffmpegPid as number);
    expect(pids.length).toBeGreaterThanOrEqual(4);
    expect(pids.filter(isAlive)).toEqual([]);
    // `q` let ffmpeg close and list its last segment: no part file, list or anchor remains.
    expect(readdirSync(dir).filter((n) => n.startsWith('run-'))).toEqual([]);

    // A new recorder on the same directory rebuilds the same index from the listing alone.
    const before = recorder.segments();
    const store = new SegmentStore(dir, mem.logger);
    await store.load();
    expect(store.index.list()).toEqual(before);
  });
});
