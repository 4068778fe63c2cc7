import { createHash, randomBytes } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCameraSimulator, type CameraSimulator } from '../../streams/simulator.js';
import { tempDir, testLogger, testMediaDir, testModelsDir, waitFor } from '../support/harness.js';
import {
  CloudProcess,
  deliveryProblems,
  descendants,
  freePort,
  isRunning,
  NodeChild,
  outboxFiles,
  parkingLotFaultCamera,
  readOutbox,
  writeYaml,
  type OutboxRow,
} from '../support/processes.js';

/**
 * The edge process is SIGKILLed in the middle of a clip upload (caught for real: a proxy between edge
 * and cloud paces uploads and reports how much of the body it has passed on, and the cloud's temporary
 * upload file exists), then restarted with the same config and data directory. Every message its
 * outbox held at the kill must reach the cloud once, the cloud must keep no partial file, and the
 * edge's outbox no orphaned one.
 */
const CLIP = 'videos/intel-person-bicycle-car-gop1s-noaudio.ts';
const MODEL = path.join(testModelsDir(), 'coco-yolox-nano', 'yolox_nano.onnx');
const HAVE_ASSETS = existsSync(path.join(testMediaDir(), CLIP)) && existsSync(MODEL);
const EDGE_ID = 'edge-killed';
const CAMERA = 'lot-1';
/**
 * Upload pace until the kill: a clip of ~1 MB then takes over ten seconds, a window the test cannot
 * miss, and the messages produced meanwhile queue up behind it.
 */
const UPLOAD_BYTES_PER_S = 60_000;
/** Messages the outbox must hold at the kill, so that "nothing lost" covers more than the one in flight. */
const MIN_QUEUED = 3;

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

/** The evidence upload a proxied connection is passing on. */
interface Upload {
  sha256: string;
  contentType: string;
  length: number;
  /** Body bytes passed on to the cloud so far. */
  forwarded: number;
}

/**
 * Loopback TCP proxy edge → cloud. Connections that open with a PUT (the edge's evidence uploads, kept
 * alive for the next one) are parsed request by request and paced to `rate` bytes/s; anything else (the
 * socket.io WebSocket) passes untouched. When either side closes, the other is cut at once, as a
 * dead link would be: bytes still paced are dropped.
 */
class UploadProxy {
  /** Bytes per second for uploads; null passes them at full speed. */
  rate: number | null = UPLOAD_BYTES_PER_S;
  private readonly uploads = new Set<Upload>();
  /** sha256 → when the connection carrying its unfinished upload was closed. */
  private readonly cut = new Map<string, number>();
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(upstreamPort: number): Promise<UploadProxy> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const addr = server.address();
    const proxy = new UploadProxy(server, typeof addr === 'object' && addr ? addr.port : 0);
    server.on('connection', (client) => proxy.relay(client, upstreamPort));
    return proxy;
  }

  /** Uploads being passed on right now. */
  inFlight(): Upload[] {
    return [...this.uploads];
  }

  /** When the connection that carried an unfinished upload of `sha256` was closed, if it was. */
  cutAt(sha256: string): number | undefined {
    return this.cut.get(sha256);
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private relay(client: Socket, upstreamPort: number): void {
    const upstream = connect(upstreamPort, '127.0.0.1');
    this.sockets.add(client).add(upstream);
    let current: Upload | undefined;
    let head = Buffer.alloc(0);
    let mode: 'unknown' | 'http' | 'raw' = 'unknown';
    const queue: Buffer[] = [];
    let queued = 0;

    const cut = (): void => {
      clearInterval(timer);
      if (current) {
        this.uploads.delete(current);
        if (!this.cut.has(current.sha256)) this.cut.set(current.sha256, Date.now());
        current = undefined;
      }
      this.sockets.delete(client);
      this.sockets.delete(upstream);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', cut).on('error', cut);
    upstream.on('close', cut).on('error', cut);
    upstream.on('data', (b: Buffer) => client.write(b));

    /** Follows the HTTP requests in the bytes passed on, so `forwarded` counts what the cloud got. */
    const track = (chunk: Buffer): void => {
      let rest = chunk;
      while (rest.length > 0) {
        if (current) {
          const n = Math.min(rest.length, current.length - current.forwarded);
          current.forwarded += n;
          rest = rest.subarray(n);
          if (current.forwarded >= current.length) {
            this.uploads.delete(current);
            current = undefined;
          }
          continue;
        }
        head = Buffer.concat([head, rest]);
        rest = Buffer.alloc(0);
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) return;
        const lines = head.subarray(0, end).toString('latin1').split('\r\n');
        const header = (name: string): string =>
          lines.find((l) => l.toLowerCase().startsWith(`${name}:`))?.slice(name.length + 1).trim() ?? '';
        const sha256 = /^PUT \S*\/([0-9a-f]{64}) /.exec(lines[0] ?? '')?.[1] ?? '';
        current = { sha256, contentType: header('content-type'), length: Number(header('content-length')) || 0, forwarded: 0 };
        this.uploads.add(current);
        rest = head.subarray(end + 4);
        head = Buffer.alloc(0);
        if (current.length === 0) {
          this.uploads.delete(current);
          current = undefined;
        }
      }
    };
    const pass = (chunk: Buffer): void => {
      if (mode === 'http') track(chunk);
      upstream.write(chunk);
    };
    const TICK_MS = 20;
    // Started after `cut` is defined but before any socket event can call it.
    const timer = setInterval(() => {
      let allowance = this.rate === null ? Number.POSITIVE_INFINITY : (this.rate * TICK_MS) / 1000;
      while (allowance > 0 && queue.length > 0) {
        const first = queue[0];
        if (!first) break;
        const n = Math.min(first.length, allowance);
        pass(first.subarray(0, n));
        allowance -= n;
        queued -= n;
        if (n === first.length) queue.shift();
        else queue[0] = first.subarray(n);
      }
      if (queued < 256 * 1024 && client.isPaused()) client.resume();
    }, TICK_MS);

    client.on('data', (chunk: Buffer) => {
      if (mode === 'unknown') mode = chunk.subarray(0, 4).toString('latin1') === 'PUT ' ? 'http' : 'raw';
      if (mode === 'raw') {
        clearInterval(timer);
        upstream.write(chunk);
        return;
      }
      queue.push(chunk);
      queued += chunk.length;
      // Backpressure: the edge's upload waits for the pace instead of piling up in this process.
      if (queued >= 256 * 1024) client.pause();
    });
  }
}

describe.skipIf(!HAVE_ASSETS)('an edge killed during an evidence upload', () => {
  const tmp = tempDir('fault-edge');
  const token = randomBytes(24).toString('base64url');
  const edgeDataDir = path.join(tmp.dir, 'edge');
  const edgeConfig = path.join(tmp.dir, 'edge.yaml');
  let sim: CameraSimulator;
  let cloud: CloudProcess;
  let proxy: UploadProxy;
  const edges: NodeChild[] = [];

  async function startEdge(): Promise<{ child: NodeChild; ms: number }> {
    const t0 = Date.now();
    const child = NodeChild.start(`edge#${edges.length + 1}`, 'edge/src/main.ts', ['--config', edgeConfig], { LOG_LEVEL: 'info' });
    edges.push(child);
    await child.waitForLine('"edge pipeline started"', (l) => l.includes('"msg":"edge pipeline started"'), 60_000);
    return { child, ms: Date.now() - t0 };
  }

  beforeAll(async () => {
    sim = await startCameraSimulator({ cameras: [{ name: CAMERA, clip: CLIP }], logger: testLogger('streams') });
    cloud = new CloudProcess(path.join(tmp.dir, 'cloud'), await freePort(), [{ id: EDGE_ID, token }]);
    await cloud.start();
    proxy = await UploadProxy.start(cloud.port);
    writeYaml(edgeConfig, {
      edgeId: EDGE_ID,
      dataDir: edgeDataDir,
      cloud: { url: `http://127.0.0.1:${proxy.port}`, token, heartbeatIntervalMs: 1000, ackTimeoutMs: 3000, retryMaxMs: 2000 },
      models: { dir: testModelsDir(), intraOpThreads: 1 },
      cameras: [
        // Pre- and post-capture of 2 s around 4 s events: clips of about 1 MB.
        parkingLotFaultCamera(CAMERA, sim.urls[CAMERA] ?? '', 4000, { bufferSeconds: 30, preSeconds: 2, postSeconds: 2, maxClipSeconds: 15 }),
      ],
    });
  }, 90_000);

  afterAll(async () => {
    for (const e of edges) await e.stop();
    await proxy?.close();
    await cloud?.current?.stop();
    await sim?.stop();
    tmp.remove();
  }, 60_000);

  it('delivers every queued message once after a restart, with no partial or orphaned file', async () => {
    const first = await startEdge();
    const readyAt = Date.now();

    // Catch a clip upload half-way (headers and part of the body at the cloud, its temp file open)
    // with more messages queued behind it.
    const caught = await waitFor(
      `a clip upload half-way through with ${MIN_QUEUED} messages queued`,
      () =>
        proxy
          .inFlight()
          .find(
            (u) =>
              u.contentType === 'video/mp4' &&
              u.length >= 200_000 &&
              u.forwarded >= u.length * 0.2 &&
              u.forwarded <= u.length * 0.8 &&
              cloud.partialUploads().length > 0 &&
              readOutbox(edgeDataDir).length >= MIN_QUEUED,
          ),
      75_000,
      100,
    );
    const upload = { ...caught };
    const children = descendants(first.child.pid);
    const killedAt = Date.now();
    first.child.kill('SIGKILL');
    const exit = await first.child.exited;
    expect(exit.signal).toBe('SIGKILL');

    // The cloud sees the body end early and must throw its temp file away.
    // The bytes the dead edge had already sent still arrive (at the proxy's pace) before the connection ends.
    const cleanedAt = await waitFor('the cloud to drop the partial upload', () => (cloud.partialUploads().length === 0 ? Date.now() : undefined), 15_000, 20);
    const cleaned = cleanedAt - killedAt;
    expect(cloud.uploadTally().get(upload.sha256), 'the clip was stored although its upload was cut').toBeUndefined();
    // ffmpeg children run in their own process groups; they are meant to end on their own (broken pipes).
    await sleep(3000);
    const survivors = children.filter(isRunning);
    for (const pid of survivors) process.kill(pid, 'SIGKILL');

    const pending: OutboxRow[] = readOutbox(edgeDataDir);
    const filesAtKill = outboxFiles(edgeDataDir);
    const referenced = new Set(pending.flatMap((r) => r.evidence));
    expect(pending.length, 'the outbox was empty at the kill: nothing to lose').toBeGreaterThan(0);
    // Delivery is in order and one at a time: the clip being uploaded belongs to the oldest message.
    expect(pending[0]?.evidence).toContain(upload.sha256);
    expect(filesAtKill.filter((f) => !referenced.has(f)), 'outbox files no queued message refers to, right after the kill').toEqual([]);
    expect([...referenced].filter((sha) => !filesAtKill.includes(sha)), 'queued evidence missing from the outbox').toEqual([]);

    // A kill inside the outbox's own file handling leaves a file no message refers to: a torn `.tmp`
    // write, or a whole file whose row was not committed yet (or whose row was deleted on ack just
    // before). Those windows are milliseconds wide, too narrow to hit with a timed kill: plant what
    // such a kill leaves, and expect the restarted edge not to keep it.
    const bytes = randomBytes(50_000);
    const planted = [`${createHash('sha256').update(bytes).digest('hex')}`, `${createHash('sha256').update('torn').digest('hex')}.${first.child.pid}.tmp`];
    writeFileSync(path.join(edgeDataDir, 'outbox-evidence', planted[0] ?? ''), bytes);
    writeFileSync(path.join(edgeDataDir, 'outbox-evidence', planted[1] ?? ''), bytes.subarray(0, 20_000));

    proxy.rate = null;
    const second = await startEdge();
    const restartedAt = Date.now();
    const lastSeq = new Map(pending.map((r) => [r.id, r.seq]));
    await waitFor(
      'every message queued at the kill to be stored',
      () => ([...lastSeq].every(([id, seq]) => (cloud.events().get(id)?.seq ?? -1) >= seq) ? true : undefined),
      45_000,
      100,
    );
    const drainMs = Date.now() - restartedAt;

    const stopExit = await second.child.stop();
    expect(stopExit.code, second.child.stderr()).toBe(0);
    const leftRows = readOutbox(edgeDataDir);
    const leftFiles = outboxFiles(edgeDataDir);
    const leftReferenced = new Set(leftRows.flatMap((r) => r.evidence));

    const stored = cloud.events();
    const tally = cloud.ingestTally();
    const uploads = cloud.uploadTally();
    const evidence = pending.flatMap((r) => r.evidence);
    console.log(
      `[fault-edge-killed] edge ready in ${seconds(first.ms)}, killed ${seconds(killedAt - readyAt)} later, uploading a ${upload.length}-byte clip ` +
        `(${upload.forwarded} bytes passed on, ${Math.round((100 * upload.forwarded) / upload.length)}%); ` +
        `cloud dropped its partial file ${cleaned} ms after the kill (${cleanedAt - (proxy.cutAt(upload.sha256) ?? cleanedAt)} ms after the proxy saw the connection end; ` +
        `what the edge had already sent went on arriving at the paced rate until then); ${children.length} child processes, ${survivors.length} still running 3 s later; ` +
        `${pending.length} messages (${new Set(pending.map((r) => r.id)).size} events, ${new Set(evidence).size} files) queued at the kill; ` +
        `restarted edge ready in ${seconds(second.ms)}, queue delivered ${seconds(drainMs)} later; ` +
        `cloud received ${tally.received} event messages in all, ${tally.duplicates} resends; ` +
        `${[...uploads.values()].reduce((n, u) => n + u.repeated, 0)} uploads of files already stored; ${leftRows.length} messages left at the graceful stop`,
    );
    expect(survivors, 'child processes of the killed edge still running').toEqual([]);
    expect(deliveryProblems(pending, stored, tally)).toEqual([]);
    // Nothing the cloud received was applied twice, before or after the kill.
    expect([...tally.outcomes].filter(([, o]) => o.filter((x) => x === 'stored' || x === 'backfilled').length > 1)).toEqual([]);
    expect([...uploads].filter(([, u]) => u.stored > 1)).toEqual([]);
    expect(uploads.get(upload.sha256)?.stored, 'the interrupted clip was stored after the restart').toBe(1);
    expect(cloud.evidenceProblems(evidence)).toEqual([]);
    expect(leftFiles.filter((f) => planted.includes(f)), 'files a kill left in the outbox were kept').toEqual([]);
    expect(leftFiles.filter((f) => !leftReferenced.has(f)), 'orphaned outbox files after the graceful stop').toEqual([]);
    expect([...leftReferenced].filter((sha) => !leftFiles.includes(sha))).toEqual([]);
  }, 120_000);
});
