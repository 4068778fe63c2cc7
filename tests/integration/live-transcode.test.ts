import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readHttpFlv } from '../../bench/live-flv.js';
import { MediaProcess } from '../../cloud/src/media/media-process.js';
import { streamPathOf } from '../../cloud/src/media/media-ipc.js';
import type { MediaEvent } from '../../cloud/src/media/media-relay.js';
import { generateSigningKey, signGrant } from '../../cloud/src/media/stream-signing.js';
import { RelayPush, RelayPushError } from '../../edge/src/relay/index.js';
import { tempDir, testLogger, testMediaDir, waitFor } from '../support/harness.js';

const execFileP = promisify(execFile);

/**
 * FLV cannot carry H.265 (ffmpeg 5), so a camera sending it is pushed re-encoded to H.264 when it may
 * be, and refused otherwise. The RTSP simulator serves H.264 only: an H.265 file looped at its own
 * pace stands in for the camera.
 */
describe('live relay of an H.265 camera', () => {
  const tmp = tempDir('live-h265');
  const key = generateSigningKey();
  const events: MediaEvent[] = [];
  const hevc = path.join(tmp.dir, 'camera-h265.mkv');
  let media: MediaProcess;
  const pushes: RelayPush[] = [];

  const target = (streamKey: string) => {
    const ep = media.endpoint;
    if (!ep) throw new Error('media server not ready');
    return {
      rtmpUrl: `rtmp://127.0.0.1:${ep.rtmpPort}${streamPathOf(streamKey)}`,
      sign: signGrant(key, streamPathOf(streamKey), { kind: 'publish', edgeId: 'edge-h265', expiresAt: Date.now() + 60_000 }),
    };
  };

  beforeAll(async () => {
    // 6 s of the parking-lot clip as H.265, small so the re-encode stays cheap on 2 cores.
    await execFileP('ffmpeg', [
      '-hide_banner', '-loglevel', 'error', '-y', '-t', '6',
      '-i', path.join(testMediaDir(), 'videos', 'intel-person-bicycle-car-gop1s-noaudio.ts'),
      '-vf', 'scale=384:216', '-c:v', 'libx265', '-preset', 'ultrafast', '-x265-params', 'log-level=error:keyint=12', '-an', hevc,
    ]);
    media = new MediaProcess({
      host: '127.0.0.1',
      rtmpPort: 0,
      httpPort: 0,
      signingKey: key,
      storeDir: path.join(tmp.dir, 'media'),
      logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
      nmsLogLevel: 'warn',
    });
    media.onEvent((ev) => events.push(ev));
    await media.start();
  }, 60_000);

  afterAll(async () => {
    await Promise.all(pushes.map((p) => p.stop()));
    await media?.stop();
    tmp.remove();
  });

  it('refuses to push it when the camera may not be transcoded', async () => {
    const push = new RelayPush({ id: 'h265-strict', url: hevc }, target('kstrict'), testLogger('relay'));
    pushes.push(push);
    const err = await push.whenRunning(10_000).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RelayPushError);
    expect((err as RelayPushError).permanent).toBe(true);
    expect((err as Error).message).toMatch(/H\.265.*transcoding is not allowed/);
    expect(push.state).toBe('failed');
    expect(push.pid).toBeUndefined();
  });

  it('re-encodes it to H.264 when the camera allows it, and players get H.264', async () => {
    const push = new RelayPush({ id: 'h265-ok', url: hevc, allowTranscode: true }, target('kok'), testLogger('relay'));
    pushes.push(push);
    await push.whenRunning(15_000);
    expect(push.mode).toBe('h264');
    await waitFor('the publish event', () => events.find((e) => e.type === 'publish' && e.streamKey === 'kok'), 5000);

    const ep = media.endpoint;
    const sign = signGrant(key, streamPathOf('kok'), { kind: 'play', userId: 1, viewId: 't', expiresAt: Date.now() + 60_000 });
    const url = `http://127.0.0.1:${ep?.httpPort}${streamPathOf('kok')}.flv?sign=${sign}`;
    const read = readHttpFlv(url);
    await waitFor('a keyframe', () => (read.stats.keyframes > 0 ? true : undefined), 10_000, 20);
    read.close();
    const { stdout } = await execFileP(
      'ffprobe',
      ['-v', 'error', '-analyzeduration', '1000000', '-probesize', '500000', '-select_streams', 'v:0', '-show_entries', 'stream=codec_name,width,height', '-of', 'json', url],
      { timeout: 15_000 },
    );
    expect(JSON.parse(stdout)).toMatchObject({ streams: [{ codec_name: 'h264', width: 384, height: 216 }] });
  });
});
