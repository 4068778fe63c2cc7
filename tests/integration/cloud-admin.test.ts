import { createHash } from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  CameraDetail,
  CameraItem,
  CameraStatesResponse,
  CameraStatsResponse,
  DirectoryRecord,
  EdgeCreateResponse,
  EdgeItem,
  EdgeListResponse,
  ErrorReply,
  Heartbeat,
  OrgItem,
  SiteItem,
  SiteListResponse,
} from '../../protocol/index.js';
import { EVIDENCE_UPLOAD_PATH } from '../../protocol/index.js';
import { tempDir, waitFor } from '../support/harness.js';
import { CloudUnderTest, send, testCloudConfig } from '../support/cloud-under-test.js';

const ADMIN = 'admin-test-password';
const CFG_TOKEN = 'config-edge-token-0123456789abcdef';
const T0 = 1_700_000_000_000;

const codeOf = (body: unknown): string | undefined => (body as ErrorReply | undefined)?.error?.code;

describe('cloud administration: edges, orgs, sites, directory, history and KPIs', () => {
  const tmp = tempDir('cloud-admin');
  let cloud: CloudUnderTest;

  beforeAll(async () => {
    cloud = await CloudUnderTest.start(testCloudConfig(path.join(tmp.dir, 'a'), ADMIN, { edges: [{ id: 'edge-cfg', token: CFG_TOKEN }] }), ADMIN);
  });

  afterAll(async () => {
    await cloud?.close();
    tmp.remove();
  });

  it('refuses every admin and health route without a valid user token', async () => {
    const routes: [string, string][] = [
      ['GET', '/api/edges'],
      ['POST', '/api/edges'],
      ['POST', '/api/edges/edge-cfg/revoke'],
      ['GET', '/api/orgs'],
      ['POST', '/api/orgs'],
      ['PATCH', '/api/orgs/1'],
      ['GET', '/api/sites'],
      ['POST', '/api/sites'],
      ['PATCH', '/api/sites/1'],
      ['GET', '/api/directory'],
      ['GET', '/api/cameras/cam-1/directory'],
      ['PUT', '/api/cameras/cam-1/directory'],
      ['GET', '/api/cameras/cam-1'],
      ['GET', '/api/cameras/cam-1/states'],
      ['GET', '/api/stats/cameras'],
    ];
    for (const [method, url] of routes) {
      for (const bearer of [null, 'not-a-jwt', CFG_TOKEN]) {
        const res = await cloud.api(method, url, method === 'GET' ? undefined : {}, bearer);
        expect(res.status, `${method} ${url}`).toBe(401);
        expect(codeOf(res.body)).toBe('UNAUTHORIZED');
      }
    }
  });

  describe('edges', () => {
    let token = '';

    it('creates an edge and shows its token once, storing only its hash', async () => {
      const res = await cloud.api<EdgeCreateResponse>('POST', '/api/edges', { id: 'edge-a' });
      expect(res.status).toBe(201);
      expect(res.body.edge).toEqual({ id: 'edge-a', source: 'api', createdAt: expect.any(Number), revokedAt: null, lastSeenAt: null, connected: false, cameras: 0, outbox: null });
      token = res.body.token;
      expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      const row = cloud.app.db.prepare<[string], { token_hash: string }>('SELECT token_hash FROM edges WHERE id = ?').get('edge-a');
      expect(row?.token_hash).toBe(createHash('sha256').update(token).digest('hex'));
      const dump = JSON.stringify(cloud.app.db.prepare('SELECT * FROM edges').all());
      expect(dump).not.toContain(token);

      expect(codeOf((await cloud.api('POST', '/api/edges', { id: 'edge-a' })).body)).toBe('CONFLICT');
      expect(codeOf((await cloud.api('POST', '/api/edges', { id: 'edge-cfg' })).body)).toBe('CONFLICT');
      for (const body of [{}, { id: '../x' }, { id: 'ok', extra: 1 }, { id: '' }]) {
        const bad = await cloud.api('POST', '/api/edges', body);
        expect(bad.status, JSON.stringify(body)).toBe(400);
      }
    });

    it('lets the new edge connect and lists edges with their connection and cameras', async () => {
      const socket = await cloud.helloEdge('edge-a', token, ['cam-a1', 'cam-a2']);
      const list = await cloud.api<EdgeListResponse>('GET', '/api/edges');
      expect(list.body.items.map((e) => [e.id, e.source, e.connected, e.cameras, e.revokedAt])).toEqual([
        ['edge-a', 'api', true, 2, null],
        ['edge-cfg', 'config', false, 0, null],
      ]);
      socket.disconnect();
    });

    it('revokes an edge: its live socket is cut at once, it cannot reconnect or upload, its cameras go offline', async () => {
      const socket = await cloud.helloEdge('edge-a', token, ['cam-a1', 'cam-a2']);
      const hb: Heartbeat = {
        edgeId: 'edge-a',
        at: Date.now(),
        backlog: 0,
        cameras: ['cam-a1', 'cam-a2'].map((cameraId) => ({ cameraId, state: 'streaming', since: Date.now(), captureFps: 5, analysedFps: 5, droppedFrames: 0, restarts: 0 })),
      };
      expect(await send(socket, 'heartbeat', hb)).toEqual({ ok: true });
      const gone = new Promise<number>((resolve) => socket.once('disconnect', () => resolve(Date.now())));
      const t0 = Date.now();
      const res = await cloud.api<EdgeItem>('POST', '/api/edges/edge-a/revoke');
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ id: 'edge-a', revokedAt: expect.any(Number), connected: false });
      const cutMs = (await gone) - t0;
      console.log(`revoked edge's socket closed ${cutMs} ms after the revoke request was sent`);
      expect(cutMs).toBeLessThan(1000);

      const cam = await cloud.api<CameraDetail>('GET', '/api/cameras/cam-a1');
      expect(cam.body).toMatchObject({ state: 'offline', reason: 'edge revoked', online: false });
      const again = await cloud.edge('edge-a', token);
      expect(again.error?.data).toMatchObject({ code: 'UNAUTHORIZED' });
      const upload = await fetch(`${cloud.base}${EVIDENCE_UPLOAD_PATH}/${'a'.repeat(64)}`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${token}`, 'x-edge-id': 'edge-a', 'content-type': 'image/jpeg' },
        body: new Uint8Array([1, 2, 3]),
      });
      expect(upload.status).toBe(401);
      // Revoking again is harmless; an unknown edge is a 404.
      expect((await cloud.api('POST', '/api/edges/edge-a/revoke')).status).toBe(200);
      expect(codeOf((await cloud.api('POST', '/api/edges/edge-zz/revoke')).body)).toBe('NOT_FOUND');
    });
  });

  describe('orgs and sites', () => {
    const ids: Record<string, number> = {};

    it('builds the tree city → district → street/bureau and refuses misplaced or repeated orgs', async () => {
      const create = async (name: string, kind: string, parent?: string): Promise<{ status: number; body: OrgItem }> => {
        const res = await cloud.api<OrgItem>('POST', '/api/orgs', { name, kind, ...(parent ? { parentId: ids[parent] } : {}) });
        if (res.status === 201) ids[name] = res.body.id;
        return res;
      };
      expect((await create('合肥市', 'city')).status).toBe(201);
      expect((await create('蜀山区', 'district', '合肥市')).status).toBe(201);
      expect((await create('三里庵街道', 'street', '蜀山区')).status).toBe(201);
      expect((await create('市场监管局', 'bureau', '合肥市')).status).toBe(201);
      expect((await create('包河区', 'district', '合肥市')).body).toMatchObject({ kind: 'district', parentId: ids['合肥市'] });

      expect(codeOf((await create('乱放', 'street', '三里庵街道')).body)).toBe('BAD_REQUEST');
      expect(codeOf((await create('蜀山区', 'district', '合肥市')).body)).toBe('CONFLICT');
      expect(codeOf((await cloud.api('POST', '/api/orgs', { name: 'x', kind: 'street', parentId: 999 })).body)).toBe('BAD_REQUEST');
      for (const body of [{ name: '   ', kind: 'city' }, { name: 'x', kind: 'province' }, { name: 'x' }, { name: 'x\u0000', kind: 'city' }]) {
        expect((await cloud.api('POST', '/api/orgs', body)).status, JSON.stringify(body)).toBe(400);
      }
      // A district cannot become a street while a street hangs below it; renaming is fine.
      expect(codeOf((await cloud.api('PATCH', `/api/orgs/${ids['蜀山区']}`, { kind: 'street' })).body)).toBe('BAD_REQUEST');
      expect(codeOf((await cloud.api('PATCH', `/api/orgs/${ids['合肥市']}`, { parentId: ids['三里庵街道'] })).body)).toBe('BAD_REQUEST');
      const renamed = await cloud.api<OrgItem>('PATCH', `/api/orgs/${ids['市场监管局']}`, { name: '市市场监督管理局' });
      expect(renamed.body).toMatchObject({ name: '市市场监督管理局', kind: 'bureau' });
      expect((await cloud.api('PATCH', '/api/orgs/999', { name: 'x' })).status).toBe(404);
      expect((await cloud.api('PATCH', `/api/orgs/${ids['合肥市']}`, {})).status).toBe(400);
      const list = await cloud.api<{ items: OrgItem[] }>('GET', '/api/orgs');
      expect(list.body.items).toHaveLength(5);
    });

    it('creates sites of each kind in an org, lists an org subtree, and refuses bad ones', async () => {
      const site = async (name: string, kind: string, org: string): Promise<SiteItem> => {
        const res = await cloud.api<SiteItem>('POST', '/api/sites', { name, kind, orgId: ids[org], address: '长江西路 1 号' });
        expect(res.status, name).toBe(201);
        ids[name] = res.body.id;
        return res.body;
      };
      await site('老王烧烤', 'restaurant', '三里庵街道');
      await site('一中食堂', 'school_canteen', '三里庵街道');
      await site('地铁 8 号线工地', 'worksite', '蜀山区');
      await site('大蜀山广场', 'public_area', '市场监管局');
      expect(codeOf((await cloud.api('POST', '/api/sites', { name: '老王烧烤', kind: 'restaurant', orgId: ids['三里庵街道'] })).body)).toBe('CONFLICT');
      expect(codeOf((await cloud.api('POST', '/api/sites', { name: 'x', kind: 'restaurant', orgId: 999 })).body)).toBe('BAD_REQUEST');
      expect((await cloud.api('POST', '/api/sites', { name: 'x', kind: 'bar', orgId: ids['蜀山区'] })).status).toBe(400);

      const subtree = await cloud.api<SiteListResponse>('GET', `/api/sites?orgId=${ids['蜀山区']}`);
      expect(subtree.body.items.map((s) => s.name).sort()).toEqual(['一中食堂', '地铁 8 号线工地', '老王烧烤'].sort());
      expect((await cloud.api<SiteListResponse>('GET', '/api/sites')).body.items).toHaveLength(4);
      expect((await cloud.api('GET', '/api/sites?orgId=999')).status).toBe(404);
      const moved = await cloud.api<SiteItem>('PATCH', `/api/sites/${ids['一中食堂']}`, { orgId: ids['包河区'], address: null });
      expect(moved.body).toMatchObject({ orgId: ids['包河区'], address: null, kind: 'school_canteen' });
    });

    it('validates camera directory records: GB/T 28181 id, coordinates, name and site', async () => {
      const put = (cameraId: string, body: Record<string, unknown>) => cloud.api<DirectoryRecord>('PUT', `/api/cameras/${cameraId}/directory`, body);
      const good = { name: '后厨 1', siteId: ids['老王烧烤'], gbId: '34010401001320000001', longitude: 117.23, latitude: 31.82 };
      const created = await put('cam-dir-1', good);
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ cameraId: 'cam-dir-1', gbId: good.gbId, problems: [] });
      expect((await put('cam-dir-1', { ...good, name: '后厨 一号' })).status).toBe(200);

      const refusals: [Record<string, unknown>, string, RegExp][] = [
        [{ ...good, gbId: '34010401001180000001' }, 'BAD_REQUEST', /118 is a NVR/],
        [{ ...good, gbId: '19010401001320000001' }, 'BAD_REQUEST', /19 is not a province-level/],
        [{ ...good, gbId: '3401040100132000001' }, 'BAD_REQUEST', /gbId/],
        [{ ...good, latitude: null }, 'BAD_REQUEST', /together/],
        [{ ...good, longitude: 181 }, 'BAD_REQUEST', /longitude/],
        [{ ...good, name: '  ' }, 'BAD_REQUEST', /name/],
        [{ ...good, siteId: 999 }, 'BAD_REQUEST', /site 999 does not exist/],
        [{ ...good, colour: 'red' }, 'BAD_REQUEST', /colour|additional/],
      ];
      for (const [body, code, message] of refusals) {
        const res = await put('cam-dir-2', body);
        expect(codeOf(res.body), JSON.stringify(body)).toBe(code);
        expect((res.body as unknown as ErrorReply).error.message).toMatch(message);
      }
      expect(codeOf((await put('cam-dir-2', good)).body)).toBe('CONFLICT'); // GB id of cam-dir-1
      // An incomplete record is accepted and named non-compliant.
      const partial = await put('cam-dir-2', { name: '门口', siteId: ids['老王烧烤'] });
      expect(partial.status).toBe(201);
      expect(partial.body.problems).toEqual(['no GB/T 28181 id', 'no coordinates']);
      expect((await cloud.api('GET', '/api/cameras/cam-dir-9/directory')).status).toBe(404);
      const all = await cloud.api<{ items: DirectoryRecord[] }>('GET', '/api/directory');
      expect(all.body.items.map((r) => r.cameraId)).toEqual(['cam-dir-1', 'cam-dir-2']);
    });
  });

  describe('history and KPIs', () => {
    /**
     * Five cameras with a made-up history over [T0, T0+11 s) so every figure can be worked out by hand
     * (see the comments); the window is [T0+1 s, T0+11 s).
     */
    let siteA = 0;
    let siteB = 0;
    let siteC = 0;
    let orgs: Record<string, number> = {};

    beforeAll(async () => {
      const { repos } = cloud.app.mingliang;
      const org = async (name: string, kind: string, parentId?: number): Promise<number> =>
        (await cloud.api<OrgItem>('POST', '/api/orgs', { name, kind, ...(parentId ? { parentId } : {}) })).body.id;
      const city = await org('芜湖市', 'city');
      const district = await org('镜湖区', 'district', city);
      const street = await org('滨江街道', 'street', district);
      const bureau = await org('芜湖市城管局', 'bureau', city);
      const empty = await org('鸠江区', 'district', city);
      orgs = { city, district, street, bureau, empty };
      const site = async (name: string, kind: string, orgId: number): Promise<number> =>
        (await cloud.api<SiteItem>('POST', '/api/sites', { name, kind, orgId })).body.id;
      siteA = await site('A 餐馆', 'restaurant', street);
      siteB = await site('B 工地', 'worksite', district);
      siteC = await site('C 广场', 'public_area', bureau);

      const streaming = { state: 'streaming' as const, reason: null, quality: [], analysis: { enabled: true, running: true } };
      for (const [id, created] of [['kpi-1', T0], ['kpi-2', T0], ['kpi-3', T0 + 2000], ['kpi-5', T0]] as const) {
        repos.cameras.upsert('edge-cfg', { id, name: id, rules: ['r'] }, created);
      }
      const put = (cameraId: string, siteId: number, gbId: string | null, created: number) =>
        repos.directory.put({ cameraId, name: cameraId, siteId, gbId, longitude: gbId ? 118.38 : null, latitude: gbId ? 31.33 : null }, created);
      put('kpi-1', siteA, '34020200001320000001', T0);
      put('kpi-2', siteA, null, T0); // not compliant
      put('kpi-3', siteB, '34020200001310000002', T0 + 2000);
      put('kpi-4', siteC, '34020200001320000004', T0); // in the directory only: no edge ever declared it
      // kpi-5 has no directory record: unassigned and not compliant.
      const states = repos.cameraStates;
      states.append('kpi-1', T0, streaming, T0);
      states.append('kpi-1', T0 + 6000, { ...streaming, state: 'stalled', reason: 'no new frame for 3.0 s', analysis: { enabled: true, running: false } }, T0);
      states.append('kpi-2', T0, { ...streaming, quality: ['frozen'] }, T0);
      states.append('kpi-2', T0 + 3000, streaming, T0);
      states.append('kpi-3', T0 + 2000, { ...streaming, analysis: { enabled: false, running: false } }, T0);
      states.append('kpi-5', T0, { state: 'offline', reason: 'edge disconnected', quality: [], analysis: null }, T0);
    });

    it('serves a camera history over a window, starting with the entry in effect at `from`', async () => {
      const res = await cloud.api<CameraStatesResponse>('GET', `/api/cameras/kpi-1/states?from=${T0 + 1000}&to=${T0 + 11_000}`);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        cameraId: 'kpi-1',
        from: T0 + 1000,
        to: T0 + 11_000,
        items: [
          { at: T0, state: 'streaming', reason: null, quality: [], analysis: { enabled: true, running: true } },
          { at: T0 + 6000, state: 'stalled', reason: 'no new frame for 3.0 s', quality: [], analysis: { enabled: true, running: false } },
        ],
        truncated: false,
      });
      const limited = await cloud.api<CameraStatesResponse>('GET', `/api/cameras/kpi-1/states?from=${T0 + 1000}&to=${T0 + 11_000}&limit=1`);
      expect(limited.body.items.map((i) => i.at)).toEqual([T0]);
      expect(limited.body.truncated).toBe(true);
      expect((await cloud.api('GET', `/api/cameras/kpi-1/states?from=${T0 + 2}&to=${T0 + 1}`)).status).toBe(400);
      expect((await cloud.api('GET', '/api/cameras/nope/states')).status).toBe(404);
    });

    it('computes time-weighted KPIs over a window per site, per org subtree and overall', async () => {
      const res = await cloud.api<CameraStatsResponse>('GET', `/api/stats/cameras?from=${T0 + 1000}&to=${T0 + 11_000}`);
      expect(res.status).toBe(200);
      const { body } = res;
      expect(body).toMatchObject({ mode: 'window', from: T0 + 1000, to: T0 + 11_000 });
      // Only the cameras of this block existed in the window (the others were created now).
      // Exposure: kpi-1 10 s, kpi-2 10 s, kpi-3 9 s (created at +2 s), kpi-4 10 s, kpi-5 10 s = 49 s.
      // Online: kpi-1 5 s, kpi-2 10 s, kpi-3 9 s = 24 s. Picture: 5 + 8 (frozen until +3 s) + 9 = 22 s.
      // Analysis: 5 + 10 + 0 (not configured on kpi-3) = 15 s. Compliant: kpi-1, kpi-3, kpi-4.
      expect(body.overall).toEqual({
        cameras: 5,
        online: 2.4,
        picture: 2.2,
        aiCoverage: 1.5,
        directoryCompliant: 3,
        onlineRate: 0.489796,
        pictureRate: 0.44898,
        aiCoverageRate: 0.306122,
        directoryComplianceRate: 0.6,
      });
      const site = (id: number) => body.sites.find((s) => s.siteId === id);
      expect(site(siteA)).toMatchObject({ cameras: 2, onlineRate: 0.75, pictureRate: 0.65, aiCoverageRate: 0.75, directoryComplianceRate: 0.5 });
      expect(site(siteB)).toMatchObject({ cameras: 1, onlineRate: 1, pictureRate: 1, aiCoverageRate: 0, directoryComplianceRate: 1 });
      expect(site(siteC)).toMatchObject({ cameras: 1, onlineRate: 0, pictureRate: 0, aiCoverageRate: 0, directoryComplianceRate: 1 });
      const org = (id: number | undefined) => body.orgs.find((o) => o.orgId === id);
      // The district covers its own site B and the street's site A: 29 s of exposure.
      expect(org(orgs.district)).toMatchObject({ cameras: 3, onlineRate: 0.827586, pictureRate: 0.758621, aiCoverageRate: 0.517241, directoryComplianceRate: 0.666667 });
      expect(org(orgs.street)).toMatchObject({ cameras: 2, onlineRate: 0.75 });
      expect(org(orgs.city)).toMatchObject({ cameras: 4, onlineRate: 0.615385, pictureRate: 0.564103, aiCoverageRate: 0.384615, directoryComplianceRate: 0.75 });
      expect(org(orgs.empty)).toMatchObject({ cameras: 0, onlineRate: null, directoryComplianceRate: null });
      expect(body.unassigned).toMatchObject({ cameras: 1, onlineRate: 0, directoryComplianceRate: 0 });
      const failing = new Map(body.failing.map((f) => [f.cameraId, f.failures]));
      expect(failing.get('kpi-1')).toEqual([
        { kpi: 'online', reason: 'online 50.0% of the time' },
        { kpi: 'picture', reason: 'with a usable picture 50.0% of the time' },
        { kpi: 'aiCoverage', reason: 'with analysis running 50.0% of the time' },
      ]);
      expect(failing.get('kpi-2')).toEqual([
        { kpi: 'picture', reason: 'with a usable picture 80.0% of the time' },
        { kpi: 'directoryCompliance', reason: 'no GB/T 28181 id; no coordinates' },
      ]);
    });

    it('computes the KPIs now from each camera\'s latest state, with the reasons of the failing cameras', async () => {
      const res = await cloud.api<CameraStatsResponse>('GET', '/api/stats/cameras');
      expect(res.status).toBe(200);
      const mine = res.body.failing.filter((f) => f.cameraId.startsWith('kpi-'));
      expect(Object.fromEntries(mine.map((f) => [f.cameraId, f.failures]))).toEqual({
        'kpi-1': [
          { kpi: 'online', reason: 'stalled: no new frame for 3.0 s' },
          { kpi: 'picture', reason: 'not streaming' },
          { kpi: 'aiCoverage', reason: 'not streaming' },
        ],
        'kpi-2': [{ kpi: 'directoryCompliance', reason: 'no GB/T 28181 id; no coordinates' }],
        'kpi-3': [{ kpi: 'aiCoverage', reason: 'no analysis configured' }],
        'kpi-4': [
          { kpi: 'online', reason: 'not declared by any edge' },
          { kpi: 'picture', reason: 'not streaming' },
          { kpi: 'aiCoverage', reason: 'not streaming' },
        ],
        'kpi-5': [
          { kpi: 'online', reason: 'offline: edge disconnected' },
          { kpi: 'picture', reason: 'not streaming' },
          { kpi: 'aiCoverage', reason: 'not streaming' },
          { kpi: 'directoryCompliance', reason: 'no directory record' },
        ],
      });
      const site = res.body.sites.find((s) => s.siteId === siteA);
      // kpi-1 stalled, kpi-2 streaming with analysis: one of two on every health KPI.
      expect(site).toMatchObject({ cameras: 2, online: 1, picture: 1, aiCoverage: 1, directoryCompliant: 1, onlineRate: 0.5, pictureRate: 0.5, aiCoverageRate: 0.5, directoryComplianceRate: 0.5 });
      expect((await cloud.api('GET', '/api/stats/cameras?to=5')).status).toBe(400);
      expect((await cloud.api('GET', `/api/stats/cameras?from=${T0 + 5}&to=${T0 + 5}`)).status).toBe(400);
    });
  });
});

describe('an edge revoked by an administrator stays revoked across restarts', () => {
  const tmp = tempDir('cloud-revoke-restart');
  afterAll(() => tmp.remove());

  it('keeps a config edge revoked while the config keeps its token, and revives it with a new token', async () => {
    const dataDir = path.join(tmp.dir, 'cloud');
    const config = (token: string) => testCloudConfig(dataDir, ADMIN, { edges: [{ id: 'edge-cfg', token }] });
    const first = await CloudUnderTest.start(config(CFG_TOKEN), ADMIN);
    try {
      expect((await first.api('POST', '/api/edges/edge-cfg/revoke')).status).toBe(200);
    } finally {
      await first.close();
    }
    const second = await CloudUnderTest.start(config(CFG_TOKEN), ADMIN);
    try {
      expect((await second.edge('edge-cfg', CFG_TOKEN)).error?.data).toMatchObject({ code: 'UNAUTHORIZED' });
    } finally {
      await second.close();
    }
    const newToken = 'a-brand-new-config-token-0123456789';
    const third = await CloudUnderTest.start(config(newToken), ADMIN);
    try {
      const ok = await third.edge('edge-cfg', newToken);
      expect(ok.error).toBeUndefined();
      const cameras = await third.api<{ items: CameraItem[] }>('GET', '/api/cameras');
      expect(cameras.status).toBe(200);
      await waitFor('edge listed as connected', async () => {
        const list = await third.api<EdgeListResponse>('GET', '/api/edges');
        return list.body.items.find((e) => e.id === 'edge-cfg' && e.connected && e.revokedAt === null);
      }, 5000);
    } finally {
      await third.close();
    }
  });
});
