import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mediaDir } from '../../common/env.js';
import { SimulatorError, startCameraSimulator, type CameraSimulator } from '../../streams/simulator.js';

// Real footage: the parking lot re-encoded like an IP camera (MPEG-TS, 768x432, 1 s GOP), and a
// 3 s stream-copied cut of the PETS walkway MP4 (480x360, B-frames) so that the MP4 path crosses
// its loop point several times during the test.
const STREET_CLIP = 'videos/intel-person-bicycle-car-gop1s-noaudio.ts';
const WALKWAY_SOURCE = path.join(mediaDir(), 'videos', 'public-pets2009-s2l1-vtest-480p.mp4');
const HAVE_FOOTAGE = existsSync(path.join(mediaDir(), STREET_CLIP)) && existsSync(WALKWAY_SOURCE);
const LOOP_S = 3;

interface RunResult {
  code: number | null;
  stdout: Buffer;
  stderr: string;
  timedOut: boolean;
}

/** Runs a command (no shell) and kills it after `timeoutMs`. */
function run(cmd: string, args: readonly string[], timeoutMs: number): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    let timedOut = false;
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => (err += b.toString('utf8')));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: Buffer.concat(out), stderr: err.slice(-2000), timedOut });
    });
  });
}

// The SDP carries SPS/PPS, so a short stream analysis suffices and keeps the test lean.
const SHORT_ANALYSIS = ['-analyzeduration', '1000000', '-probesize', '1000000'];

/** Decodes `n` frames from an RTSP URL as raw RGB, the way a consumer of the simulator would. */
function readFrames(url: string, n: number, transport: 'tcp' | 'udp', timeoutMs = 20_000): Promise<RunResult> {
  const args = ['-hide_banner', '-nostdin', '-loglevel', 'error', '-rtsp_transport', transport, ...SHORT_ANALYSIS, '-i', url];
  return run('ffmpeg', [...args, '-frames:v', String(n), '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'], timeoutMs);
}

async function probeSize(url: string): Promise<{ width: number; height: number }> {
  const r = await run(
    'ffprobe',
    ['-v', 'error', '-rtsp_transport', 'tcp', ...SHORT_ANALYSIS, '-select_streams', 'v:0', '-show_entries', 'stream=width,height', '-of', 'json', url],
    20_000,
  );
  expect(r.code, r.stderr).toBe(0);
  const s = (JSON.parse(r.stdout.toString('utf8')) as { streams: { width: number; height: number }[] }).streams[0];
  return { width: s?.width ?? 0, height: s?.height ?? 0 };
}

/** Max minus min of a sample of bytes: a real picture has contrast, a blank or grey frame does not. */
function spread(data: Buffer): number {
  let min = 255;
  let max = 0;
  for (let i = 0; i < data.length; i += 101) {
    const v = data[i] ?? 0;
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  return max - min;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    // ESRCH: the process is gone, which is what the caller checks for.
    return false;
  }
}

async function waitFor(what: string, predicate: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(100);
  }
}

describe.skipIf(!HAVE_FOOTAGE)('camera simulator with real gst-rtsp-server, ffmpeg and footage', () => {
  let tmp = '';
  let loopClip = '';
  let sim: CameraSimulator | undefined;
  const others: CameraSimulator[] = [];
  const logLines: string[] = [];
  const logger = pino(
    { level: 'debug' },
    new Writable({
      write(chunk: Buffer, _enc, cb) {
        logLines.push(...chunk.toString('utf8').split('\n').filter((l) => l !== ''));
        cb();
      },
    }),
  );

  beforeAll(async () => {
    tmp = mkdtempSync(path.join(tmpdir(), 'mingliang-streams-'));
    loopClip = path.join(tmp, 'walkway-3s.mp4');
    const cut = await run('ffmpeg', ['-v', 'error', '-i', WALKWAY_SOURCE, '-t', String(LOOP_S), '-an', '-c', 'copy', loopClip], 20_000);
    expect(cut.code, cut.stderr).toBe(0);
  });

  afterAll(async () => {
    // A failed assertion must not leave the server or ffmpeg running into the next test file.
    await Promise.all([sim, ...others].map((s) => s?.stop()));
    rmSync(tmp, { recursive: true, force: true });
  });

  it('names the missing clip and the media-directory setting', async () => {
    const err = await startCameraSimulator({
      cameras: [{ name: 'nope', clip: 'videos/no-such-clip.mp4' }],
      env: { ...process.env, MINGLIANG_MEDIA_DIR: '/srv/media-x' },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SimulatorError);
    expect((err as SimulatorError).code).toBe('CLIP_MISSING');
    expect((err as Error).message).toContain('/srv/media-x/videos/no-such-clip.mp4');
    expect((err as Error).message).toContain('MINGLIANG_MEDIA_DIR=/srv/media-x');
  });

  it('says how to install the GStreamer bindings when the interpreter is missing', async () => {
    const err = await startCameraSimulator({
      cameras: [{ name: 'street', clip: STREET_CLIP }],
      pythonPath: '/nonexistent/python3',
    }).catch((e: unknown) => e);
    expect((err as SimulatorError).code).toBe('PYTHON_GI_MISSING');
    expect((err as Error).message).toContain('apt-get install -y python3-gi gir1.2-gst-rtsp-server-1.0');
  });

  it('serves decodable video from both cameras over TCP and UDP, survives a 5 s feeder outage, and stops every child', async () => {
    const t0 = Date.now();
    sim = await startCameraSimulator({
      cameras: [
        { name: 'street', clip: STREET_CLIP },
        { name: 'walkway', clip: loopClip },
      ],
      rtspPort: 0,
      logger,
      readableTimeoutMs: 20_000,
    });
    const startMs = Date.now() - t0;
    expect(sim.port).toBeGreaterThan(0);
    expect(sim.urls).toEqual({
      street: `rtsp://127.0.0.1:${sim.port}/street`,
      walkway: `rtsp://127.0.0.1:${sim.port}/walkway`,
    });
    const street = sim.urls.street ?? '';
    const walkway = sim.urls.walkway ?? '';
    const seenPids = new Set<number>();
    const collectPids = (): void => {
      const p = sim?.pids();
      for (const pid of [p?.server, ...Object.values(p?.feeders ?? {})]) if (pid !== undefined) seenPids.add(pid);
    };
    collectPids();
    expect(seenPids.size).toBe(3);

    // Each mount serves its own clip: the sizes differ, so a mix-up would show.
    const [streetSize, walkwaySize] = await Promise.all([probeSize(street), probeSize(walkway)]);
    expect(streetSize).toEqual({ width: 768, height: 432 });
    expect(walkwaySize).toEqual({ width: 480, height: 360 });

    const [s5, w5, u2] = await Promise.all([
      readFrames(street, 5, 'tcp'),
      readFrames(walkway, 5, 'tcp'),
      readFrames(street, 2, 'udp'),
    ]);
    expect(s5.stdout.length, s5.stderr).toBe(5 * 768 * 432 * 3);
    expect(w5.stdout.length, w5.stderr).toBe(5 * 480 * 360 * 3);
    expect(u2.stdout.length, u2.stderr).toBe(2 * 768 * 432 * 3);
    expect(spread(s5.stdout)).toBeGreaterThan(100);
    expect(spread(w5.stdout)).toBeGreaterThan(100);

    // A long-lived reader, like an edge capture, stays connected across the outage.
    const frameBytes = 768 * 432 * 3;
    let liveBytes = 0;
    const live = spawn(
      'ffmpeg',
      ['-hide_banner', '-nostdin', '-loglevel', 'error', '-rtsp_transport', 'tcp', ...SHORT_ANALYSIS, '-i', street, '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'],
      { stdio: ['ignore', 'pipe', 'ignore'] },
    );
    live.stdout.on('data', (b: Buffer) => (liveBytes += b.length));
    try {
      await waitFor('frames on the long-lived reader', () => liveBytes >= 12 * frameBytes, 20_000);

      const feederPid = sim.pids().feeders.street;
      expect(feederPid).toBeDefined();
      const outageAt = Date.now();
      await sim.stopFeeder('street');
      expect(isAlive(feederPid ?? 0)).toBe(false);
      expect(sim.pids().feeders.street).toBeUndefined();
      // The outage is real: the connected reader gets nothing more (what was in flight aside) and a
      // new reader gets no frame.
      await sleep(500);
      const frozenAt = liveBytes;
      const during = await readFrames(street, 1, 'tcp', 3_000);
      expect(during.stdout.length).toBe(0);
      expect(liveBytes).toBe(frozenAt);
      await sleep(Math.max(0, 5_000 - (Date.now() - outageAt)));

      sim.startFeeder('street');
      await waitFor('restarted feeder', () => sim?.pids().feeders.street !== undefined, 5_000);
      collectPids();
      expect(sim.pids().feeders.street).not.toBe(feederPid);
      const after = await readFrames(street, 5, 'tcp');
      expect(after.stdout.length, after.stderr).toBe(5 * frameBytes);
      expect(spread(after.stdout)).toBeGreaterThan(100);
      // The reader that was connected all along resumes without reconnecting.
      await waitFor('the long-lived reader to resume', () => liveBytes >= frozenAt + 12 * frameBytes, 20_000);
      expect(live.exitCode).toBeNull();
    } finally {
      live.kill('SIGKILL');
    }

    // By now the 3 s MP4 has looped several times; it must still deliver clean frames.
    await sleep(Math.max(0, (3 * LOOP_S + 1) * 1000 - (Date.now() - t0)));
    const w5again = await readFrames(walkway, 5, 'tcp');
    expect(w5again.stdout.length, w5again.stderr).toBe(5 * 480 * 360 * 3);
    expect(logLines.some((l) => l.includes('feeder exited; restarting'))).toBe(false);

    // A feeder that dies on its own is restarted after a short backoff.
    const crashed = sim.pids().feeders.street ?? 0;
    process.kill(crashed, 'SIGKILL');
    await waitFor('the crashed feeder to be replaced', () => ![undefined, crashed].includes(sim?.pids().feeders.street), 5_000);
    collectPids();
    expect(logLines.some((l) => l.includes('feeder exited; restarting'))).toBe(true);
    const afterCrash = await readFrames(street, 2, 'tcp');
    expect(afterCrash.stdout.length, afterCrash.stderr).toBe(2 * frameBytes);
    expect(() => sim?.startFeeder('no-such-camera')).toThrow(SimulatorError);

    collectPids();
    const t1 = Date.now();
    await sim.stop();
    const stopMs = Date.now() - t1;
    expect([...seenPids].filter(isAlive)).toEqual([]);
    expect(await sim.closed).toEqual({ reason: 'stopped' });
    console.log(`simulator: ready after ${startMs} ms (2 cameras, readable), stopped in ${stopMs} ms`);
  }, 120_000);

  it('reports a dead RTSP server through `closed` and stops the feeders with it', async () => {
    const solo = await startCameraSimulator({ cameras: [{ name: 'solo', clip: STREET_CLIP }], waitReadable: false, logger });
    others.push(solo);
    const { server, feeders } = solo.pids();
    expect(server).toBeDefined();
    expect(feeders.solo).toBeDefined();
    process.kill(server ?? 0, 'SIGKILL');
    const closed = await Promise.race([solo.closed, sleep(10_000).then(() => undefined)]);
    expect(closed?.reason).toBe('server-exited');
    expect(closed?.detail).toContain('SIGKILL');
    expect([server ?? 0, feeders.solo ?? 0].filter(isAlive)).toEqual([]);
    await solo.stop(); // idempotent after the fact
  }, 30_000);
});
