import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { AuthUser } from '../../cloud/src/auth/user-auth.js';
import { migrate } from '../../cloud/src/db/migrations.js';
import type { EdgeCommands } from '../../cloud/src/media/edge-commands.js';
import { LiveManager, type LiveSettings, type LiveViewEvent } from '../../cloud/src/media/live-manager.js';
import { LiveViewsRepository } from '../../cloud/src/media/live-views-repo.js';
import { streamPathOf } from '../../cloud/src/media/media-ipc.js';
import type { MediaEvent, MediaRelay } from '../../cloud/src/media/media-relay.js';
import { verifyGrant } from '../../cloud/src/media/stream-signing.js';
import { streamKeyFor } from '../../cloud/src/media/stream-urls.js';
import { CodedError, type Ack, type RelayStartCommand, type RelayStopCommand } from '../../protocol/index.js';

const KEY = randomBytes(32);
const USER: AuthUser = { id: 7, username: 'ops', role: 'admin', orgId: null, siteId: null };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A media server that reports what the test tells it to. */
class FakeMedia implements MediaRelay {
  endpoint: { rtmpPort: number; httpPort: number } | undefined = { rtmpPort: 1935, httpPort: 8000 };
  private readonly listeners = new Set<(ev: MediaEvent) => void>();
  start = async (): Promise<void> => undefined;
  stop = async (): Promise<void> => undefined;
  onEvent(l: (ev: MediaEvent) => void): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }
  emit(ev: MediaEvent): void {
    for (const l of this.listeners) l(ev);
  }
}

/** An edge that answers commands and, unless told otherwise, starts publishing on relay:start. */
class FakeEdges implements EdgeCommands {
  online = true;
  starts: RelayStartCommand[] = [];
  stops: RelayStopCommand[] = [];
  answer: Ack = { ok: true };
  publishOnStart = true;
  private session = 0;
  constructor(private readonly media: FakeMedia) {}
  isOnline = () => this.online;
  hostSeenBy = () => 'cloud.example.cn:8080';
  async start(edgeId: string, cmd: RelayStartCommand): Promise<Ack> {
    this.starts.push(cmd);
    if (this.answer.ok && this.publishOnStart) {
      this.media.emit({ type: 'publish', sessionId: `pub-${++this.session}`, streamKey: cmd.streamKey, edgeId, ip: '10.0.0.2:5000' });
    }
    await sleep(5);
    return this.answer;
  }
  async stop(_edgeId: string, cmd: RelayStopCommand): Promise<Ack> {
    this.stops.push(cmd);
    return { ok: true };
  }
}

const SETTINGS: LiveSettings = {
  lingerMs: 150,
  playUrlTtlMs: 60_000,
  publishSignTtlMs: 600_000,
  startTimeoutMs: 400,
  reconcileIntervalMs: 50,
  alwaysOnCameras: [],
  rtmpBaseUrl: '',
  playBaseUrl: '',
};

function setup(over: { settings?: Partial<LiveSettings>; canView?: boolean } = {}) {
  const db = new Database(':memory:');
  migrate(db);
  const media = new FakeMedia();
  const edges = new FakeEdges(media);
  const views = new LiveViewsRepository(db);
  const events: LiveViewEvent[] = [];
  const cameras: Record<string, string> = { 'cam-1': 'edge-1', 'cam-2': 'edge-1' };
  const manager = new LiveManager({
    media,
    edges,
    cameraOwner: (id) => cameras[id],
    cameraIds: () => Object.keys(cameras),
    usernameOf: () => 'ops',
    views,
    canView: () => over.canView ?? true,
    signingKey: KEY,
    settings: { ...SETTINGS, ...over.settings },
    log: pino({ level: 'silent' }),
    onViewEvent: (ev) => events.push(ev),
  });
  manager.start();
  const play = (sessionId: string, cameraId = 'cam-1') =>
    media.emit({ type: 'play', sessionId, streamKey: streamKeyFor(cameraId), userId: USER.id, viewId: 'v', protocol: 'http-flv', ip: '10.0.0.9:1' });
  const playDone = (sessionId: string, cameraId = 'cam-1') =>
    media.emit({ type: 'play-done', sessionId, streamKey: streamKeyFor(cameraId), bytesOut: 1234 });
  cleanups.push(async () => {
    await manager.close(10);
    db.close();
  });
  return { media, edges, views, events, manager, play, playDone };
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (err) {
    return err instanceof CodedError ? `${err.code} ${err.statusCode}` : String(err);
  }
}

describe('LiveManager', () => {
  it('asks the edge to push with a signed publish URL and answers with signed play URLs', async () => {
    const { edges, manager } = setup();
    const view = await manager.openView(USER, 'cam-1', 'viewer.example.cn:8080');
    const key = streamKeyFor('cam-1');
    expect(edges.starts).toHaveLength(1);
    const cmd = edges.starts[0];
    expect(cmd?.rtmpUrl).toBe(`rtmp://cloud.example.cn:1935/live/${key}`);
    expect(verifyGrant(KEY, streamPathOf(key), 'publish', cmd?.sign, Date.now())).toMatchObject({ ok: true, grant: { edgeId: 'edge-1' } });
    expect(view.url).toMatch(new RegExp(`^http://viewer\\.example\\.cn:8000/live/${key}\\.flv\\?sign=`));
    const sign = new URL(view.url).searchParams.get('sign');
    expect(verifyGrant(KEY, streamPathOf(key), 'play', sign, Date.now())).toMatchObject({ ok: true, grant: { userId: 7 } });
    expect(manager.status('cam-1')).toMatchObject({ publishing: true, commanded: 'started', viewers: 0 });
  });

  it('starts one push for many simultaneous requests and none for a camera already publishing', async () => {
    const { edges, manager } = setup();
    await Promise.all(Array.from({ length: 20 }, () => manager.openView(USER, 'cam-1', undefined)));
    await manager.openView(USER, 'cam-1', undefined);
    expect(edges.starts).toHaveLength(1);
  });

  it('stops the push a linger after the last viewer leaves, not before, and records the views', async () => {
    const { edges, manager, views, events, play, playDone } = setup();
    await manager.openView(USER, 'cam-1', undefined);
    play('s1');
    play('s2');
    await sleep(300);
    expect(edges.stops).toHaveLength(0);
    playDone('s1');
    await sleep(300);
    expect(edges.stops).toHaveLength(0);
    playDone('s2');
    await sleep(80);
    expect(edges.stops).toHaveLength(0);
    await sleep(200);
    expect(edges.stops).toEqual([{ cameraId: 'cam-1', streamKey: streamKeyFor('cam-1') }]);
    expect(manager.status('cam-1')).toMatchObject({ commanded: 'stopped', viewers: 0, publishing: false });
    const rows = views.listByCamera('cam-1');
    expect(rows).toHaveLength(2);
    for (const r of rows) expect(r).toMatchObject({ userId: 7, username: 'ops', endReason: 'closed', bytesOut: 1234 });
    expect(rows.find((r) => r.sessionId === 's2')?.durationMs).toBeGreaterThanOrEqual(600);
    expect(events.map((e) => `${e.type}:${e.sessionId}`)).toEqual(['view-start:s1', 'view-start:s2', 'view-end:s1', 'view-end:s2']);
  });

  it('stops a push nobody connects to after the linger', async () => {
    const { edges, manager } = setup();
    await manager.openView(USER, 'cam-1', undefined);
    await sleep(400);
    expect(edges.stops).toHaveLength(1);
  });

  it('starts the push again for a viewer arriving after a stop', async () => {
    const { edges, manager } = setup();
    await manager.openView(USER, 'cam-1', undefined);
    await sleep(400);
    expect(edges.stops).toHaveLength(1);
    // The old publisher may still linger in the media server's grace window: it must not count.
    await manager.openView(USER, 'cam-1', undefined);
    expect(edges.starts).toHaveLength(2);
  });

  it('refuses unknown cameras, users without permission, and answers 503 while the media server or edge is down', async () => {
    expect(await codeOf(setup().manager.openView(USER, 'nope', undefined))).toBe('NOT_FOUND 404');
    expect(await codeOf(setup({ canView: false }).manager.openView(USER, 'cam-1', undefined))).toBe('FORBIDDEN 403');
    const down = setup();
    down.media.endpoint = undefined;
    expect(await codeOf(down.manager.openView(USER, 'cam-1', undefined))).toBe('NOT_READY 503');
    const offline = setup();
    offline.edges.online = false;
    expect(await codeOf(offline.manager.openView(USER, 'cam-1', undefined))).toBe('NOT_READY 503');
    expect(offline.edges.starts).toHaveLength(0);
  });

  it("passes on the edge's refusal, times out without video, and tries again on the next request", async () => {
    const { edges, manager } = setup();
    edges.answer = { ok: false, error: { code: 'NOT_READY', message: 'camera unreachable' } };
    const refused = manager.openView(USER, 'cam-1', undefined);
    await expect(refused).rejects.toThrow(/camera unreachable/);
    edges.answer = { ok: true };
    edges.publishOnStart = false;
    expect(await codeOf(manager.openView(USER, 'cam-1', undefined))).toBe('NOT_READY 504');
    expect(edges.starts).toHaveLength(2);
  });

  it('keeps always-on cameras pushing without viewers', async () => {
    const { edges, manager } = setup({ settings: { alwaysOnCameras: ['cam-2'] } });
    await sleep(400);
    expect(edges.starts.map((c) => c.cameraId)).toEqual(['cam-2']);
    expect(edges.stops).toHaveLength(0);
    expect(manager.status('cam-2')).toMatchObject({ publishing: true, commanded: 'started' });
  });

  it('closes views when the media server goes down and asks again for wanted pushes when it is back', async () => {
    const { media, edges, manager, views, play } = setup({ settings: { lingerMs: 2000 } });
    await manager.openView(USER, 'cam-1', undefined);
    play('s1');
    media.emit({ type: 'down', reason: 'killed', restartInMs: 500 });
    expect(views.listByCamera('cam-1')[0]).toMatchObject({ endReason: 'media-restart' });
    expect(manager.status('cam-1')).toMatchObject({ publishing: false, viewers: 0 });
    media.emit({ type: 'ready', rtmpPort: 1935, httpPort: 8000, nmsVersion: 'x', pid: 1 });
    await sleep(20);
    expect(edges.starts).toHaveLength(2);
    expect(manager.status('cam-1')).toMatchObject({ publishing: true });
  });

  it('stops a stream published without being asked for (a push left over from before a restart)', async () => {
    const { media, edges } = setup();
    media.emit({ type: 'publish', sessionId: 'old', streamKey: streamKeyFor('cam-2'), edgeId: 'edge-1', ip: 'x' });
    await sleep(20);
    expect(edges.stops.map((c) => c.cameraId)).toEqual(['cam-2']);
  });
});
