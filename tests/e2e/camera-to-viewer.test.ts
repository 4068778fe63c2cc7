import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';
import { v7 as uuidv7 } from 'uuid';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../cloud/src/app.js';
import { parseCloudConfig } from '../../cloud/src/config.js';
import { parseEdgeConfig } from '../../edge/src/config.js';
import { startEdgeNode, type EdgeNode } from '../../edge/src/edge-node.js';
import {
  EDGE_NAMESPACE,
  VIEWER_NAMESPACE,
  type Ack,
  type CloudToViewerEvents,
  type EventItem,
  type EdgeListResponse,
  type EventListResponse,
  type ViewerToCloudEvents,
} from '../../protocol/index.js';
import { startCameraSimulator, type CameraSimulator } from '../../streams/simulator.js';
import { tempDir, testLogger, testModelsDir, waitFor } from '../support/harness.js';

/**
 * The foundation path with every part real: GStreamer RTSP camera serving the Intel parking-lot clip →
 * ffmpeg → YOLOX-Nano → presence rule → snapshot → SQLite outbox → socket.io → cloud (SQLite) → viewer.
 */
describe('RTSP camera to browser alert', () => {
  const tmp = tempDir('e2e');
  const token = randomBytes(24).toString('base64url');
  let sim: CameraSimulator;
  let app: FastifyInstance;
  let edge: EdgeNode;
  let base: string;
  let viewer: Socket<CloudToViewerEvents, ViewerToCloudEvents>;
  const received: EventItem[] = [];

  beforeAll(async () => {
    sim = await startCameraSimulator({ cameras: [{ name: 'street-1', clip: 'videos/intel-person-bicycle-car-gop1s-noaudio.ts' }], logger: testLogger('streams') });
    const cloudCfg = parseCloudConfig({ server: { port: 0 }, dataDir: `${tmp.dir}/cloud`, auth: { admin: { password: 'e2e-admin-pw' } }, edges: [{ id: 'edge-e2e', token }] }, {});
    app = await buildApp(cloudCfg);
    await app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;

    const login = await fetch(`${base}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: 'e2e-admin-pw' }),
    });
    expect(login.status).toBe(200);
    const { token: jwt } = (await login.json()) as { token: string };
    viewer = io(`${base}${VIEWER_NAMESPACE}`, { auth: { token: jwt }, transports: ['websocket'] });
    viewer.on('event', (item) => received.push(item));
    await waitFor('viewer connection', () => (viewer.connected ? true : undefined), 10_000);

    const edgeCfg = parseEdgeConfig(
      {
        edgeId: 'edge-e2e',
        dataDir: `${tmp.dir}/edge`,
        cloud: { url: base, token, heartbeatIntervalMs: 1000 },
        models: { dir: testModelsDir(), intraOpThreads: 2 },
        cameras: [
          {
            id: 'street-1',
            name: 'Parking lot',
            url: sim.urls['street-1'],
            detect: { width: 768, height: 432, fps: 5 },
            models: ['coco-yolox-nano'],
            rules: [{ id: 'person-present', type: 'presence', classes: ['person'], minScore: 0.5, enterFrames: 3, exitFrames: 5 }],
          },
        ],
      },
      'e2e',
      { env: {} },
    );
    edge = await startEdgeNode(edgeCfg, testLogger('edge'));
  }, 90_000);

  afterAll(async () => {
    viewer?.disconnect();
    await edge?.stop();
    await app?.close();
    await sim?.stop();
    tmp.remove();
  }, 60_000);

  it('delivers a person event with a valid JPEG snapshot to a live viewer and to GET /api/events', async () => {
    // The pedestrian enters the clip about 20 s in; the clip loops every 38 s.
    const alert = await waitFor('a person alert with a snapshot', () => received.find((e) => e.label === 'person' && e.snapshotUrl), 75_000);
    expect(alert).toMatchObject({ cameraId: 'street-1', edgeId: 'edge-e2e', type: 'presence', ruleId: 'person-present' });
    expect(alert.topScore).toBeGreaterThanOrEqual(0.5);
    expect(alert.detections.some((d) => d.label === 'person')).toBe(true);

    const { token: jwt } = (await (
      await fetch(`${base}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: 'e2e-admin-pw' }) })
    ).json()) as { token: string };
    const auth = { authorization: `Bearer ${jwt}` };

    const snap = await fetch(`${base}${alert.snapshotUrl}`, { headers: auth });
    expect(snap.status).toBe(200);
    expect(snap.headers.get('content-type')).toMatch(/^image\/jpeg/);
    const meta = await sharp(Buffer.from(await snap.arrayBuffer())).metadata();
    expect(meta).toMatchObject({ format: 'jpeg', width: 768, height: 432 });

    const list = (await (await fetch(`${base}/api/events?cameraId=street-1&limit=10`, { headers: auth })).json()) as EventListResponse;
    const stored = list.items.find((i) => i.id === alert.id);
    expect(stored).toMatchObject({ cameraId: 'street-1', type: 'presence', label: 'person' });
    expect(stored?.startedAt).toBe(alert.startedAt);
    expect(edge.pipeline.status()[0]).toMatchObject({ cameraId: 'street-1', state: 'streaming' });

    // The edge's heartbeats tell the cloud how its store-and-forward queue is doing.
    const edges = (await (await fetch(`${base}/api/edges`, { headers: auth })).json()) as EdgeListResponse;
    const mine = edges.items.find((e) => e.id === 'edge-e2e');
    expect(mine).toMatchObject({ connected: true, outbox: { backlog: expect.any(Number), droppedFiles: 0, rejected: 0 } });
  }, 90_000);

  it('refuses a schema-violating event from an edge with an error ack and stores nothing', async () => {
    const rogue = io(`${base}${EDGE_NAMESPACE}`, { auth: { edgeId: 'edge-e2e', token }, transports: ['websocket'], forceNew: true });
    try {
      await waitFor('edge connection', () => (rogue.connected ? true : undefined), 10_000);
      const hello = (await rogue.timeout(5000).emitWithAck('hello', { edgeId: 'edge-e2e', version: 't', cameras: [{ id: 'street-1', name: 'Parking lot', rules: [] }] })) as Ack;
      expect(hello).toEqual({ ok: true });
      // Everything right but one field, so a store that skipped validation would keep it under this id.
      const id = uuidv7();
      const now = Date.now();
      const bad = { id, seq: 0, phase: 'start', edgeId: 'edge-e2e', cameraId: 'street-1', ruleId: 'r', type: 'presence', severity: 2, label: 'person', topScore: 0.9, startedAt: now, at: now, detections: 'lots' };
      const ack = (await rogue.timeout(5000).emitWithAck('event', bad)) as Ack;
      expect(ack.ok).toBe(false);
      if (!ack.ok) expect(ack.error.code).toBe('BAD_MESSAGE');
      const { token: jwt } = (await (
        await fetch(`${base}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: 'e2e-admin-pw' }) })
      ).json()) as { token: string };
      const res = await fetch(`${base}/api/events/${id}`, { headers: { authorization: `Bearer ${jwt}` } });
      expect(res.status).toBe(404);
    } finally {
      rogue.disconnect();
    }
  }, 30_000);
});
