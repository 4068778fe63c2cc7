import type { Frame } from '../edge/src/types.js';
import { buildCaptureArgs, FfmpegProcess, FrameReader, rgb24FrameBytes } from '../edge/src/capture/index.js';
import type { Logger } from 'pino';

/** Decodes `count` real frames of a clip once, so a benchmark can replay them without decoding cost. */
export async function decodeFrames(clip: string, width: number, height: number, fps: number, count: number, logger: Logger): Promise<Buffer[]> {
  const frames: Buffer[] = [];
  const reader = new FrameReader(rgb24FrameBytes(width, height), (data) => {
    if (frames.length < count) frames.push(Buffer.from(data));
  });
  const proc = FfmpegProcess.spawn({
    args: buildCaptureArgs({ input: clip, width, height, fps, realtime: false }),
    logger,
    onStdout: (chunk) => reader.push(chunk),
  });
  await proc.exited;
  if (frames.length < count) throw new Error(`decoded only ${frames.length} of ${count} frames from ${clip}`);
  return frames;
}

/** A frame source that always has the next real frame ready: detection is the only limit. */
export function replaySource(cameraId: string, bank: readonly Buffer[], width: number, height: number) {
  let seq = 0;
  let stopped = false;
  return {
    start() {},
    async stop() {
      stopped = true;
    },
    async next(): Promise<Frame | undefined> {
      if (stopped) return undefined;
      const data = bank[seq % bank.length] ?? Buffer.alloc(width * height * 3);
      return { cameraId, seq: seq++, capturedAt: Date.now(), width, height, data };
    },
    status() {
      return { state: 'streaming' as const, since: 0, captureFps: 0, droppedFrames: 0, restarts: 0 };
    },
  };
}
