import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import type { Socket } from 'socket.io-client';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ZipFile } from 'yazl';
import type { ErrorReply, EventMessage, ExportItem } from '../../protocol/index.js';
import { startCameraSimulator, type CameraSimulator } from '../../streams/simulator.js';
import { probeMedia, RecordingEdge } from '../support/archive-edge.js';
import { CloudUnderTest, eventMessage, send, testCloudConfig } from '../support/cloud-under-test.js';
import { readZip, verifyExport } from '../support/export-verify.js';
import { tempDir, testLogger, testMediaDir, waitFor } from '../support/harness.js';

const execFileP = promisify(execFile);
const CLIP = 'videos/intel-person-bicycle-car-gop1s-noaudio.ts';
const HAVE_FOOTAGE = existsSync(path.join(testMediaDir(), CLIP));
const EDGE_ID = 'edge-exp';
const EDGE_TOKEN = randomBytes(24).toString('base64url');
const OTHER_EDGE = 'edge-other';
const OTHER_TOKEN = randomBytes(24).toString('base64url');
const ADMIN_PASSWORD = 'export-admin-password';
const USER_PASSWORD = 'export-user-password';

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/** Re-zips `entries` (e.g. after tampering with one) with yazl, as any zip tool could. */
async function writeZip(file: string, entries: ReadonlyMap<string, Buffer>): Promise<void> {
  const zip = new ZipFile();
  for (const [name, data] of entries) zip.addBuffer(data, name);
  zip.end();
  await pipeline(zip.outputStream, createWriteStream(file));
}

describe.skipIf(!HAVE_FOOTAGE)('evidence export: events with real clips and a recorded range, zipped with a SHA-256 manifest', () => {
  const tmp = tempDir('export');
  const logger = testLogger('export');
  let sim: CameraSimulator;
  let cloud: CloudUnderTest;
  let edge: RecordingEdge;
  let otherEdge: Socket;
  let regulator = '';
  let colleague = '';
  let siteUser = '';
  /** Events of camera `lot` (in the regulator's org) with their evidence hashes. */
  const events: { id: string; clipSha: string; snapshotSha: string }[] = [];
  let foreignEventId = '';
  let rangeFrom = 0;

  const as = <T>(bearer: string, method: string, url: string, body?: unknown) => cloud.api<T>(method, url, body, bearer);
  const login = async (username: string): Promise<string> => {
    const r = await cloud.api<{ token: string }>('POST', '/api/auth/login', { username, password: USER_PASSWORD }, null);
    expect(r.status).toBe(200);
    return r.body.token;
  };
  const settled = (bearer: string, id: string) =>
    waitFor(
      'the export to settle',
      async () => {
        const r = await as<ExportItem>(bearer, 'GET', `/api/exports/${id}`);
        expect(r.status).toBe(200);
        return r.body.state === 'building' ? undefined : r.body;
      },
      90_000,
      200,
    );

  /** An event of camera `lot` with a real clip from the recorder and a real frame of it as the snapshot. */
  async function recordEvent(startAt: number, endAt: number): Promise<void> {
    const recorder = edge.recorder('lot');
    const clip = await recorder.requestClip(startAt - 1000, endAt + 1000, { reason: 'test event' });
    const jpegFile = path.join(tmp.dir, `${path.basename(clip.file)}.jpg`);
    await execFileP('ffmpeg', ['-v', 'error', '-y', '-i', clip.file, '-frames:v', '1', '-c:v', 'mjpeg', '-f', 'image2', jpegFile], { timeout: 20_000 });
    const jpeg = readFileSync(jpegFile);
    const id = uuidv7();
    const base = { edgeId: EDGE_ID, cameraId: 'lot', id, startedAt: startAt };
    const snapshot = { sha256: sha256(jpeg), contentType: 'image/jpeg' as const, size: jpeg.length, width: 768, height: 432 };
    const clipRef = { sha256: clip.sha256, contentType: 'video/mp4' as const, size: clip.bytes, startAt: clip.startAt, endAt: clip.endAt };
    const start: EventMessage = { ...eventMessage({ ...base, seq: 1, phase: 'start' }), at: startAt, snapshot };
    const end: EventMessage = { ...eventMessage({ ...base, seq: 2, phase: 'end' }), at: endAt, endedAt: endAt, endReason: 'cleared', snapshot, clip: clipRef };
    // As the evidence stage does: the clip's footage is guarded until the outbox has delivered it.
    edge.guards.guard(recorder, clip.sha256, clip.startAt, clip.endAt, `event ${id}`);
    edge.outbox.enqueue(start, [{ sha256: snapshot.sha256, contentType: 'image/jpeg', data: jpeg }]);
    edge.outbox.enqueue(end, [{ sha256: clip.sha256, contentType: 'video/mp4', file: clip.file }]);
    edge.uplink.notify();
    events.push({ id, clipSha: clip.sha256, snapshotSha: snapshot.sha256 });
  }

  beforeAll(async () => {
    sim = await startCameraSimulator({ cameras: [{ name: 'lot', clip: CLIP }], logger: testLogger('streams') });
    const config = testCloudConfig(path.join(tmp.dir, 'cloud'), ADMIN_PASSWORD, {
      edges: [
        { id: EDGE_ID, token: EDGE_TOKEN },
        { id: OTHER_EDGE, token: OTHER_TOKEN },
      ],
      archive: { maxEventsPerExport: 5 },
    });
    cloud = await CloudUnderTest.start(config, ADMIN_PASSWORD);
    edge = new RecordingEdge(EDGE_ID, EDGE_TOKEN, cloud.base, [{ id: 'lot', url: sim.urls.lot ?? '' }], path.join(tmp.dir, 'edge'), logger);
    await edge.start();
    otherEdge = await cloud.helloEdge(OTHER_EDGE, OTHER_TOKEN, ['far']);
    await waitFor('the edge hello', () => (cloud.app.repos.cameras.ownerOf('lot') === EDGE_ID ? true : undefined), 20_000);

    // Two districts; `lot` is in A, `far` in B. The regulators are A's, the site user is at A's canteen.
    const orgA = await cloud.api<{ id: number }>('POST', '/api/orgs', { name: 'District A', kind: 'district' });
    const orgB = await cloud.api<{ id: number }>('POST', '/api/orgs', { name: 'District B', kind: 'district' });
    const siteA = await cloud.api<{ id: number }>('POST', '/api/sites', { orgId: orgA.body.id, name: 'Canteen A', kind: 'school_canteen' });
    const siteB = await cloud.api<{ id: number }>('POST', '/api/sites', { orgId: orgB.body.id, name: 'Canteen B', kind: 'school_canteen' });
    expect((await cloud.api('PUT', '/api/cameras/lot/directory', { name: 'Lot', siteId: siteA.body.id })).status).toBe(201);
    expect((await cloud.api('PUT', '/api/cameras/far/directory', { name: 'Far', siteId: siteB.body.id })).status).toBe(201);
    for (const [username, role, scope] of [
      ['reg-a', 'regulator', { orgId: orgA.body.id }],
      ['reg-a2', 'regulator', { orgId: orgA.body.id }],
      ['canteen-a', 'site', { siteId: siteA.body.id }],
    ] as const) {
      const created = await cloud.api('POST', '/api/users', { username, password: USER_PASSWORD, role, ...scope });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
    }
    regulator = await login('reg-a');
    colleague = await login('reg-a2');
    siteUser = await login('canteen-a');

    // Two events with real clips, delivered by the edge's outbox and uplink.
    await waitFor('the first segment', () => edge.recorder('lot').stats().oldestAt, 60_000, 100);
    const t0 = edge.recorder('lot').stats().oldestAt ?? 0;
    rangeFrom = t0 + 1000;
    await recordEvent(t0 + 2000, t0 + 4000);
    await recordEvent(t0 + 5000, t0 + 6000);
    // An event of district B's camera.
    foreignEventId = uuidv7();
    expect(await send(otherEdge, 'event', eventMessage({ id: foreignEventId, seq: 1, phase: 'start', cameraId: 'far', edgeId: OTHER_EDGE }))).toEqual({ ok: true });
    await waitFor('the edge outbox to drain', () => (edge.outbox.size() === 0 ? true : undefined), 60_000, 100);

    // A workflow step on the first event through the real route (the export copies the timeline; the
    // second event has only its discovery).
    const first = events[0];
    if (!first) throw new Error('no event');
    const accepted = await cloud.api('POST', `/api/events/${first.id}/workflow/accept`, { note: '受理' });
    expect(accepted.status, JSON.stringify(accepted.body)).toBe(200);
  }, 180_000);

  afterAll(async () => {
    await edge?.stop();
    await cloud?.close();
    await sim?.stop();
    tmp.remove();
  }, 60_000);

  it('releases the footage behind each clip once the outbox has delivered it', () => {
    expect(events).toHaveLength(2);
    expect(edge.guards.size()).toBe(0);
    expect(edge.recorder('lot').stats().protections).toBe(0);
  });

  it('exports events and a recorded range; every SHA-256 in the manifest verifies', async () => {
    const ids = events.map((e) => e.id);
    const created = await as<ExportItem>(regulator, 'POST', '/api/exports', { eventIds: ids, cameraId: 'lot', from: rangeFrom, to: rangeFrom + 4000 });
    expect(created.status, JSON.stringify(created.body)).toBe(202);
    expect(created.body).toMatchObject({ state: 'building', eventIds: ids, cameraId: 'lot', url: null });
    const done = await settled(regulator, created.body.id);
    expect(done.state, done.error ?? '').toBe('ready');
    expect(done).toMatchObject({ progress: 1, url: `/api/exports/${done.id}/download` });
    // 2 × (json, snapshot, clip) + the range's mp4 and json + manifest + SHA256SUMS
    expect(done.filesTotal).toBe(10);
    expect(done.filesDone).toBe(10);

    const res = await fetch(`${cloud.base}${done.url}`, { headers: { authorization: `Bearer ${regulator}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toContain(`mingliang-export-${done.id}.zip`);
    const zipBytes = Buffer.from(await res.arrayBuffer());
    expect(zipBytes.length).toBe(done.bytes);
    expect(sha256(zipBytes)).toBe(done.sha256);
    const zipFile = path.join(tmp.dir, 'export.zip');
    writeFileSync(zipFile, zipBytes);

    const entries = await readZip(zipFile);
    const { manifest, problems } = verifyExport(entries);
    expect(problems).toEqual([]);
    expect(manifest?.files).toHaveLength(8);
    expect(manifest?.missing).toEqual([]);
    expect(manifest?.createdBy).toBe('reg-a');
    const byPath = new Map(manifest?.files.map((f) => [f.path, f]));
    for (const e of events) {
      // The very files the edge produced, byte for byte.
      expect(byPath.get(`events/${e.id}/clip.mp4`)?.sha256).toBe(e.clipSha);
      expect(byPath.get(`events/${e.id}/snapshot.jpg`)?.sha256).toBe(e.snapshotSha);
      const meta = JSON.parse(entries.get(`events/${e.id}.json`)?.toString('utf8') ?? '{}') as {
        event: { id: string; cameraId: string; phase: string };
        clip: { sha256: string };
        workflow: { state: string | null; timeline: { action: string; note: string }[] };
      };
      expect(meta.event).toMatchObject({ id: e.id, cameraId: 'lot', phase: 'end' });
      expect(meta.clip.sha256).toBe(e.clipSha);
      if (e === events[0]) expect(meta.workflow).toMatchObject({ state: 'accepted', timeline: [{ action: 'discover' }, { action: 'accept', note: '受理' }] });
      else expect(meta.workflow).toMatchObject({ state: 'new', timeline: [{ action: 'discover' }] });
    }
    const clipFile = path.join(tmp.dir, 'clip0.mp4');
    writeFileSync(clipFile, entries.get(`events/${events[0]?.id}/clip.mp4`) ?? Buffer.alloc(0));
    expect((await probeMedia(clipFile)).video?.codec).toBe('h264');
    const rangeName = `recordings/lot_${rangeFrom}_${rangeFrom + 4000}.mp4`;
    expect(byPath.has(rangeName)).toBe(true);
    const rangeFile = path.join(tmp.dir, 'range.mp4');
    writeFileSync(rangeFile, entries.get(rangeName) ?? Buffer.alloc(0));
    const probe = await probeMedia(rangeFile);
    expect(probe.video).toEqual({ codec: 'h264', width: 768, height: 432 });
    expect(Math.abs(probe.durationS - 4)).toBeLessThanOrEqual(1.3);
    expect(manifest?.range).toEqual({ cameraId: 'lot', from: rangeFrom, to: rangeFrom + 4000, gaps: [] });

    // The download is audited; only the requester and administrators see the export.
    expect(cloud.app.repos.audit.query({ action: 'evidence.export', targetId: done.id, limit: 10 })).toHaveLength(1);
    expect(cloud.app.repos.audit.query({ action: 'export.create', targetId: done.id, limit: 10 })).toHaveLength(1);
    expect((await as<ErrorReply>(colleague, 'GET', `/api/exports/${done.id}`)).status).toBe(404);
    expect((await as<ErrorReply>(colleague, 'GET', `/api/exports/${done.id}/download`)).status).toBe(404);
    expect((await cloud.api<ExportItem>('GET', `/api/exports/${done.id}`)).status).toBe(200);

    // The verifier catches a tampered file and a smuggled one.
    const tampered = new Map(entries);
    const clipPath = `events/${events[1]?.id}/clip.mp4`;
    const original = tampered.get(clipPath) ?? Buffer.alloc(0);
    const changed = Buffer.from(original);
    changed[Math.floor(changed.length / 2)] = (changed[Math.floor(changed.length / 2)] ?? 0) ^ 0xff;
    tampered.set(clipPath, changed);
    tampered.set('events/extra.txt', Buffer.from('not from the cloud'));
    const tamperedFile = path.join(tmp.dir, 'tampered.zip');
    await writeZip(tamperedFile, tampered);
    const check = verifyExport(await readZip(tamperedFile));
    expect(check.problems).toEqual([expect.stringMatching(new RegExp(`^${clipPath}: SHA-256 [0-9a-f]{64}, manifest says ${events[1]?.clipSha}$`)), 'events/extra.txt: in the zip but not in the manifest']);
    // …and a manifest edited to match the tampered file no longer matches SHA256SUMS.
    const forged = new Map(tampered);
    forged.delete('events/extra.txt');
    const m = JSON.parse(forged.get('manifest.json')?.toString('utf8') ?? '{}') as { files: { path: string; sha256: string }[] };
    for (const f of m.files) if (f.path === clipPath) f.sha256 = sha256(changed);
    forged.set('manifest.json', Buffer.from(JSON.stringify(m)));
    expect(verifyExport(forged).problems).toEqual(['SHA256SUMS does not match manifest.json']);
  });

  it('refuses an export with an out-of-scope event as not found, and creates nothing', async () => {
    const count = () => (cloud.app.db.prepare('SELECT count(*) AS n FROM evidence_exports').get() as { n: number }).n;
    const before = count();
    const foreign = await as<ErrorReply>(regulator, 'POST', '/api/exports', { eventIds: [events[0]?.id, foreignEventId] });
    expect(foreign.status).toBe(404);
    expect(foreign.body.error).toEqual({ code: 'NOT_FOUND', message: `no event ${foreignEventId}` });
    const unknown = await as<ErrorReply>(regulator, 'POST', '/api/exports', { eventIds: [uuidv7()] });
    expect(unknown.status).toBe(404);
    const farRange = await as<ErrorReply>(regulator, 'POST', '/api/exports', { cameraId: 'far', from: rangeFrom, to: rangeFrom + 1000 });
    expect(farRange.status).toBe(404);
    const empty = await as<ErrorReply>(regulator, 'POST', '/api/exports', {});
    expect(empty.status).toBe(400);
    const halfRange = await as<ErrorReply>(regulator, 'POST', '/api/exports', { cameraId: 'lot', from: rangeFrom });
    expect(halfRange.status).toBe(400);
    const tooMany = await as<ErrorReply>(regulator, 'POST', '/api/exports', { eventIds: Array.from({ length: 6 }, () => uuidv7()) });
    expect(tooMany.status).toBe(400);
    const noPermission = await as<ErrorReply>(siteUser, 'POST', '/api/exports', { eventIds: [events[0]?.id] });
    expect(noPermission.status).toBe(403);
    expect(count()).toBe(before);
    // The administrator sees every camera: the same foreign event exports.
    const admin = await cloud.api<ExportItem>('POST', '/api/exports', { eventIds: [foreignEventId] });
    expect(admin.status).toBe(202);
    const done = await settled(cloud.userToken, admin.body.id);
    expect(done.state).toBe('ready');
    expect(done.filesTotal).toBe(3);
  });
});
