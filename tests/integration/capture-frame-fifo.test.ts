import { closeSync, constants as fsConstants, existsSync, openSync, writeSync } from 'node:fs';
import path from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { mediaDir } from '../../common/env.js';
import { CameraCapture, FrameFifo } from '../../edge/src/capture/index.js';
import { waitFor } from '../support/harness.js';

const logger = pino({ level: 'silent' });

/** Byte i of the stream is (i mod 251): any misalignment or reuse of a buffer shows. */
function stream(frames: number, size: number): Buffer {
  const buf = Buffer.alloc(frames * size);
  for (let i = 0; i < buf.length; i++) buf[i] = i % 251;
  return buf;
}

describe('FrameFifo', () => {
  it('cuts what a writer sends in arbitrary pieces into whole, separate, byte-exact frames', async () => {
    const fifo = await FrameFifo.create();
    const size = 11 * 5 * 3;
    const src = stream(7, size);
    const frames: Buffer[] = [];
    const reader = fifo.openReader(size, (f) => frames.push(f));
    // Small enough to fit the pipe's buffer, so synchronous writes here never wait for the reader.
    const fd = openSync(fifo.path, fsConstants.O_WRONLY);
    const cuts = [1, 4, size - 5, size, 2 * size + 13, 2, size - 1];
    let at = 0;
    for (let k = 0; at < src.length - 20; k++) {
      const n = Math.min(cuts[k % cuts.length] ?? 1, src.length - 20 - at);
      writeSync(fd, src, at, n);
      at += n;
      await new Promise((r) => setTimeout(r, 5));
    }
    await waitFor('six whole frames', () => (frames.length === 6 ? true : undefined), 5000, 10);
    expect(reader.buffered).toBe(size - 20);
    frames.forEach((f, i) => {
      expect(f.byteOffset).toBe(0);
      expect(f.equals(src.subarray(i * size, (i + 1) * size))).toBe(true);
    });
    // Each frame owns its memory: a later frame never overwrote an earlier one.
    expect(new Set(frames.map((f) => f.buffer)).size).toBe(frames.length);
    closeSync(fd);
    reader.close();
    await fifo.remove();
    expect(existsSync(path.dirname(fifo.path))).toBe(false);
  });

  it('gives CameraCapture the same frames as ffmpeg stdout does, on real footage', async () => {
    const clip = path.join(mediaDir(), 'videos', 'intel-person-bicycle-car-gop1s-noaudio.ts');
    const grab = async (transport: 'fifo' | 'stdout') => {
      const frames: Buffer[] = [];
      const capture = new CameraCapture({
        cameraId: `cam-${transport}`,
        url: clip,
        width: 160,
        height: 90,
        fps: 5,
        realtime: false,
        transport,
        extraInputArgs: ['-t', '3'],
        sink: (f) => frames.push(f.data),
        logger,
        // The clip ends after 3 s: the capture then restarts, which these frames do not need.
        backoff: { initialMs: 60_000, maxMs: 60_000 },
      });
      capture.start();
      await waitFor(`the ${transport} capture to end with the clip`, () => (capture.state === 'offline' && frames.length > 0 ? true : undefined), 20_000, 10);
      await capture.stop();
      return frames;
    };
    const viaFifo = await grab('fifo');
    const viaStdout = await grab('stdout');
    expect(viaFifo.length).toBeGreaterThanOrEqual(14);
    expect(viaFifo.length).toBe(viaStdout.length);
    viaFifo.forEach((f, i) => expect(f.equals(viaStdout[i] ?? Buffer.alloc(0))).toBe(true));
    // Real pictures, not a constant: the frames differ from each other.
    expect(viaFifo[0]?.equals(viaFifo.at(-1) ?? Buffer.alloc(0))).toBe(false);
  });
});
