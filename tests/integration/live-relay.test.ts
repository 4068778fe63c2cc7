import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import type { FastifyInstance } from 'fastify';
import { io } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readHttpFlv, FlvTagReader, type FlvRead } from '../../bench/live-flv.js';
import { buildApp } from '../../cloud/src/app.js';
import { parseCloudConfig } from '../../cloud/src/config.js';
import { streamPathOf } from '../../cloud/src/media/media-ipc.js';
import { signGrant } from '../../cloud/src/media/stream-signing.js';
import { streamKeyFor } from '../../cloud/src/media/stream-urls.js';
import { attachRelayCommands, createRelayController, type EdgeCommandSocket, type RelayController } from '../../edge/src/relay/index.js';
import { EDGE_NAMESPACE, LIVE_PATH, type Ack, type ErrorReply, type LiveViewResponse } from '../../protocol/index.js';
import { startCameraSimulator, type CameraSimulator } from '../../streams/simulator.js';
import { tempDir, testLogger, testMediaDir, waitFor } from '../support/harness.js';

const execFileP = promisify(execFile);
const CLIP = 'videos/intel-person-bicycle-car-gop1s-noaudio.ts';
const EDGE_ID = 'edge-live';
const EDGE_TOKEN = randomBytes(24).toString('base64url');
const ADMIN_PASSWORD = 'live-admin-password';
/** The test signs its own bad URLs with the cloud's key. */
const SIGNING_KEY = randomBytes(32).toString('base64url');
const LINGER_SECONDS = 2;
/** Stop must follow the last viewer within the linger plus this. */
const STOP_MARGIN_MS = 6_000;

/** Reads until the first keyframe; resolves with the read (still open) or rejects after `timeoutMs`. */
async function firstKeyframe(read: FlvRead, timeoutMs: number): Promise<FlvRead> {
  await waitFor('a keyframe over HTTP-FLV', () => (read.stats.keyframes > 0 ? true : read.stats.error ? true : undefined), timeoutMs, 20);
  if (read.stats.error) throw new Error(`FLV read failed: ${read.stats.error}`);
  return read;
}

/** What an HTTP-FLV URL answers within `ms`: the status and how many body bytes came. */
async function probeRefused(url: string, ms = 2000): Promise<{ status: number | undefined; bytes: number }> {
  const read = readHttpFlv(url);
  await Promise.race([read.ended, new Promise((r) => setTimeout(r, ms))]);
  read.close();
  return { status: read.status, bytes: read.stats.bytes };
}

/** A minimal WebSocket client (Node 20 has none built in): handshake, then unmasked binary frames into an FLV reader. */
function readWsFlv(wsUrl: string): { reader: FlvTagReader; close: () => void; status: Promise<number> } {
  const u = new URL(wsUrl);
  const reader = new FlvTagReader();
  let socketRef: net.Socket | undefined;
  const status = new Promise<number>((resolve) => {
    const req = http.request({
      host: u.hostname,
      port: u.port,
      path: `${u.pathname}${u.search}`,
      headers: { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-key': randomBytes(16).toString('base64'), 'sec-websocket-version': '13' },
    });
    req.on('response', (res) => resolve(res.statusCode ?? 0));
    req.on('error', () => resolve(0));
    req.on('upgrade', (res, socket: net.Socket, head: Buffer) => {
      socketRef = socket;
      resolve(res.statusCode ?? 0);
      let buf = Buffer.alloc(0);
      const onData = (chunk: Buffer): void => {
        buf = Buffer.concat([buf, chunk]);
        for (;;) {
          if (buf.length < 2) return;
          const opcode = (buf[0] ?? 0) & 0x0f;
          let len = (buf[1] ?? 0) & 0x7f;
          let off = 2;
          if (len === 126) {
            if (buf.length < 4) return;
            len = buf.readUInt16BE(2);
            off = 4;
          } else if (len === 127) {
            if (buf.length < 10) return;
            len = Number(buf.readBigUInt64BE(2));
            off = 10;
          }
          if (buf.length < off + len) return;
          if (opcode === 2 || opcode === 0) reader.push(buf.subarray(off, off + len));
          buf = buf.subarray(off + len);
        }
      };
      // The server writes the stream head right after its 101: those bytes may have come with it.
      onData(head);
      socket.on('data', onData);
    });
    req.end();
  });
  return { reader, status, close: () => socketRef?.destroy() };
}

function isAlive(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    // ESRCH: no such process.
    return false;
  }
}

describe('live view: RTSP camera → edge relay → media child → HTTP-FLV viewer', () => {
  const tmp = tempDir('live');
  const logger = testLogger('live');
  let sim: CameraSimulator;
  let app: FastifyInstance;
  let base: string;
  let userToken: string;
  let edgeSocket: EdgeCommandSocket;
  let relay: RelayController;
  const keyBuf = Buffer.from(SIGNING_KEY, 'utf8');

  const openView = async (cameraId: string): Promise<{ status: number; body: LiveViewResponse | ErrorReply }> => {
    const res = await fetch(`${base}${LIVE_PATH}/${cameraId}`, { method: 'POST', headers: { authorization: `Bearer ${userToken}` } });
    return { status: res.status, body: (await res.json()) as LiveViewResponse | ErrorReply };
  };
  const mediaEndpoint = () => {
    const ep = app.live.media?.endpoint;
    if (!ep) throw new Error('media server not ready');
    return ep;
  };

  beforeAll(async () => {
    sim = await startCameraSimulator({ cameras: [{ name: 'cam-1', clip: CLIP }], logger: testLogger('streams') });
    const config = parseCloudConfig(
      {
        server: { port: 0 },
        dataDir: path.join(tmp.dir, 'cloud'),
        auth: { admin: { password: ADMIN_PASSWORD } },
        edges: [{ id: EDGE_ID, token: EDGE_TOKEN }],
        media: { enabled: true, rtmpPort: 0, httpPort: 0, lingerSeconds: LINGER_SECONDS, signingKey: SIGNING_KEY, reconcileIntervalMs: 500 },
      },
      {},
    );
    app = await buildApp(config);
    await app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    expect(app.live.media?.endpoint).toBeDefined();

    const login = await fetch(`${base}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
    });
    userToken = ((await login.json()) as { token: string }).token;

    // The edge side: a real socket.io client on /edge with the relay controller wired to it, as the
    // edge node does it. cam-2 is a second camera on the same edge (same footage).
    const cameraUrl = sim.urls['cam-1'] ?? '';
    relay = createRelayController({
      edgeId: EDGE_ID,
      cameras: [
        { id: 'cam-1', url: cameraUrl },
        { id: 'cam-2', url: cameraUrl },
        // A camera that does not answer (nothing listens on port 9 here).
        { id: 'cam-dead', url: 'rtsp://127.0.0.1:9/none' },
      ],
      logger,
      startTimeoutMs: 3000,
    });
    edgeSocket = io(`${base}${EDGE_NAMESPACE}`, { auth: { edgeId: EDGE_ID, token: EDGE_TOKEN }, transports: ['websocket'], forceNew: true });
    attachRelayCommands(edgeSocket, relay);
    await new Promise<void>((resolve, reject) => {
      edgeSocket.once('connect', () => resolve());
      edgeSocket.once('connect_error', reject);
    });
    const hello = (await edgeSocket.timeout(5000).emitWithAck('hello', {
      edgeId: EDGE_ID,
      version: 'test-1',
      cameras: [
        { id: 'cam-1', name: 'Gate', rules: [] },
        { id: 'cam-2', name: 'Yard', rules: [] },
        { id: 'cam-dead', name: 'Broken', rules: [] },
      ],
    })) as Ack;
    expect(hello).toEqual({ ok: true });
  }, 90_000);

  afterAll(async () => {
    edgeSocket?.disconnect();
    await relay?.stop();
    await app?.close();
    await sim?.stop();
    tmp.remove();
  }, 60_000);

  let firstRead: FlvRead | undefined;

  it('gives a permitted viewer frames over HTTP-FLV within 5 s of asking', async () => {
    const t0 = performance.now();
    const { status, body } = await openView('cam-1');
    const answeredMs = performance.now() - t0;
    expect(status, JSON.stringify(body)).toBe(200);
    const view = body as LiveViewResponse;
    expect(view.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/live\/c[0-9a-f]{32}\.flv\?sign=/);
    expect(view.wsUrl).toBe(view.url.replace(/^http:/, 'ws:'));
    expect(view.expiresAt).toBeGreaterThan(Date.now());

    const read = await firstKeyframe(readHttpFlv(view.url, undefined, () => performance.now()), 5000);
    const ttffMs = (read.stats.firstKeyframeAt ?? Infinity) - t0;
    process.stdout.write(`[live] cold start: POST answered in ${answeredMs.toFixed(0)} ms, first keyframe at ${ttffMs.toFixed(0)} ms\n`);
    expect(read.status).toBe(200);
    expect(read.stats.header).toBe(true);
    expect(ttffMs).toBeLessThan(5000);
    // Video keeps flowing: 12 fps footage, so well over 10 frames in 2 s.
    const before = read.stats.videoFrames;
    await new Promise((r) => setTimeout(r, 2000));
    expect(read.stats.videoFrames - before).toBeGreaterThan(10);
    expect(app.live.manager?.status('cam-1')).toMatchObject({ publishing: true, viewers: 1, commanded: 'started' });
    firstRead = read;
  });

  it('serves a stream ffprobe decodes as the camera video, and the same stream over WS-FLV', async () => {
    const { body } = await openView('cam-1');
    const view = body as LiveViewResponse;
    const t0 = performance.now();
    const { stdout } = await execFileP(
      'ffprobe',
      ['-v', 'error', '-analyzeduration', '1000000', '-probesize', '500000', '-select_streams', 'v:0', '-show_entries', 'stream=codec_name,width,height', '-of', 'json', view.url],
      { timeout: 15_000 },
    );
    process.stdout.write(`[live] warm ffprobe of the HTTP-FLV URL took ${(performance.now() - t0).toFixed(0)} ms\n`);
    const stream = (JSON.parse(stdout) as { streams: { codec_name: string; width: number; height: number }[] }).streams[0];
    expect(stream).toEqual({ codec_name: 'h264', width: 768, height: 432 });

    const ws = readWsFlv(view.wsUrl);
    try {
      expect(await ws.status).toBe(101);
      await waitFor('a keyframe over WS-FLV', () => (ws.reader.stats.keyframes > 0 ? true : undefined), 5000, 20);
      expect(ws.reader.stats.header).toBe(true);
    } finally {
      ws.close();
    }
  });

  it('refuses unsigned, expired, tampered and other-camera URLs, bad paths and unsigned publishers', async () => {
    const ep = mediaEndpoint();
    const pid = app.live.media?.pid;
    const key1 = streamKeyFor('cam-1');
    const key2 = streamKeyFor('cam-2');
    const flv = (key: string, sign?: string) => `http://127.0.0.1:${ep.httpPort}${streamPathOf(key)}.flv${sign === undefined ? '' : `?sign=${sign}`}`;
    const grant = (expiresAt: number) => ({ kind: 'play' as const, userId: 1, viewId: 'test', expiresAt });
    const valid = signGrant(keyBuf, streamPathOf(key1), grant(Date.now() + 60_000));
    const cases: Record<string, string> = {
      unsigned: flv(key1),
      expired: flv(key1, signGrant(keyBuf, streamPathOf(key1), grant(Date.now() - 1000))),
      tampered: flv(key1, `${valid.slice(0, -2)}${valid.endsWith('AA') ? 'BB' : 'AA'}`),
      'other camera': flv(key2, valid),
      'other key': flv(key1, signGrant(randomBytes(32), streamPathOf(key1), grant(Date.now() + 60_000))),
      publish: flv(key1, signGrant(keyBuf, streamPathOf(key1), { kind: 'publish', edgeId: EDGE_ID, expiresAt: Date.now() + 60_000 })),
    };
    for (const [what, url] of Object.entries(cases)) {
      const r = await probeRefused(url);
      expect({ what, ...r }).toEqual({ what, status: 403, bytes: 0 });
    }
    // The control: the valid one plays.
    const ok = await firstKeyframe(readHttpFlv(flv(key1, valid)), 5000);
    ok.close();

    // Stream names node-media-server 4 would crash on, a WebSocket to one, and garbage RTMP: refused,
    // and the media child is the same process afterwards.
    expect((await probeRefused(`http://127.0.0.1:${ep.httpPort}/live/a%24b.flv`)).status).toBe(404);
    expect(await readWsFlv(`ws://127.0.0.1:${ep.httpPort}/live/a%24b.flv`).status).toBe(404);
    await new Promise<void>((resolve) => {
      const s = net.connect(ep.rtmpPort, '127.0.0.1', () => {
        s.write(Buffer.concat([Buffer.from([3]), Buffer.alloc(1536)]));
      });
      let got = 0;
      s.on('data', (d) => {
        got += d.length;
        if (got >= 3073 && !s.destroyed) {
          // C2, then an AMF0 `connect` without tcUrl (node-media-server throws on it).
          const amf = Buffer.concat([
            Buffer.from([2, 0, 7]), Buffer.from('connect'), Buffer.from([0, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0]),
            Buffer.from([3, 0, 3]), Buffer.from('app'), Buffer.from([2, 0, 4]), Buffer.from('live'), Buffer.from([0, 0, 9]),
          ]);
          s.write(Buffer.concat([Buffer.alloc(1536), Buffer.from([3, 0, 0, 0, 0, 0, amf.length, 20, 0, 0, 0, 0]), amf]));
          got = -Infinity;
        }
      });
      s.on('close', () => resolve());
      setTimeout(() => s.destroy(), 2000);
    });

    // An unsigned publisher to the camera's stream is turned away and the viewers keep the real video.
    const watcher = firstRead;
    expect(watcher).toBeDefined();
    const fake = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-re', '-i', path.join(testMediaDir(), 'videos', 'public-intel-car-detection.mp4'), '-an', '-c', 'copy', '-f', 'flv', `rtmp://127.0.0.1:${ep.rtmpPort}${streamPathOf(key1)}`]);
    const fakeExit = await Promise.race([
      new Promise<number | null>((resolve) => fake.on('close', (code) => resolve(code))),
      new Promise<'running'>((resolve) => setTimeout(() => resolve('running'), 8000)),
    ]);
    if (fakeExit === 'running') fake.kill('SIGKILL');
    expect(fakeExit).not.toBe('running');
    expect(fakeExit).not.toBe(0);

    expect(app.live.media?.pid).toBe(pid);
    expect(isAlive(pid)).toBe(true);
    const before = watcher?.stats.videoFrames ?? 0;
    await new Promise((r) => setTimeout(r, 1500));
    expect((watcher?.stats.videoFrames ?? 0) - before).toBeGreaterThan(5);
    expect(watcher?.stats.error).toBeUndefined();
  });

  it("lets a site user watch its own site's camera and gives it nothing for another site's", async () => {
    const admin = { authorization: `Bearer ${userToken}`, 'content-type': 'application/json' };
    const post = async (url: string, body: unknown, headers: Record<string, string> = admin) => {
      const res = await fetch(`${base}${url}`, { method: url.includes('/directory') ? 'PUT' : 'POST', headers, body: JSON.stringify(body) });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    const city = await post('/api/orgs', { name: '直播市', kind: 'city' });
    const siteA = await post('/api/sites', { orgId: city.body.id, name: '甲食堂', kind: 'school_canteen' });
    const siteB = await post('/api/sites', { orgId: city.body.id, name: '乙餐厅', kind: 'restaurant' });
    expect((await post('/api/cameras/cam-1/directory', { name: '甲 操作间', siteId: siteA.body.id })).status).toBe(201);
    expect((await post('/api/cameras/cam-2/directory', { name: '乙 后厨', siteId: siteB.body.id })).status).toBe(201);
    expect((await post('/api/users', { username: 'live-site-a', password: 'live-site-a-password', role: 'site', siteId: siteA.body.id })).status).toBe(201);
    const login = await post('/api/auth/login', { username: 'live-site-a', password: 'live-site-a-password' }, { 'content-type': 'application/json' });
    const siteHeaders = { authorization: `Bearer ${String(login.body.token)}` };

    const other = await fetch(`${base}${LIVE_PATH}/cam-2`, { method: 'POST', headers: siteHeaders });
    expect(other.status).toBe(404);
    expect(((await other.json()) as ErrorReply).error.code).toBe('NOT_FOUND');
    // Nothing was started for the refused request.
    expect(relay.status().some((r) => r.cameraId === 'cam-2')).toBe(false);

    const own = await fetch(`${base}${LIVE_PATH}/cam-1`, { method: 'POST', headers: siteHeaders });
    expect(own.status).toBe(200);
    const view = (await own.json()) as LiveViewResponse;
    const read = await firstKeyframe(readHttpFlv(view.url, undefined, () => performance.now()), 5000);
    expect(read.stats.header).toBe(true);
    read.close();
    // The view is in the audit log under the site user's name.
    await waitFor('the live.start audit record', () => {
      const rows = app.mingliang.repos.audit.query({ action: 'live.start', limit: 50 });
      return rows.some((r) => r.username === 'live-site-a' && r.targetId === 'cam-1') ? true : undefined;
    }, 5000, 50);
  });

  it('refuses users without a token, unknown cameras, and answers 503 for a camera that cannot be pushed', async () => {
    const anonymous = await fetch(`${base}${LIVE_PATH}/cam-1`, { method: 'POST' });
    expect(anonymous.status).toBe(401);
    const unknown = await openView('no-such-camera');
    expect(unknown.status).toBe(404);
    expect((unknown.body as ErrorReply).error.code).toBe('NOT_FOUND');
    const dead = await openView('cam-dead');
    expect(dead.status).toBe(503);
    expect((dead.body as ErrorReply).error).toMatchObject({ code: 'NOT_READY', message: expect.stringMatching(/cam-dead.*no video reached the media server/) });
    // The edge is told to give up once nobody wants the camera any more.
    await waitFor('the dead camera relay to stop', () => (relay.status().some((r) => r.cameraId === 'cam-dead') ? undefined : true), LINGER_SECONDS * 1000 + STOP_MARGIN_MS, 50);
  });

  it('stops the relay within the linger after the last viewer leaves, and records the view', async () => {
    const pushPid = relay.status().find((s) => s.cameraId === 'cam-1')?.pid;
    expect(isAlive(pushPid)).toBe(true);
    firstRead?.close();
    const left = performance.now();
    await waitFor('no viewers', () => (app.live.manager?.status('cam-1')?.viewers === 0 ? true : undefined), 5000, 50);
    await waitFor('the relay to stop', () => (relay.status().length === 0 ? true : undefined), LINGER_SECONDS * 1000 + STOP_MARGIN_MS, 50);
    const stoppedMs = performance.now() - left;
    process.stdout.write(`[live] relay stopped ${stoppedMs.toFixed(0)} ms after the last viewer left (linger ${LINGER_SECONDS} s)\n`);
    expect(stoppedMs).toBeGreaterThanOrEqual(LINGER_SECONDS * 1000 - 100);
    await waitFor('the edge ffmpeg to exit', () => (isAlive(pushPid) ? undefined : true), 5000, 50);
    await waitFor('the publish to end', () => (app.live.manager?.status('cam-1')?.publishing === false ? true : undefined), 5000, 50);

    const views = app.live.views.listByCamera('cam-1');
    expect(views.length).toBeGreaterThanOrEqual(3);
    for (const v of views) {
      expect(v).toMatchObject({ cameraId: 'cam-1', endReason: 'closed' });
      // The admin's views, and the one of the site user of cam-1's site.
      expect(['admin', 'live-site-a']).toContain(v.username);
      expect(v.endedAt).not.toBeNull();
      expect(v.durationMs).toBeGreaterThanOrEqual(0);
    }
    const first = views.at(-1);
    expect(first?.protocol).toBe('http-flv');
    expect(first?.durationMs).toBeGreaterThan(2000);
    expect(views.some((v) => v.protocol === 'ws-flv')).toBe(true);
  });

  it('restarts a crashed media child, and live view works again', async () => {
    const media = app.live.media;
    const oldPid = media?.pid;
    expect(isAlive(oldPid)).toBe(true);
    const restarts = media?.restarts ?? 0;
    process.kill(oldPid ?? 0, 'SIGKILL');
    await waitFor('the media child to come back', () => (media?.endpoint && media.pid !== oldPid ? true : undefined), 15_000, 50);
    expect(media?.restarts).toBe(restarts + 1);
    expect(isAlive(media?.pid)).toBe(true);

    const t0 = performance.now();
    const { status, body } = await openView('cam-1');
    expect(status, JSON.stringify(body)).toBe(200);
    const read = await firstKeyframe(readHttpFlv((body as LiveViewResponse).url, undefined, () => performance.now()), 5000);
    process.stdout.write(`[live] after a media restart: first keyframe at ${((read.stats.firstKeyframeAt ?? 0) - t0).toFixed(0)} ms\n`);
    read.close();
  });
});
