import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import BetterSqlite3 from 'better-sqlite3';
import { buildApp } from '../../cloud/src/app.js';
import { parseCloudConfig } from '../../cloud/src/config.js';
import { DATABASE_FILE, openDatabase } from '../../cloud/src/db/database.js';
import { LATEST_SCHEMA_VERSION } from '../../cloud/src/db/migrations.js';
import type { ErrorReply, EventItem, EventListResponse, EventMessage } from '../../protocol/index.js';
import { tempDir } from '../support/harness.js';

const ADMIN_PASSWORD = 'api-test-admin-pw';
const EDGE_TOKEN = 'api-test-edge-token-0123456789';

/** Events laid out so that pages cut through equal start times (the id breaks those ties). */
function seedEvents(app: FastifyInstance): EventMessage[] {
  const { repos } = app.mingliang;
  repos.cameras.upsert('edge-1', { id: 'cam-a', name: 'Gate', rules: ['helmet'] }, 1);
  repos.cameras.upsert('edge-1', { id: 'cam-b', name: 'Kitchen', rules: ['mask'] }, 1);
  const base = 1_700_000_000_000;
  const specs: [string, string, number][] = [
    ['cam-a', 'helmet', base + 1000],
    ['cam-b', 'mask', base + 2000],
    ['cam-a', 'helmet', base + 2000],
    ['cam-a', 'fire', base + 2000],
    ['cam-b', 'helmet', base + 3000],
    ['cam-a', 'helmet', base + 4000],
    ['cam-b', 'mask', base + 5000],
  ];
  const messages = specs.map(([cameraId, type, startedAt]): EventMessage => ({
    id: uuidv7(),
    seq: 0,
    phase: 'start',
    edgeId: 'edge-1',
    cameraId,
    ruleId: `${type}-rule`,
    type,
    severity: 2,
    label: type === 'fire' ? 'small_flame' : 'head',
    topScore: 0.8,
    startedAt,
    at: startedAt,
    detections: [{ label: 'head', score: 0.8, box: { x: 0.1, y: 0.1, w: 0.2, h: 0.3 } }],
  }));
  for (const m of messages) repos.events.insert(m, Date.now());
  return messages;
}

function newestFirst(a: { startedAt: number; id: string }, b: { startedAt: number; id: string }): number {
  return b.startedAt - a.startedAt || (a.id < b.id ? 1 : -1);
}

describe('cloud REST API', () => {
  const tmp = tempDir('cloud-api');
  let app: FastifyInstance;
  let base: string;
  let token: string;
  let seeded: EventMessage[];

  const get = (url: string, bearer: string | null = token): Promise<Response> =>
    fetch(`${base}${url}`, { headers: bearer === null ? {} : { authorization: `Bearer ${bearer}` } });
  const login = (username: string, password: string): Promise<Response> =>
    fetch(`${base}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password }),
    });
  const errorOf = async (res: Response): Promise<ErrorReply['error']> => ((await res.json()) as ErrorReply).error;

  beforeAll(async () => {
    const config = parseCloudConfig(
      {
        server: { port: 0 },
        dataDir: `${tmp.dir}/cloud`,
        auth: { admin: { password: ADMIN_PASSWORD } },
        edges: [{ id: 'edge-1', token: EDGE_TOKEN }],
      },
      {},
    );
    app = await buildApp(config);
    // A route that fails the way a bug would, to see what the one error handler makes of it.
    app.get('/api/test-crash', async () => {
      throw new Error('secret detail: /etc/shadow');
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    seeded = seedEvents(app);
    const res = await login('admin', ADMIN_PASSWORD);
    expect(res.status).toBe(200);
    token = ((await res.json()) as { token: string }).token;
  });

  afterAll(async () => {
    await app?.close();
    tmp.remove();
  });

  it('answers GET /healthz without credentials', async () => {
    const res = await get('/healthz', null);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('logs in with the configured admin password and refuses wrong credentials with 401', async () => {
    expect(app.mingliang.initialAdminPassword).toBeNull(); // configured, so nothing was generated
    const wrong = await login('admin', 'not-the-password');
    expect(wrong.status).toBe(401);
    expect(await errorOf(wrong)).toEqual({ code: 'UNAUTHORIZED', message: 'wrong username or password' });
    const nobody = await login('nobody', ADMIN_PASSWORD);
    expect(nobody.status).toBe(401);
    expect((await errorOf(nobody)).code).toBe('UNAUTHORIZED');

    const malformed = await fetch(`${base}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin' }),
    });
    expect(malformed.status).toBe(400);
    expect((await errorOf(malformed)).code).toBe('BAD_REQUEST');

    const res = await login('admin', ADMIN_PASSWORD);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { token: string };
    expect(body.token.split('.')).toHaveLength(3);
  });

  it('stores the admin password as argon2id, never in clear', () => {
    const admin = app.mingliang.repos.users.findByUsername('admin');
    expect(admin?.passwordHash).toMatch(/^\$argon2id\$/);
    expect(admin?.passwordHash).not.toContain(ADMIN_PASSWORD);
  });

  it('refuses every API route without a valid bearer token with 401 UNAUTHORIZED', async () => {
    const someId = seeded[0]?.id ?? '';
    for (const url of ['/api/events', `/api/events/${someId}`, `/api/events/${someId}/snapshot`, '/api/cameras']) {
      for (const bearer of [null, 'not-a-jwt', `${token.slice(0, -4)}AAAA`]) {
        const res = await get(url, bearer);
        expect(res.status, `${url} with ${bearer ?? 'no token'}`).toBe(401);
        expect((await errorOf(res)).code).toBe('UNAUTHORIZED');
      }
    }
  });

  it('pages through all events newest first with an opaque cursor, without gaps or repeats', async () => {
    const expected = [...seeded].sort(newestFirst).map((m) => m.id);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await get(`/api/events?limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      expect(res.status).toBe(200);
      const page = (await res.json()) as EventListResponse;
      expect(page.items.length).toBeLessThanOrEqual(3);
      seen.push(...page.items.map((i) => i.id));
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor !== null && pages < 10);
    expect(pages).toBe(3);
    expect(seen).toEqual(expected);
  });

  it('returns complete event items', async () => {
    const res = await get('/api/events?limit=1');
    const [first] = ((await res.json()) as EventListResponse).items;
    const newest = [...seeded].sort(newestFirst)[0];
    expect(first).toEqual({
      id: newest?.id,
      edgeId: 'edge-1',
      cameraId: 'cam-b',
      ruleId: 'mask-rule',
      type: 'mask',
      severity: 2,
      label: 'head',
      topScore: 0.8,
      phase: 'start',
      startedAt: newest?.startedAt,
      updatedAt: newest?.at,
      endedAt: null,
      endReason: null,
      detections: newest?.detections,
      snapshotUrl: null,
      thumbnailUrl: null,
      clipUrl: null,
      clip: null,
      zoneId: null,
      name: null,
    } satisfies Partial<EventItem>);
    const one = await get(`/api/events/${newest?.id ?? ''}`);
    expect(one.status).toBe(200);
    expect(await one.json()).toEqual(first);
  });

  it('filters by camera and type, also across pages', async () => {
    const byCamera = (await (await get('/api/events?cameraId=cam-a')).json()) as EventListResponse;
    expect(byCamera.items.map((i) => i.id)).toEqual(
      seeded.filter((m) => m.cameraId === 'cam-a').sort(newestFirst).map((m) => m.id),
    );
    const byType = (await (await get('/api/events?type=mask')).json()) as EventListResponse;
    expect(byType.items.map((i) => i.type)).toEqual(['mask', 'mask']);

    const both = seeded.filter((m) => m.cameraId === 'cam-a' && m.type === 'helmet').sort(newestFirst);
    const page1 = (await (await get('/api/events?cameraId=cam-a&type=helmet&limit=2')).json()) as EventListResponse;
    expect(page1.items.map((i) => i.id)).toEqual(both.slice(0, 2).map((m) => m.id));
    expect(page1.nextCursor).not.toBeNull();
    const page2 = (await (
      await get(`/api/events?cameraId=cam-a&type=helmet&limit=2&cursor=${page1.nextCursor ?? ''}`)
    ).json()) as EventListResponse;
    expect(page2.items.map((i) => i.id)).toEqual(both.slice(2).map((m) => m.id));
    expect(page2.nextCursor).toBeNull();

    const none = (await (await get('/api/events?cameraId=cam-z')).json()) as EventListResponse;
    expect(none).toEqual({ items: [], nextCursor: null });
  });

  it('refuses a bad cursor and bad query values with 400 BAD_REQUEST', async () => {
    const forged = Buffer.from(JSON.stringify(['x', 'y'])).toString('base64url');
    for (const query of ['cursor=garbage', `cursor=${forged}`, 'limit=0', 'limit=501', 'limit=ten', 'cameraId=bad%20id', 'colour=red']) {
      const res = await get(`/api/events?${query}`);
      expect(res.status, query).toBe(400);
      expect((await errorOf(res)).code, query).toBe('BAD_REQUEST');
    }
  });

  it('answers 404 NOT_FOUND for unknown events, missing snapshots and unknown routes', async () => {
    const unknown = await get(`/api/events/${uuidv7()}`);
    expect(unknown.status).toBe(404);
    expect((await errorOf(unknown)).code).toBe('NOT_FOUND');
    const noSnapshot = await get(`/api/events/${seeded[0]?.id ?? ''}/snapshot`);
    expect(noSnapshot.status).toBe(404);
    expect((await errorOf(noSnapshot)).code).toBe('NOT_FOUND');
    const badId = await get('/api/events/not-a-uuid');
    expect(badId.status).toBe(400);
    const noRoute = await get('/api/nothing-here');
    expect(noRoute.status).toBe(404);
    expect((await errorOf(noRoute)).code).toBe('NOT_FOUND');
  });

  it('answers an unexpected failure with 500 INTERNAL and no details', async () => {
    const res = await get('/api/test-crash', null);
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({ error: { code: 'INTERNAL', message: 'internal server error' } });
    expect(text).not.toContain('secret');
  });

  it('answers malformed JSON and unsupported bodies with the error shape', async () => {
    const res = await fetch(`${base}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"username":' });
    expect(res.status).toBe(400);
    expect((await errorOf(res)).code).toBe('BAD_REQUEST');
    const xml = await fetch(`${base}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/xml' }, body: '<a/>' });
    expect(xml.status).toBe(415);
    expect((await errorOf(xml)).code).toBe('BAD_REQUEST');
  });

  it('lists cameras with their state', async () => {
    const res = await get('/api/cameras');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      items: [
        { id: 'cam-a', edgeId: 'edge-1', name: 'Gate', rules: ['helmet'], state: 'unknown', stateSince: null, lastSeenAt: null },
        { id: 'cam-b', edgeId: 'edge-1', name: 'Kitchen', rules: ['mask'], state: 'unknown', stateSince: null, lastSeenAt: null },
      ],
    });
  });

  it('serves the socket.io client script', async () => {
    expect((await get('/socket.io/socket.io.js', null)).status).toBe(200);
  });

  it('runs SQLite in WAL mode with foreign keys, at the latest schema version, and refuses a newer schema', () => {
    expect(app.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(app.db.pragma('synchronous', { simple: true })).toBe(1); // NORMAL
    expect(app.db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(app.db.pragma('user_version', { simple: true })).toBe(LATEST_SCHEMA_VERSION);
    // A camera of an edge that does not exist cannot be stored.
    expect(() => app.mingliang.repos.cameras.upsert('edge-nope', { id: 'cam-x', name: 'x', rules: [] }, 1)).toThrow(/FOREIGN KEY/);

    const future = `${tmp.dir}/future`;
    openDatabase(future).close();
    const raw = new BetterSqlite3(`${future}/${DATABASE_FILE}`);
    raw.pragma(`user_version = ${LATEST_SCHEMA_VERSION + 1}`);
    raw.close();
    expect(() => openDatabase(future)).toThrow(/newer than this build supports/);
  });

  it('slows down password guessing with 429 RATE_LIMITED after repeated failures', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) statuses.push((await login('guess-target', `wrong-${i}`)).status);
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(401));
    expect(statuses[10]).toBe(429);
    const res = await login('guess-target', 'wrong-again');
    expect((await errorOf(res)).code).toBe('RATE_LIMITED');
    // Other accounts are not locked out by someone else's guessing.
    expect((await login('admin', ADMIN_PASSWORD)).status).toBe(200);
  });
});
