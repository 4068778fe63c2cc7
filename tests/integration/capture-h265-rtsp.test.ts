import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CameraCapture, FfmpegProcess, LatestFrameSlot } from '../../edge/src/capture/index.js';
import type { Frame } from '../../edge/src/types.js';
import { startCameraSimulator, type CameraSimulator } from '../../streams/simulator.js';
import { tempDir, testLogger, testMediaDir, waitFor } from '../support/harness.js';

const execFileAsync = promisify(execFile);

/** Capture handles H.265 cameras: real footage re-encoded to HEVC, served over RTSP, read over TCP. */
describe('capture of an H.265 RTSP camera', () => {
  const tmp = tempDir('h265');
  let sim: CameraSimulator;
  let url: string;

  beforeAll(async () => {
    const clip = path.join(tmp.dir, 'street-hevc.ts');
    // Like an IP camera: 1 s GOP at 12 fps, no B-frames.
    const enc = FfmpegProcess.spawn({
      args: ['-hide_banner', '-loglevel', 'error', '-i', path.join(testMediaDir(), 'videos', 'intel-person-bicycle-car-gop1s-noaudio.ts'), '-t', '6',
        '-an', '-c:v', 'libx265', '-preset', 'ultrafast', '-x265-params', 'keyint=12:min-keyint=12:bframes=0:log-level=error', '-pix_fmt', 'yuv420p', '-f', 'mpegts', '-y', clip],
      logger: testLogger('encode'),
    });
    const exit = await enc.exited;
    expect(exit.code).toBe(0);
    sim = await startCameraSimulator({ cameras: [{ name: 'hevc-1', clip }], logger: testLogger('streams') });
    url = sim.urls['hevc-1'] ?? '';
  }, 90_000);

  afterAll(async () => {
    await sim?.stop();
    tmp.remove();
  }, 30_000);

  it('is served as H.265 and decoded into RGB frames by the production capture', async () => {
    const { stdout } = await execFileAsync('ffprobe', ['-v', 'error', '-rtsp_transport', 'tcp', '-select_streams', 'v:0', '-show_entries', 'stream=codec_name,width,height', '-of', 'csv=p=0', url], { timeout: 20_000 });
    expect(stdout.trim()).toBe('hevc,768,432');

    const slot = new LatestFrameSlot<Frame>();
    const capture = new CameraCapture({ cameraId: 'hevc-1', url, width: 384, height: 216, fps: 5, sink: slot, logger: testLogger('capture') });
    capture.start();
    try {
      const frames: Frame[] = [];
      await waitFor('five frames', async () => {
        const f = await Promise.race([slot.take(), new Promise<undefined>((r) => setTimeout(r, 500))]);
        if (f) frames.push(f);
        return frames.length >= 5 ? true : undefined;
      }, 20_000, 0);
      expect(capture.state).toBe('streaming');
      const last = frames.at(-1)!;
      expect(last.data.length).toBe(384 * 216 * 3);
      // Real picture, not a grey or green plane: the parking lot has a wide spread of grey levels.
      let min = 255;
      let max = 0;
      for (let i = 0; i < last.data.length; i += 97) {
        const v = last.data[i] ?? 0;
        min = Math.min(min, v);
        max = Math.max(max, v);
      }
      expect(max - min).toBeGreaterThan(100);
    } finally {
      await capture.stop();
      slot.close();
    }
  }, 60_000);
});
