import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import pino, { type Logger } from 'pino';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { mediaDir } from '../../common/env.js';
import { CameraCapture, LatestFrameSlot, type CaptureStatus } from '../../edge/src/capture/index.js';
import type { Frame } from '../../edge/src/types.js';

// Real ffmpeg, real footage: the Intel parking-lot clip re-encoded like an IP camera (768x432, 12 fps).
const CLIP = path.join(mediaDir(), 'videos', 'intel-person-bicycle-car-gop1s-noaudio.mp4');
const PASSWORD = 'Sup3r-S3cret-pw';

interface MemoryLog {
  logger: Logger;
  lines: string[];
  records(): Array<Record<string, unknown>>;
}

/** A pino logger writing JSON lines into memory, so tests can read exactly what would be logged. */
function memoryLogger(): MemoryLog {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(...chunk.toString('utf8').split('\n').filter((l) => l !== ''));
      cb();
    },
  });
  const logger = pino({ level: 'debug' }, stream);
  return { logger, lines, records: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

async function waitFor(what: string, predicate: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

/** Pids of every ffmpeg the capture started, from its own log lines. */
function ffmpegPids(log: MemoryLog): number[] {
  return log
    .records()
    .filter((r) => r.msg === 'spawning ffmpeg' && typeof r.ffmpegPid === 'number')
    .map((r) => r.ffmpegPid as number);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    // ESRCH: no such process, which is what the caller hopes for.
    return false;
  }
}

async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const captures: CameraCapture[] = [];
const logs: MemoryLog[] = [];

function track(capture: CameraCapture, log: MemoryLog): CameraCapture {
  captures.push(capture);
  logs.push(log);
  return capture;
}

afterEach(async () => {
  // A failed assertion must not leave ffmpeg running into the next test.
  await Promise.all(captures.splice(0).map((c) => c.stop()));
});

afterAll(() => {
  const pids = logs.flatMap(ffmpegPids);
  expect(pids.length).toBeGreaterThan(0);
  expect(pids.filter(isAlive)).toEqual([]);
});

describe.skipIf(!existsSync(CLIP))('CameraCapture with real ffmpeg', () => {
  it('reads real frames of the requested size and rate from the clip, and stops cleanly with q', async () => {
    const log = memoryLogger();
    const frames: Frame[] = [];
    const capture = track(
      new CameraCapture({
        cameraId: 'clip',
        url: CLIP,
        width: 384,
        height: 216,
        fps: 5,
        sink: (f) => frames.push(f),
        logger: log.logger,
      }),
      log,
    );
    capture.start();
    expect(capture.state).toBe('connecting');
    await waitFor('first frame', () => frames.length > 0, 15_000);
    expect(capture.state).toBe('streaming');
    const firstAt = Date.now();
    await sleep(2_000);
    const inWindow = frames.filter((f) => f.capturedAt >= firstAt).length;
    // -re paces the 12 fps clip in real time; the fps filter keeps 5 of every 12 frames.
    expect(inWindow).toBeGreaterThanOrEqual(8);
    expect(inWindow).toBeLessThanOrEqual(12);
    for (const [i, f] of frames.entries()) {
      expect(f).toMatchObject({ cameraId: 'clip', seq: i, width: 384, height: 216 });
      expect(f.data.length).toBe(384 * 216 * 3);
    }
    // A real picture, not a blank: the parking lot has plenty of contrast.
    const data = frames.at(-1)?.data ?? Buffer.alloc(0);
    let min = 255;
    let max = 0;
    for (let i = 0; i < data.length; i += 97) {
      min = Math.min(min, data[i] ?? 0);
      max = Math.max(max, data[i] ?? 0);
    }
    expect(max - min).toBeGreaterThan(100);
    const stats = capture.stats();
    expect(stats.captureFps).toBeGreaterThan(3.5);
    expect(stats.captureFps).toBeLessThan(6.5);
    expect(stats.restarts).toBe(0);
    expect(stats.lastFrameAt).toBeGreaterThanOrEqual(firstAt);

    const pids = ffmpegPids(log);
    expect(pids).toHaveLength(1);
    const t0 = Date.now();
    await capture.stop();
    expect(Date.now() - t0).toBeLessThan(2_000); // q was honoured, no signal needed
    expect(log.lines.some((l) => l.includes('ignored q'))).toBe(false);
    expect(pids.filter(isAlive)).toEqual([]);
    expect(capture.status()).toMatchObject({ state: 'offline', reason: 'stopped' });
  });

  it('drops and counts frames for a slow consumer without slowing capture or holding more than one frame', async () => {
    const log = memoryLogger();
    const slot = new LatestFrameSlot();
    const capture = track(
      new CameraCapture({
        cameraId: 'slow',
        url: CLIP,
        width: 384,
        height: 216,
        fps: 12,
        sink: slot,
        logger: log.logger,
      }),
      log,
    );
    capture.start();
    let taken = 0;
    let maxHeld = 0;
    const first = await slot.take();
    expect(first).toBeDefined();
    taken++;
    const startedAt = Date.now();
    // Detection far slower than capture: one frame every 500 ms against 12 fps.
    while (Date.now() - startedAt < 3_000) {
      await sleep(500);
      maxHeld = Math.max(maxHeld, slot.occupied ? 1 : 0);
      if ((await slot.take()) !== undefined) taken++;
    }
    const elapsedS = (Date.now() - startedAt) / 1000;
    await capture.stop();
    const stats = capture.stats();
    expect(stats.droppedFrames).toBe(slot.dropped);
    expect(slot.dropped).toBeGreaterThan(15);
    // Every frame was consumed, dropped, or is the single one still held: nothing else piles up.
    expect(stats.frames).toBe(taken + slot.dropped + (slot.occupied ? 1 : 0));
    expect(maxHeld).toBeLessThanOrEqual(1);
    // The consumer's pace did not throttle ffmpeg: capture kept near the clip's 12 fps.
    expect(stats.frames / elapsedS).toBeGreaterThan(8);
  });

  it('goes offline with a redacted reason on a refused RTSP port and restarts with growing backoff', async () => {
    const log = memoryLogger();
    const port = await closedPort();
    const statuses: CaptureStatus[] = [];
    const capture = track(
      new CameraCapture({
        cameraId: 'refused',
        url: `rtsp://admin:${PASSWORD}@127.0.0.1:${port}/stream1`,
        width: 320,
        height: 180,
        sink: () => undefined,
        logger: log.logger,
        backoff: { initialMs: 150, factor: 2, jitter: 0.2, maxMs: 10_000 },
      }),
      log,
    );
    capture.onStatus((s) => statuses.push(s));
    capture.start();
    await waitFor('three restarts', () => capture.stats().restarts >= 3, 15_000);

    const offline = statuses.filter((s) => s.state === 'offline');
    expect(offline.length).toBeGreaterThanOrEqual(3);
    for (const s of offline) {
      expect(s.reason).toMatch(/Connection refused/);
      expect(s.reason).not.toContain(PASSWORD);
      expect(s.since).toBeGreaterThan(0);
    }
    expect(statuses.map((s) => s.state).slice(0, 4)).toEqual(['connecting', 'offline', 'connecting', 'offline']);
    const delays = log
      .records()
      .filter((r) => r.msg === 'ffmpeg ended, restarting after backoff')
      .map((r) => r.delayMs as number);
    expect(delays.length).toBeGreaterThanOrEqual(3);
    for (let i = 1; i < delays.length; i++) expect(delays[i]).toBeGreaterThan(delays[i - 1] ?? Infinity);

    // ffmpeg's own error lines were logged (so the redaction below had something to do) ...
    expect(log.lines.some((l) => l.includes('Connection refused') && l.includes('admin:***@'))).toBe(true);
    // ... and the password appears in no log line at all.
    expect(log.lines.filter((l) => l.includes(PASSWORD))).toEqual([]);
  });

  it('marks a camera that accepts but never answers as stalled, kills it and restarts', async () => {
    const log = memoryLogger();
    const sockets = new Set<net.Socket>();
    let connections = 0;
    // Accepts the RTSP connection and never says a word: ffmpeg blocks waiting for the OPTIONS reply.
    const server = net.createServer((socket) => {
      connections++;
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => undefined); // ffmpeg being killed resets the connection; expected here
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as net.AddressInfo;
    try {
      const statuses: CaptureStatus[] = [];
      const capture = track(
        new CameraCapture({
          cameraId: 'silent',
          url: `rtsp://viewer:${PASSWORD}@127.0.0.1:${port}/live`,
          width: 320,
          height: 180,
          sink: () => undefined,
          logger: log.logger,
          socketTimeoutMs: 60_000, // longer than the watchdog: ffmpeg alone would wait a minute
          stallTimeoutMs: 1_200,
          backoff: { initialMs: 100, jitter: 0 },
        }),
        log,
      );
      capture.onStatus((s) => statuses.push(s));
      capture.start();
      await waitFor('stalled', () => statuses.some((s) => s.state === 'stalled'), 10_000);
      const stalled = statuses.find((s) => s.state === 'stalled');
      expect(stalled?.reason).toMatch(/^no frame for \d+\.\d s/);
      await waitFor('a restart reaching the server', () => capture.stats().restarts >= 1 && connections >= 2, 10_000);
      expect(statuses.map((s) => s.state).slice(0, 3)).toEqual(['connecting', 'stalled', 'connecting']);

      const pids = ffmpegPids(log);
      expect(pids.length).toBeGreaterThanOrEqual(2);
      const t0 = Date.now();
      await capture.stop();
      // Still opening its input, ffmpeg cannot read q: stop goes straight to SIGTERM.
      expect(Date.now() - t0).toBeLessThan(1_500);
      expect(log.lines.some((l) => l.includes('ignored q'))).toBe(false);
      expect(pids.filter(isAlive)).toEqual([]);
      expect(log.lines.filter((l) => l.includes(PASSWORD))).toEqual([]);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('detects a stream that goes silent mid-way, kills the blocked ffmpeg without SIGKILL and recovers', async () => {
    const log = memoryLogger();
    const ts = await readFile(CLIP.replace(/\.mp4$/, '.ts'));
    const bytesPerSecond = Math.round(ts.length / 38); // the clip is 38 s long
    const sockets = new Set<net.Socket>();
    // Serves the MPEG-TS clip at its real rate for 3 s per connection, then goes silent but keeps the
    // connection open: ffmpeg ends up blocked in a read after it has started transcoding.
    const server = net.createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => undefined); // ffmpeg being killed resets the connection; expected here
      let sent = 0;
      const timer = setInterval(() => {
        if (sent >= bytesPerSecond * 3 || socket.destroyed) {
          clearInterval(timer);
          return;
        }
        const chunk = ts.subarray(sent, sent + Math.round(bytesPerSecond / 10));
        sent += chunk.length;
        socket.write(chunk);
      }, 100);
      socket.on('close', () => {
        clearInterval(timer);
        sockets.delete(socket);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as net.AddressInfo;
    try {
      const statuses: CaptureStatus[] = [];
      const capture = track(
        new CameraCapture({
          cameraId: 'midway',
          url: `tcp://127.0.0.1:${port}`,
          width: 192,
          height: 108,
          fps: 5,
          sink: () => undefined,
          logger: log.logger,
          socketTimeoutMs: 60_000,
          stallTimeoutMs: 1_500,
          backoff: { initialMs: 100, jitter: 0 },
        }),
        log,
      );
      capture.onStatus((s) => statuses.push(s));
      capture.start();
      const streamingCount = (): number => statuses.filter((s) => s.state === 'streaming').length;
      await waitFor('streaming again after a stall', () => streamingCount() >= 2, 20_000);
      expect(statuses.map((s) => s.state).slice(0, 5)).toEqual([
        'connecting',
        'streaming',
        'stalled',
        'connecting',
        'streaming',
      ]);
      expect(statuses[2]?.reason).toMatch(/^no new frame for \d+\.\d s/);
      expect(capture.stats()).toMatchObject({ restarts: 1 });
      // Two SIGTERMs got ffmpeg out of its blocking read; SIGKILL was not needed.
      expect(log.lines.some((l) => l.includes('sending SIGKILL'))).toBe(false);
      const ended = log.records().find((r) => r.msg === 'ffmpeg ended, restarting after backoff');
      expect(ended).toMatchObject({ signal: null });
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('reports a missing ffmpeg executable clearly', async () => {
    const log = memoryLogger();
    const capture = track(
      new CameraCapture({
        cameraId: 'noffmpeg',
        url: CLIP,
        width: 64,
        height: 64,
        sink: () => undefined,
        logger: log.logger,
        ffmpegPath: '/nonexistent/bin/ffmpeg',
        backoff: { initialMs: 60_000 },
      }),
      log,
    );
    capture.start();
    await waitFor('offline', () => capture.state === 'offline', 5_000);
    expect(capture.status().reason).toMatch(/ffmpeg not found \(\/nonexistent\/bin\/ffmpeg\)/);
    await capture.stop();
  });
});
