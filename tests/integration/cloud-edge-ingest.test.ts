import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { io, type Socket } from 'socket.io-client';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../cloud/src/app.js';
import { parseCloudConfig, type CloudConfig } from '../../cloud/src/config.js';
import {
  EDGE_NAMESPACE,
  EVIDENCE_UPLOAD_PATH,
  VIEWER_NAMESPACE,
  type Ack,
  type CameraItem,
  type CloudToViewerEvents,
  type EdgeHello,
  type ErrorReply,
  type EventItem,
  type EventListResponse,
  type EventMessage,
  type Heartbeat,
  type ViewerToCloudEvents,
} from '../../protocol/index.js';
import { tempDir, testMediaDir, waitFor } from '../support/harness.js';

const TOKENS = { 'edge-1': 'ingest-edge-1-token-0123456789', 'edge-2': 'ingest-edge-2-token-0123456789' } as const;
type EdgeName = keyof typeof TOKENS;
const ADMIN_PASSWORD = 'ingest-admin-password';

/** A running cloud with helpers for talking to it as an edge, a viewer and a REST client. */
class CloudUnderTest {
  readonly sockets: Socket[] = [];
  base = '';
  userToken = '';

  private constructor(
    readonly app: FastifyInstance,
    readonly config: CloudConfig,
  ) {}

  static async start(config: CloudConfig, adminPassword = ADMIN_PASSWORD): Promise<CloudUnderTest> {
    const app = await buildApp(config);
    await app.listen({ host: '127.0.0.1', port: 0 });
    const cloud = new CloudUnderTest(app, config);
    cloud.base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    cloud.userToken = await cloud.login(adminPassword);
    return cloud;
  }

  async login(password: string): Promise<string> {
    const res = await fetch(`${this.base}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password }),
    });
    expect(res.status).toBe(200);
    return ((await res.json()) as { token: string }).token;
  }

  get(url: string): Promise<Response> {
    return fetch(`${this.base}${url}`, { headers: { authorization: `Bearer ${this.userToken}` } });
  }

  async events(query = ''): Promise<EventItem[]> {
    const res = await this.get(`/api/events?limit=500${query}`);
    expect(res.status).toBe(200);
    return ((await res.json()) as EventListResponse).items;
  }

  /** Connects to /edge; resolves with the socket once connected or with the handshake error. */
  async edge(auth: Record<string, unknown> | undefined): Promise<{ socket: Socket; error?: { message: string; data?: unknown } }> {
    const socket = io(`${this.base}${EDGE_NAMESPACE}`, { auth, transports: ['websocket'], reconnection: false, forceNew: true });
    this.sockets.push(socket);
    return new Promise((resolve) => {
      socket.once('connect', () => resolve({ socket }));
      socket.once('connect_error', (err: Error & { data?: unknown }) => resolve({ socket, error: { message: err.message, data: err.data } }));
    });
  }

  async connectedEdge(edgeId: EdgeName): Promise<Socket> {
    const { socket, error } = await this.edge({ edgeId, token: TOKENS[edgeId] });
    expect(error).toBeUndefined();
    return socket;
  }

  async viewer(): Promise<Inbox> {
    const socket: Socket<CloudToViewerEvents, ViewerToCloudEvents> = io(`${this.base}${VIEWER_NAMESPACE}`, {
      auth: { token: this.userToken },
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
    });
    this.sockets.push(socket as unknown as Socket);
    const inbox = new Inbox();
    socket.on('event', (item) => inbox.events.push(item));
    socket.on('camera', (item) => inbox.cameras.push(item));
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', reject);
    });
    return inbox;
  }

  upload(sha256: string, body: Uint8Array, edgeId: EdgeName = 'edge-1', token: string = TOKENS[edgeId]): Promise<Response> {
    return fetch(`${this.base}${EVIDENCE_UPLOAD_PATH}/${sha256}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}`, 'x-edge-id': edgeId, 'content-type': 'image/jpeg' },
      body: new Uint8Array(body),
    });
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.disconnect();
    await this.app.close();
  }
}

/** What a viewer received, in order. */
class Inbox {
  readonly events: EventItem[] = [];
  readonly cameras: CameraItem[] = [];
}

async function send(socket: Socket, name: string, ...args: unknown[]): Promise<Ack> {
  return (await socket.timeout(5000).emitWithAck(name, ...args)) as Ack;
}

function cloudConfig(dataDir: string, adminPassword: string = ADMIN_PASSWORD): CloudConfig {
  return parseCloudConfig(
    {
      server: { port: 0 },
      dataDir,
      auth: { admin: { password: adminPassword } },
      edges: Object.entries(TOKENS).map(([id, token]) => ({ id, token })),
    },
    {},
  );
}

function hello(edgeId: EdgeName, ...cameras: string[]): EdgeHello {
  return { edgeId, version: 'test-1', cameras: cameras.map((id) => ({ id, name: `Camera ${id}`, rules: ['helmet'] })) };
}

function eventMessage(over: Partial<EventMessage> & Pick<EventMessage, 'id' | 'seq' | 'phase' | 'cameraId'>): EventMessage {
  const startedAt = over.startedAt ?? 1_700_000_000_000;
  return {
    edgeId: 'edge-1',
    ruleId: 'helmet-rule',
    type: 'helmet',
    severity: 1,
    label: 'head',
    topScore: 0.5 + over.seq / 10,
    startedAt,
    at: startedAt + over.seq * 1000,
    detections: [{ label: 'head', score: 0.5 + over.seq / 10, box: { x: 0.2, y: 0.2, w: 0.1, h: 0.2 }, trackId: 7 }],
    ...over,
  };
}

function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? listFiles(full) : [full];
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('edge ingest over socket.io', () => {
  const tmp = tempDir('cloud-ingest');
  const jpeg = readFileSync(path.join(testMediaDir(), 'images', 'construction_ppe_0665.jpg'));
  const jpegSha = createHash('sha256').update(jpeg).digest('hex');
  let cloud: CloudUnderTest;
  let viewer: Inbox;
  let edge1: Socket;
  let edge2: Socket;

  beforeAll(async () => {
    cloud = await CloudUnderTest.start(cloudConfig(path.join(tmp.dir, 'a')));
    viewer = await cloud.viewer();
  });

  afterAll(async () => {
    await cloud?.close();
    tmp.remove();
  });

  it('refuses edges with a wrong token, an unknown id or no credentials', async () => {
    for (const auth of [{ edgeId: 'edge-1', token: 'wrong-token-0123456789' }, { edgeId: 'edge-9', token: TOKENS['edge-1'] }, {}, undefined]) {
      const { socket, error } = await cloud.edge(auth);
      expect(socket.connected).toBe(false);
      expect(error?.data).toMatchObject({ code: 'UNAUTHORIZED' });
    }
  });

  it('refuses a revoked edge', async () => {
    const { repos } = cloud.app.mingliang;
    repos.edges.seedFromConfig([{ id: 'edge-tmp', token: 'temporary-edge-token-0123456789' }, ...Object.entries(TOKENS).map(([id, token]) => ({ id, token }))], Date.now());
    const ok = await cloud.edge({ edgeId: 'edge-tmp', token: 'temporary-edge-token-0123456789' });
    expect(ok.error).toBeUndefined();
    ok.socket.disconnect();
    expect(repos.edges.revoke('edge-tmp', Date.now())).toBe(true);
    const refused = await cloud.edge({ edgeId: 'edge-tmp', token: 'temporary-edge-token-0123456789' });
    expect(refused.error?.data).toMatchObject({ code: 'UNAUTHORIZED' });
  });

  it('answers NOT_READY to messages before hello, then accepts the hello', async () => {
    edge1 = await cloud.connectedEdge('edge-1');
    const early = await send(edge1, 'event', eventMessage({ id: uuidv7(), seq: 0, phase: 'start', cameraId: 'cam-1' }));
    expect(early).toMatchObject({ ok: false, error: { code: 'NOT_READY' } });
    expect(await send(edge1, 'hello', hello('edge-1', 'cam-1', 'cam-2'))).toEqual({ ok: true });
    const cameras = (await (await cloud.get('/api/cameras')).json()) as { items: CameraItem[] };
    expect(cameras.items.map((c) => [c.id, c.edgeId, c.name])).toEqual([
      ['cam-1', 'edge-1', 'Camera cam-1'],
      ['cam-2', 'edge-1', 'Camera cam-2'],
    ]);
  });

  it('stores evidence by sha256 idempotently and serves it byte-identical through the event', async () => {
    const first = await cloud.upload(jpegSha, jpeg);
    expect(first.status).toBe(201);
    expect(await first.json()).toEqual({ ok: true, sha256: jpegSha, stored: true });
    const again = await cloud.upload(jpegSha, jpeg);
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ ok: true, sha256: jpegSha, stored: false });
    const onDisk = path.join(cloud.app.mingliang.dataDir, 'evidence', jpegSha.slice(0, 2), jpegSha);
    expect(readFileSync(onDisk).equals(jpeg)).toBe(true);
  });

  it('delivers start, update and end of an event to a live viewer and to GET /api/events', async () => {
    const id = uuidv7();
    const snapshot = { sha256: jpegSha, contentType: 'image/jpeg' as const, size: jpeg.length, width: 640, height: 427 };
    const before = viewer.events.length;
    expect(await send(edge1, 'event', eventMessage({ id, seq: 0, phase: 'start', cameraId: 'cam-1', snapshot }))).toEqual({ ok: true });
    // Stored (committed) before the ack: readable at once.
    expect((await cloud.events()).find((e) => e.id === id)?.phase).toBe('start');
    expect(await send(edge1, 'event', eventMessage({ id, seq: 1, phase: 'update', cameraId: 'cam-1' }))).toEqual({ ok: true });
    const end = eventMessage({ id, seq: 2, phase: 'end', cameraId: 'cam-1', endedAt: 1_700_000_002_500, endReason: 'cleared' });
    expect(await send(edge1, 'event', end)).toEqual({ ok: true });

    const pushed = await waitFor('three pushes', () => {
      const mine = viewer.events.slice(before).filter((e) => e.id === id);
      return mine.length >= 3 ? mine : undefined;
    }, 5000);
    expect(pushed.map((e) => e.phase)).toEqual(['start', 'update', 'end']);
    const expected: EventItem = {
      id,
      edgeId: 'edge-1',
      cameraId: 'cam-1',
      ruleId: 'helmet-rule',
      type: 'helmet',
      severity: 1,
      label: 'head',
      topScore: 0.7,
      phase: 'end',
      startedAt: 1_700_000_000_000,
      updatedAt: 1_700_000_002_000,
      endedAt: 1_700_000_002_500,
      endReason: 'cleared',
      detections: end.detections,
      // The update and end carried no snapshot: the one from the start is kept.
      snapshotUrl: `/api/events/${id}/snapshot`,
      thumbnailUrl: null,
      clipUrl: null,
      clip: null,
      zoneId: null,
      name: null,
    };
    expect(pushed[2]).toEqual(expected);
    expect((await cloud.events()).filter((e) => e.id === id)).toEqual([expected]);

    const snap = await cloud.get(expected.snapshotUrl ?? '');
    expect(snap.status).toBe(200);
    expect(snap.headers.get('content-type')).toBe('image/jpeg');
    expect(Buffer.from(await snap.arrayBuffer()).equals(jpeg)).toBe(true);
  });

  it('acks a replayed message ok and stores it once, without pushing it again', async () => {
    const id = uuidv7();
    const start = eventMessage({ id, seq: 0, phase: 'start', cameraId: 'cam-2' });
    expect(await send(edge1, 'event', start)).toEqual({ ok: true });
    await waitFor('the push', () => viewer.events.find((e) => e.id === id), 5000);
    const stored = (await cloud.events()).find((e) => e.id === id);
    // A replay of the same seq, even with different content, must change nothing.
    expect(await send(edge1, 'event', start)).toEqual({ ok: true });
    expect(await send(edge1, 'event', { ...start, label: 'changed' })).toEqual({ ok: true });
    const after = await cloud.events();
    expect(after.filter((e) => e.id === id)).toEqual([stored]);
    // A later message's push would arrive after the replays' pushes would have: use it as a barrier.
    const barrier = uuidv7();
    expect(await send(edge1, 'event', eventMessage({ id: barrier, seq: 0, phase: 'start', cameraId: 'cam-2' }))).toEqual({ ok: true });
    await waitFor('barrier push', () => viewer.events.find((e) => e.id === barrier), 5000);
    expect(viewer.events.filter((e) => e.id === id)).toHaveLength(1);
  });

  it('does not let an older seq arriving late overwrite a newer state', async () => {
    const id = uuidv7();
    expect(await send(edge1, 'event', eventMessage({ id, seq: 0, phase: 'start', cameraId: 'cam-1' }))).toEqual({ ok: true });
    const end = eventMessage({ id, seq: 2, phase: 'end', cameraId: 'cam-1', endedAt: 1_700_000_003_000, endReason: 'cleared' });
    expect(await send(edge1, 'event', end)).toEqual({ ok: true });
    expect(await send(edge1, 'event', eventMessage({ id, seq: 1, phase: 'update', cameraId: 'cam-1' }))).toEqual({ ok: true });
    const res = await cloud.get(`/api/events/${id}`);
    expect(await res.json()).toMatchObject({ phase: 'end', updatedAt: end.at, endedAt: 1_700_000_003_000, topScore: 0.7 });
  });

  it('refuses schema-violating messages with BAD_MESSAGE naming the paths, and stores nothing', async () => {
    const id = uuidv7();
    const bad = { ...eventMessage({ id, seq: 0, phase: 'start', cameraId: 'cam-1' }), topScore: 1.5, colour: 'red' };
    const ack = await send(edge1, 'event', bad);
    expect(ack).toMatchObject({ ok: false, error: { code: 'BAD_MESSAGE' } });
    if (!ack.ok) expect(ack.error.message).toMatch(/\/topScore/);
    expect((await cloud.get(`/api/events/${id}`)).status).toBe(404);

    for (const payload of ['a string', 42, null, [], { id }]) {
      expect(await send(edge1, 'event', payload), JSON.stringify(payload)).toMatchObject({ ok: false, error: { code: 'BAD_MESSAGE' } });
    }
    expect(await send(edge1, 'event')).toMatchObject({ ok: false, error: { code: 'BAD_MESSAGE' } });
    expect(await send(edge1, 'heartbeat', { edgeId: 'edge-1' })).toMatchObject({ ok: false, error: { code: 'BAD_MESSAGE' } });
    expect(await send(edge1, 'hello', { edgeId: 'edge-1', cameras: 'all' })).toMatchObject({ ok: false, error: { code: 'BAD_MESSAGE' } });

    // Without an ack callback nothing can be answered, but nothing may break either.
    edge1.emit('event', 'no ack here');
    edge1.emit('event', eventMessage({ id, seq: 0, phase: 'start', cameraId: 'cam-1' }));
    edge1.emit('unknown-event', { x: 1 });
    const stillServing = await send(edge1, 'event', eventMessage({ id: uuidv7(), seq: 0, phase: 'start', cameraId: 'cam-1' }));
    expect(stillServing).toEqual({ ok: true });
    expect(edge1.connected).toBe(true);
    // The valid message sent without an ack was still stored (acks are for the sender, not for storage).
    expect((await cloud.get(`/api/events/${id}`)).status).toBe(200);
  });

  it("refuses events for another edge's camera, and a hello claiming another edge's camera", async () => {
    edge2 = await cloud.connectedEdge('edge-2');
    expect(await send(edge2, 'hello', hello('edge-2', 'cam-b'))).toEqual({ ok: true });

    const id = uuidv7();
    const foreign = await send(edge1, 'event', eventMessage({ id, seq: 0, phase: 'start', cameraId: 'cam-b' }));
    expect(foreign).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    // An edge cannot pose as another one either.
    const posing = await send(edge1, 'event', eventMessage({ id, seq: 0, phase: 'start', cameraId: 'cam-b', edgeId: 'edge-2' }));
    expect(posing).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    const unknownCamera = await send(edge1, 'event', eventMessage({ id, seq: 0, phase: 'start', cameraId: 'cam-nowhere' }));
    expect(unknownCamera).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect((await cloud.get(`/api/events/${id}`)).status).toBe(404);

    const conflict = await send(edge2, 'hello', hello('edge-2', 'cam-b', 'cam-1'));
    expect(conflict).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });
    const cameras = (await (await cloud.get('/api/cameras')).json()) as { items: CameraItem[] };
    expect(cameras.items.find((c) => c.id === 'cam-1')?.edgeId).toBe('edge-1');
  });

  it('applies heartbeats to camera state and pushes the change to viewers', async () => {
    const hb: Heartbeat = {
      edgeId: 'edge-1',
      at: Date.now(),
      backlog: 0,
      cameras: [{ cameraId: 'cam-1', state: 'streaming', since: 1_700_000_000_000, captureFps: 12, analysedFps: 5, droppedFrames: 3, restarts: 0 }],
    };
    expect(await send(edge1, 'heartbeat', hb)).toEqual({ ok: true });
    const pushed = await waitFor('camera push', () => viewer.cameras.find((c) => c.id === 'cam-1' && c.state === 'streaming'), 5000);
    expect(pushed).toMatchObject({ edgeId: 'edge-1', stateSince: 1_700_000_000_000 });
    expect(pushed.lastSeenAt).toBeGreaterThan(0);
    const foreign = { ...hb, cameras: [{ ...hb.cameras[0], cameraId: 'cam-b' }] };
    expect(await send(edge1, 'heartbeat', foreign)).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
  });

  it('marks the cameras of an edge offline when its last connection closes', async () => {
    const second = await cloud.connectedEdge('edge-1');
    expect(await send(second, 'hello', hello('edge-1', 'cam-1', 'cam-2'))).toEqual({ ok: true });
    second.disconnect();
    await sleep(200);
    // edge1 is still connected: nothing goes offline.
    expect(viewer.cameras.some((c) => c.id === 'cam-1' && c.state === 'offline')).toBe(false);
    edge1.disconnect();
    const offline = await waitFor('offline push', () => viewer.cameras.find((c) => c.id === 'cam-1' && c.state === 'offline'), 5000);
    expect(offline.edgeId).toBe('edge-1');
    edge1 = await cloud.connectedEdge('edge-1');
    expect(await send(edge1, 'hello', hello('edge-1', 'cam-1', 'cam-2'))).toEqual({ ok: true });
  });

  it('refuses evidence with a wrong sha256 and leaves no file behind', async () => {
    const evidenceDir = path.join(cloud.app.mingliang.dataDir, 'evidence');
    const filesBefore = listFiles(evidenceDir);
    const wrongSha = createHash('sha256').update('something else').digest('hex');
    const res = await cloud.upload(wrongSha, jpeg);
    expect(res.status).toBe(400);
    expect(((await res.json()) as ErrorReply).error.code).toBe('EVIDENCE_MISMATCH');
    expect(listFiles(evidenceDir)).toEqual(filesBefore);
    expect(existsSync(path.join(evidenceDir, wrongSha.slice(0, 2), wrongSha))).toBe(false);
    expect(cloud.app.mingliang.repos.evidence.get(wrongSha)).toBeUndefined();

    const noAuth = await fetch(`${cloud.base}${EVIDENCE_UPLOAD_PATH}/${jpegSha}`, {
      method: 'PUT',
      headers: { 'content-type': 'image/jpeg' },
      body: new Uint8Array(jpeg),
    });
    expect(noAuth.status).toBe(401);
    const wrongToken = await cloud.upload(jpegSha, jpeg, 'edge-1', TOKENS['edge-2']);
    expect(wrongToken.status).toBe(401);
    const badName = await cloud.upload('not-a-sha', jpeg);
    expect(badName.status).toBe(400);
    expect(listFiles(evidenceDir)).toEqual(filesBefore);
  });

  it('keeps nothing of an upload broken off midway, and refuses an oversized one before reading it', async () => {
    const evidenceDir = path.join(cloud.app.mingliang.dataDir, 'evidence');
    const filesBefore = listFiles(evidenceDir);
    const big = Buffer.alloc(4 * 1024 * 1024, 7);
    const bigSha = createHash('sha256').update(big).digest('hex');
    const { port } = cloud.app.server.address() as AddressInfo;
    const req = httpRequest({
      host: '127.0.0.1',
      port,
      method: 'PUT',
      path: `${EVIDENCE_UPLOAD_PATH}/${bigSha}`,
      headers: {
        authorization: `Bearer ${TOKENS['edge-1']}`,
        'x-edge-id': 'edge-1',
        'content-type': 'video/mp4',
        'content-length': String(big.length),
      },
    });
    req.on('error', () => undefined); // the abort below is the point of this test
    req.write(big.subarray(0, big.length / 2));
    // Let the server start writing the temporary file before the connection breaks.
    await waitFor('a temporary file', () => (listFiles(path.join(evidenceDir, 'tmp')).length > 0 ? true : undefined), 5000, 10);
    req.destroy();
    await waitFor('the temporary file to go', () => (listFiles(path.join(evidenceDir, 'tmp')).length === 0 ? true : undefined), 5000, 20);
    expect(listFiles(evidenceDir)).toEqual(filesBefore);
    expect(cloud.app.mingliang.repos.evidence.get(bigSha)).toBeUndefined();

    const tooBig = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const r = httpRequest(
        {
          host: '127.0.0.1',
          port,
          method: 'PUT',
          path: `${EVIDENCE_UPLOAD_PATH}/${bigSha}`,
          headers: {
            authorization: `Bearer ${TOKENS['edge-1']}`,
            'x-edge-id': 'edge-1',
            'content-type': 'video/mp4',
            'content-length': String(cloud.config.evidence.maxBytes + 1),
          },
        },
        (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      r.on('error', reject);
      r.flushHeaders();
    });
    // Answered without waiting for 64 MiB that never came: the cloud read none of it.
    expect(tooBig.status).toBe(413);
    expect((JSON.parse(tooBig.body) as ErrorReply).error.code).toBe('PAYLOAD_TOO_LARGE');
    expect(listFiles(evidenceDir)).toEqual(filesBefore);
  });

  it('runs two apps in one process without them seeing each other', async () => {
    const other = await CloudUnderTest.start(cloudConfig(path.join(tmp.dir, 'b')));
    try {
      const otherViewer = await other.viewer();
      const otherEdge = await other.connectedEdge('edge-1');
      expect(await send(otherEdge, 'hello', hello('edge-1', 'cam-1'))).toEqual({ ok: true });
      const idB = uuidv7();
      expect(await send(otherEdge, 'event', eventMessage({ id: idB, seq: 0, phase: 'start', cameraId: 'cam-1' }))).toEqual({ ok: true });
      await waitFor('push in B', () => otherViewer.events.find((e) => e.id === idB), 5000);

      const idA = uuidv7();
      expect(await send(edge1, 'event', eventMessage({ id: idA, seq: 0, phase: 'start', cameraId: 'cam-1' }))).toEqual({ ok: true });
      await waitFor('push in A', () => viewer.events.find((e) => e.id === idA), 5000);

      expect(viewer.events.some((e) => e.id === idB)).toBe(false);
      expect(otherViewer.events.some((e) => e.id === idA)).toBe(false);
      expect((await other.events()).map((e) => e.id)).toEqual([idB]);
      expect((await cloud.events()).some((e) => e.id === idB)).toBe(false);
      // Separate generated JWT secrets: a token of one cloud means nothing to the other.
      const cross = await fetch(`${other.base}/api/events`, { headers: { authorization: `Bearer ${cloud.userToken}` } });
      expect(cross.status).toBe(401);
    } finally {
      await other.close();
    }
    // Closing B left A working.
    expect(await send(edge1, 'event', eventMessage({ id: uuidv7(), seq: 0, phase: 'start', cameraId: 'cam-1' }))).toEqual({ ok: true });
  });

  it('keeps events, evidence, users and tokens across a restart on the same data directory', async () => {
    const dataDir = path.join(tmp.dir, 'restart');
    const config = parseCloudConfig({ server: { port: 0 }, dataDir, edges: [{ id: 'edge-1', token: TOKENS['edge-1'] }] }, {});
    const firstApp = await buildApp(config);
    const password = firstApp.mingliang.initialAdminPassword;
    await firstApp.close();
    expect(password).toMatch(/^[A-Za-z0-9_-]{20,}$/);

    const first = await CloudUnderTest.start(config, password ?? '');
    const id = uuidv7();
    let userToken: string;
    try {
      const edge = await first.connectedEdge('edge-1');
      expect(await send(edge, 'hello', hello('edge-1', 'cam-1'))).toEqual({ ok: true });
      expect((await first.upload(jpegSha, jpeg)).status).toBe(201);
      const snapshot = { sha256: jpegSha, contentType: 'image/jpeg' as const, size: jpeg.length, width: 640, height: 427 };
      expect(await send(edge, 'event', eventMessage({ id, seq: 0, phase: 'start', cameraId: 'cam-1', snapshot }))).toEqual({ ok: true });
      userToken = first.userToken;
      expect(first.app.mingliang.initialAdminPassword).toBeNull();
    } finally {
      await first.close();
    }

    const second = await CloudUnderTest.start(config, password ?? '');
    try {
      expect(second.app.mingliang.initialAdminPassword).toBeNull();
      const res = await fetch(`${second.base}/api/events/${id}`, { headers: { authorization: `Bearer ${userToken}` } });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ id, cameraId: 'cam-1', phase: 'start' });
      const snap = await second.get(`/api/events/${id}/snapshot`);
      expect(Buffer.from(await snap.arrayBuffer()).equals(jpeg)).toBe(true);
    } finally {
      await second.close();
    }
  });
});
