import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Logger } from 'pino';
import { attachRecordingCommands, createRecordingService, type RecordingService } from '../../edge/src/archive/index.js';
import { EvidenceGuards } from '../../edge/src/evidence-guards.js';
import { openSqliteOutbox, type Outbox } from '../../edge/src/outbox/index.js';
import { SegmentRecorder, type RecordingMode } from '../../edge/src/recorder/index.js';
import { SocketUplink } from '../../edge/src/uplink/index.js';
import { waitFor } from './harness.js';

const execFileP = promisify(execFile);

/** One camera of a {@link RecordingEdge}. */
export interface RecordingEdgeCamera {
  id: string;
  url: string;
  mode?: RecordingMode;
}

/**
 * The recording side of a real edge, without detection (so the tests stay light on 2 cores): a real
 * segment recorder per camera (ffmpeg stream copy from the RTSP simulator), the real SQLite outbox
 * and socket.io uplink to the cloud, the clip guards, and the playback service answering the cloud's
 * `recording:list` / `recording:fetch` over the uplink's connection — wired as `edge-node.ts` does.
 */
export class RecordingEdge {
  readonly recorders = new Map<string, SegmentRecorder>();
  readonly outbox: Outbox;
  readonly uplink: SocketUplink;
  readonly guards: EvidenceGuards;
  readonly playback: RecordingService;
  private readonly detach: () => void;

  constructor(
    readonly edgeId: string,
    token: string,
    cloudUrl: string,
    cameras: readonly RecordingEdgeCamera[],
    dataDir: string,
    logger: Logger,
  ) {
    mkdirSync(dataDir, { recursive: true });
    this.outbox = openSqliteOutbox(dataDir);
    this.guards = new EvidenceGuards(this.outbox, logger);
    for (const c of cameras) {
      this.recorders.set(
        c.id,
        new SegmentRecorder({
          cameraId: c.id,
          url: c.url,
          dir: path.join(dataDir, 'segments', c.id),
          segmentSeconds: 1,
          mode: c.mode ?? 'continuous',
          logger,
        }),
      );
    }
    this.uplink = new SocketUplink({
      cloudUrl,
      edgeId,
      token,
      outbox: this.outbox,
      hello: () => ({ edgeId, version: 'test', cameras: cameras.map((c) => ({ id: c.id, name: `Camera ${c.id}`, rules: ['r'] })) }),
      ackTimeoutMs: 5000,
      retryMaxMs: 2000,
      logger,
    });
    this.playback = createRecordingService({
      recorderOf: (id) => this.recorders.get(id),
      workDir: path.join(dataDir, 'playback'),
      upload: { cloudUrl, edgeId, token },
      logger,
    });
    mkdirSync(path.join(dataDir, 'playback'), { recursive: true });
    this.detach = attachRecordingCommands(this.uplink.commands, this.playback);
  }

  async start(): Promise<void> {
    await Promise.all([...this.recorders.values()].map((r) => r.start()));
    this.uplink.start();
  }

  recorder(id: string): SegmentRecorder {
    const r = this.recorders.get(id);
    if (!r) throw new Error(`no recorder ${id}`);
    return r;
  }

  /** Waits until camera `id` has finished segments reaching `untilMs` (epoch ms). */
  async recordedUntil(id: string, untilMs: number, timeoutMs = 60_000): Promise<void> {
    await waitFor(`camera ${id} recorded until ${new Date(untilMs).toISOString()}`, () => ((this.recorder(id).stats().newestAt ?? 0) >= untilMs ? true : undefined), timeoutMs, 100);
  }

  async stop(): Promise<void> {
    this.detach();
    await this.playback.stop();
    await Promise.all([...this.recorders.values()].map((r) => r.stop()));
    await this.uplink.stop();
    this.guards.close();
    this.outbox.close();
  }
}

/** What ffprobe says about a media file. */
export interface MediaProbe {
  formatName: string;
  durationS: number;
  video: { codec: string; width: number; height: number } | undefined;
}

export async function probeMedia(file: string): Promise<MediaProbe> {
  const { stdout } = await execFileP('ffprobe', ['-v', 'error', '-show_entries', 'format=format_name,duration:stream=codec_type,codec_name,width,height', '-of', 'json', file], {
    timeout: 20_000,
  });
  const j = JSON.parse(stdout) as { format: { format_name: string; duration: string }; streams: { codec_type: string; codec_name: string; width?: number; height?: number }[] };
  const v = j.streams.find((s) => s.codec_type === 'video');
  return {
    formatName: j.format.format_name,
    durationS: Number(j.format.duration),
    video: v ? { codec: v.codec_name, width: v.width ?? 0, height: v.height ?? 0 } : undefined,
  };
}
