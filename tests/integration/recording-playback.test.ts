import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { io } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../cloud/src/app.js';
import { EDGE_NAMESPACE, type Ack, type ErrorReply, type RecordingListing, type RecordingRequestItem } from '../../protocol/index.js';
import { startCameraSimulator, type CameraSimulator } from '../../streams/simulator.js';
import { probeMedia, RecordingEdge } from '../support/archive-edge.js';
import { testCloudConfig } from '../support/cloud-under-test.js';
import { tempDir, testLogger, testMediaDir, waitFor } from '../support/harness.js';

// A real RTSP camera (1 s GOP, 12 fps), a real recorder on the edge side, a real cloud.
const CLIP = 'videos/intel-person-bicycle-car-gop1s-noaudio.ts';
const HAVE_FOOTAGE = existsSync(path.join(testMediaDir(), CLIP));
const GOP_S = 1;
/** Keyframes arrive over TCP with some jitter (see recorder-clip.test.ts). */
const JITTER_MS = 250;
const EDGE_ID = 'edge-rec';
const EDGE_TOKEN = randomBytes(24).toString('base64url');
const ADMIN_PASSWORD = 'recording-admin-password';

describe.skipIf(!HAVE_FOOTAGE)('recording playback: camera → edge segments → cloud range request → MP4 with HTTP Range', () => {
  const tmp = tempDir('playback');
  const logger = testLogger('playback');
  let sim: CameraSimulator;
  let app: FastifyInstance;
  let edge: RecordingEdge;
  let base = '';
  let token = '';
  let firstAt = 0;

  const api = async <T>(method: string, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: T; headers: Headers }> => {
    const res = await fetch(`${base}${url}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T, headers: res.headers };
  };

  /** Asks for a range and waits until the request is no longer pending. */
  const fetchRange = async (cameraId: string, from: number, to: number): Promise<RecordingRequestItem> => {
    const created = await api<RecordingRequestItem>('POST', `/api/cameras/${cameraId}/recordings/requests`, { from, to });
    expect(created.status, JSON.stringify(created.body)).toBe(202);
    expect(created.body).toMatchObject({ state: 'pending', cameraId, from, to, url: null });
    return waitFor(
      'the recording request to settle',
      async () => {
        const r = await api<RecordingRequestItem>('GET', `/api/recordings/requests/${created.body.id}`);
        return r.body.state === 'pending' ? undefined : r.body;
      },
      60_000,
      200,
    );
  };

  /** Downloads a ready request's file into the temp dir and returns its path. */
  const download = async (item: RecordingRequestItem): Promise<string> => {
    const res = await fetch(`${base}${item.url}`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^video\/mp4/);
    expect(res.headers.get('accept-ranges')).toBe('bytes');
    const file = path.join(tmp.dir, `${item.id}.mp4`);
    const bytes = Buffer.from(await res.arrayBuffer());
    expect(bytes.length).toBe(item.size);
    writeFileSync(file, bytes);
    return file;
  };

  beforeAll(async () => {
    sim = await startCameraSimulator({ cameras: [{ name: 'lot', clip: CLIP }], logger: testLogger('streams') });
    // A built viewer (one file is enough): the static plugin it brings must not clash with the archive's.
    const webRoot = path.join(tmp.dir, 'web');
    mkdirSync(webRoot, { recursive: true });
    writeFileSync(path.join(webRoot, 'index.html'), '<!doctype html><title>viewer</title>');
    const config = testCloudConfig(path.join(tmp.dir, 'cloud'), ADMIN_PASSWORD, {
      edges: [
        { id: EDGE_ID, token: EDGE_TOKEN },
        { id: 'edge-away', token: 'edge-away-token-0123456789' },
      ],
      archive: { maxRangeSeconds: 120 },
    });
    app = await buildApp(config, { webRoot });
    await app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    const login = await fetch(`${base}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
    });
    token = ((await login.json()) as { token: string }).token;

    edge = new RecordingEdge(EDGE_ID, EDGE_TOKEN, base, [{ id: 'lot', url: sim.urls.lot ?? '' }], path.join(tmp.dir, 'edge'), logger);
    await edge.start();
    await waitFor('the edge hello', () => (app.repos.cameras.ownerOf('lot') === EDGE_ID ? true : undefined), 20_000);
    await waitFor('the first segment', () => edge.recorder('lot').stats().oldestAt, 60_000, 100);
    firstAt = edge.recorder('lot').stats().oldestAt ?? 0;
    // Eight seconds of footage: enough for a 5 s range inside and one reaching before the start.
    await edge.recordedUntil('lot', firstAt + 8000);
  }, 120_000);

  afterAll(async () => {
    await edge?.stop();
    await app?.close();
    await sim?.stop();
    tmp.remove();
  }, 60_000);

  it('plays back a recorded range: an MP4 of the range (± a GOP) with a video stream, no gaps', async () => {
    const from = firstAt + 2000;
    const to = firstAt + 7000;
    const item = await fetchRange('lot', from, to);
    expect(item.state, item.error ?? '').toBe('ready');
    expect(item.progress).toBe(1);
    expect(item.gaps).toEqual([]);
    expect(item.url).toBe(`/api/recordings/requests/${item.id}/file`);
    // The file starts at the keyframe at or before `from` (its time estimated from the file's duration).
    expect(item.startAt).toBeLessThanOrEqual(from + JITTER_MS);
    expect(item.startAt).toBeGreaterThanOrEqual(from - GOP_S * 1000 - JITTER_MS);
    const file = await download(item);
    const probe = await probeMedia(file);
    process.stdout.write(`[playback] asked ${(to - from) / 1000} s, got ${probe.durationS.toFixed(2)} s, ${item.size} bytes\n`);
    expect(probe.formatName).toContain('mp4');
    expect(probe.video).toEqual({ codec: 'h264', width: 768, height: 432 });
    expect(Math.abs(probe.durationS - (to - from) / 1000)).toBeLessThanOrEqual(GOP_S + 0.3);

    // A <video> seeks with Range requests: 206 with the asked bytes.
    const res = await fetch(`${base}${item.url}`, { headers: { authorization: `Bearer ${token}`, range: 'bytes=100-299' } });
    expect(res.status).toBe(206);
    expect(res.headers.get('content-range')).toBe(`bytes 100-299/${item.size}`);
    expect((await res.arrayBuffer()).byteLength).toBe(200);
    // The playback's start is audited once, a seek is not.
    expect(app.repos.audit.query({ action: 'evidence.download', targetId: item.id, limit: 50 })).toHaveLength(1);
    expect(app.repos.audit.query({ action: 'footage.request', targetId: 'lot', limit: 50 }).length).toBeGreaterThanOrEqual(1);
  });

  it('reports the part of a range before recording started as a gap, and plays what exists', async () => {
    const from = firstAt - 5000;
    const to = firstAt + 3000;
    const item = await fetchRange('lot', from, to);
    expect(item.state, item.error ?? '').toBe('ready');
    expect(item.gaps).toHaveLength(1);
    expect(item.gaps[0]?.from).toBe(from);
    expect(item.gaps[0]?.to).toBe(firstAt);
    const probe = await probeMedia(await download(item));
    expect(Math.abs(probe.durationS - 3)).toBeLessThanOrEqual(GOP_S + 0.3);
  });

  it('fails a range with no recording at all, naming the whole range as the gap', async () => {
    const item = await fetchRange('lot', firstAt - 60_000, firstAt - 30_000);
    expect(item.state).toBe('failed');
    expect(item.error).toMatch(/NOT_FOUND: nothing of camera lot is recorded/);
    expect(item.gaps).toEqual([{ from: firstAt - 60_000, to: firstAt - 30_000 }]);
    expect(item.url).toBeNull();
    const file = await fetch(`${base}/api/recordings/requests/${item.id}/file`, { headers: { authorization: `Bearer ${token}` } });
    expect(file.status).toBe(404);
  });

  it('lists what the edge has: segments and gaps', async () => {
    const from = firstAt - 4000;
    const to = firstAt + 6000;
    const res = await api<RecordingListing>('GET', `/api/cameras/lot/recordings?from=${from}&to=${to}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.mode).toBe('continuous');
    expect(res.body.segments.length).toBeGreaterThanOrEqual(5);
    expect(res.body.segments[0]?.startAt).toBe(firstAt);
    expect(res.body.gaps[0]).toEqual({ from, to: firstAt });
    expect(res.body.oldestAt).toBe(firstAt);
  });

  it('refuses bad ranges, unknown cameras and cameras whose edge is offline, storing nothing', async () => {
    const tooLong = await api<ErrorReply>('POST', '/api/cameras/lot/recordings/requests', { from: firstAt, to: firstAt + 121_000 });
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.error.message).toMatch(/longer than 120 s/);
    const reversed = await api<ErrorReply>('POST', '/api/cameras/lot/recordings/requests', { from: firstAt + 10, to: firstAt });
    expect(reversed.status).toBe(400);
    const unknown = await api<ErrorReply>('POST', '/api/cameras/nope/recordings/requests', { from: firstAt, to: firstAt + 1000 });
    expect(unknown.status).toBe(404);

    // A camera whose edge said hello once and is gone now.
    const away = io(`${base}${EDGE_NAMESPACE}`, { auth: { edgeId: 'edge-away', token: 'edge-away-token-0123456789' }, transports: ['websocket'], forceNew: true, reconnection: false });
    await new Promise<void>((resolve, reject) => {
      away.once('connect', () => resolve());
      away.once('connect_error', reject);
    });
    const hello = (await away.timeout(5000).emitWithAck('hello', { edgeId: 'edge-away', version: 't', cameras: [{ id: 'far', name: 'Far', rules: [] }] })) as Ack;
    expect(hello).toEqual({ ok: true });
    away.disconnect();
    await waitFor('the edge to be seen offline', async () => {
      const r = await api<ErrorReply>('POST', '/api/cameras/far/recordings/requests', { from: firstAt, to: firstAt + 1000 });
      return r.status === 503 ? r : undefined;
    }, 10_000).then((r) => {
      expect(r.body.error.code).toBe('NOT_READY');
      expect(r.body.error.message).toMatch(/edge-away is offline/);
    });
    const listing = await api<ErrorReply>('GET', `/api/cameras/far/recordings?from=${firstAt}&to=${firstAt + 1000}`);
    expect(listing.status).toBe(503);
    const count = app.db.prepare("SELECT count(*) AS n FROM recording_requests WHERE camera_id = 'far'").get() as { n: number };
    expect(count.n).toBe(0);
    const anonymous = await fetch(`${base}/api/cameras/lot/recordings?from=${firstAt}&to=${firstAt + 1000}`);
    expect(anonymous.status).toBe(401);
  });
});
