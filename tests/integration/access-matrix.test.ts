/**
 * The access-control matrix: every role × every resource kind × own/other scope, over REST (records,
 * lists, evidence files, stream URLs, administration) and socket.io pushes, against a real cloud with a
 * real SQLite file and real socket.io clients. Every `/api` route the app registers must have a row here
 * (or a stated exemption), so a new route cannot ship without its access rule being tested.
 */
import sharp from 'sharp';
import { io, type Socket } from 'socket.io-client';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { USER_ROLES, VIEWER_NAMESPACE, type UserRole } from '../../protocol/index.js';
import { eventMessage, send } from '../support/cloud-under-test.js';
import { EDGE_ID, startScopedFixture, type ScopedFixture, type Side } from '../support/scoped-fixture.js';

/** What one row sends for a side. */
interface Req {
  method: string;
  url: string;
  body?: unknown;
}

/**
 * How a row is judged:
 * - `scoped`: every role with the permission reads its own side (2xx); the other side is NOT_FOUND for
 *   everyone but the admin (2xx) — out-of-scope things look like they do not exist;
 * - `list`: 200 for all; the body lists own-side ids, and other-side ids only for the admin;
 * - `admin`: 403 FORBIDDEN for every other role; the admin passes the access check (any status but
 *   401/403 — the rows send harmless bodies that may be refused as bad requests);
 * - `permission`: like `scoped`, but roles without the permission get 403 on both sides;
 * - `passes`: roles with the permission reach the own side passes every access check but may still fail for
 *   another reason (the fake edge here answers no footage queries): any status but 401/403/404.
 */
type Rule =
  | { kind: 'scoped'; ok?: number }
  | { kind: 'list'; ids: (body: unknown) => (string | number)[]; own: (f: ScopedFixture) => string | number; other: (f: ScopedFixture) => string | number }
  | { kind: 'admin' }
  | { kind: 'permission'; roles: readonly UserRole[]; ok?: number; sideless?: boolean }
  | { kind: 'passes'; roles: readonly UserRole[] };

interface Row {
  route: string;
  resource: string;
  req: (f: ScopedFixture, side: Side) => Req;
  rule: Rule;
}

/** The fixture's events start at 1_700_000_000_000 (see eventMessage). */
const WINDOW = 'from=1699990000000&to=1700090000000';
const items = (body: unknown): Record<string, unknown>[] => ((body as { items?: Record<string, unknown>[] }).items ?? []);
const idsOf = (key: string) => (body: unknown) => items(body).map((i) => i[key] as string | number);

const ROWS: Row[] = [
  // Events and their evidence.
  { route: 'GET /api/events', resource: 'event list', req: () => ({ method: 'GET', url: '/api/events' }), rule: { kind: 'list', ids: idsOf('id'), own: (f) => f.side.A.eventId, other: (f) => f.side.B.eventId } },
  { route: 'GET /api/events/:id', resource: 'event', req: (f, s) => ({ method: 'GET', url: `/api/events/${f.side[s].eventId}` }), rule: { kind: 'scoped' } },
  { route: 'GET /api/events/:id/snapshot', resource: 'snapshot', req: (f, s) => ({ method: 'GET', url: `/api/events/${f.side[s].eventId}/snapshot` }), rule: { kind: 'scoped' } },
  { route: 'GET /api/events/:id/thumbnail', resource: 'thumbnail', req: (f, s) => ({ method: 'GET', url: `/api/events/${f.side[s].eventId}/thumbnail` }), rule: { kind: 'scoped' } },
  { route: 'GET /api/events/:id/clip', resource: 'clip', req: (f, s) => ({ method: 'GET', url: `/api/events/${f.side[s].eventId}/clip` }), rule: { kind: 'scoped' } },
  // The closed-loop workflow. Actions run for real, in role order, so later ones may meet a state that
  // refuses them (409): `passes` only asks that the access checks let the caller through.
  { route: 'GET /api/events/:id/workflow', resource: 'workflow detail', req: (f, s) => ({ method: 'GET', url: `/api/events/${f.side[s].eventId}/workflow` }), rule: { kind: 'scoped' } },
  { route: 'POST /api/events/:id/workflow/accept', resource: 'workflow 受理', req: (f, s) => ({ method: 'POST', url: `/api/events/${f.side[s].eventId}/workflow/accept`, body: {} }), rule: { kind: 'passes', roles: ['admin', 'operator'] } },
  { route: 'POST /api/events/:id/workflow/dispatch', resource: 'workflow 分拨', req: (f, s) => ({ method: 'POST', url: `/api/events/${f.side[s].eventId}/workflow/dispatch`, body: {} }), rule: { kind: 'passes', roles: ['admin', 'operator'] } },
  { route: 'POST /api/events/:id/attachments', resource: 'rectification photo upload', req: (f, s) => ({ method: 'POST', url: `/api/events/${f.side[s].eventId}/attachments` }), rule: { kind: 'passes', roles: ['admin', 'site'] } },
  { route: 'POST /api/events/:id/workflow/handle', resource: 'workflow 处置', req: (f, s) => ({ method: 'POST', url: `/api/events/${f.side[s].eventId}/workflow/handle`, body: { note: '已整改', attachments: [] } }), rule: { kind: 'passes', roles: ['admin', 'site'] } },
  { route: 'POST /api/events/:id/workflow/recheck', resource: 'workflow 复核', req: (f, s) => ({ method: 'POST', url: `/api/events/${f.side[s].eventId}/workflow/recheck`, body: { pass: false, note: '未整改到位' } }), rule: { kind: 'passes', roles: ['admin', 'regulator'] } },
  { route: 'POST /api/events/:id/workflow/supervise', resource: 'workflow 督办', req: (f, s) => ({ method: 'POST', url: `/api/events/${f.side[s].eventId}/workflow/supervise`, body: { note: '请尽快处置' } }), rule: { kind: 'passes', roles: ['admin', 'regulator'] } },
  { route: 'POST /api/events/:id/workflow/false-alarm', resource: 'workflow 误报', req: (f, s) => ({ method: 'POST', url: `/api/events/${f.side[s].eventId}/workflow/false-alarm`, body: { reason: '误报测试' } }), rule: { kind: 'passes', roles: ['admin', 'operator'] } },
  { route: 'GET /api/workflow', resource: 'workflow list', req: () => ({ method: 'GET', url: '/api/workflow' }), rule: { kind: 'list', ids: idsOf('eventId'), own: (f) => f.side.A.eventId, other: (f) => f.side.B.eventId } },
  { route: 'GET /api/notices', resource: 'notices', req: () => ({ method: 'GET', url: '/api/notices' }), rule: { kind: 'list', ids: idsOf('eventId'), own: (f) => f.side.A.eventId, other: (f) => f.side.B.eventId } },
  // Cameras, health, directory.
  { route: 'GET /api/cameras', resource: 'camera list', req: () => ({ method: 'GET', url: '/api/cameras' }), rule: { kind: 'list', ids: idsOf('id'), own: (f) => f.side.A.cameraId, other: (f) => f.side.B.cameraId } },
  { route: 'GET /api/cameras/:id', resource: 'camera', req: (f, s) => ({ method: 'GET', url: `/api/cameras/${f.side[s].cameraId}` }), rule: { kind: 'scoped' } },
  { route: 'GET /api/cameras/:id/states', resource: 'camera health history', req: (f, s) => ({ method: 'GET', url: `/api/cameras/${f.side[s].cameraId}/states` }), rule: { kind: 'scoped' } },
  { route: 'GET /api/cameras/:id/directory', resource: 'directory record', req: (f, s) => ({ method: 'GET', url: `/api/cameras/${f.side[s].cameraId}/directory` }), rule: { kind: 'scoped' } },
  { route: 'GET /api/directory', resource: 'directory', req: () => ({ method: 'GET', url: '/api/directory' }), rule: { kind: 'list', ids: idsOf('cameraId'), own: (f) => f.side.A.cameraId, other: (f) => f.side.B.cameraId } },
  // Camera rules: anyone in scope reads them; only administrators change them (the body is refused as a bad request after the check).
  { route: 'GET /api/cameras/:id/rules', resource: 'camera rules', req: (f, s) => ({ method: 'GET', url: `/api/cameras/${f.side[s].cameraId}/rules` }), rule: { kind: 'scoped' } },
  { route: 'PUT /api/cameras/:id/rules', resource: 'camera rules change', req: (f, s) => ({ method: 'PUT', url: `/api/cameras/${f.side[s].cameraId}/rules`, body: { zones: 'none' } }), rule: { kind: 'admin' } },
  // A current picture from the edge (the fixture's edge answers with a small JPEG).
  { route: 'GET /api/cameras/:id/snapshot', resource: 'current camera picture', req: (f, s) => ({ method: 'GET', url: `/api/cameras/${f.side[s].cameraId}/snapshot` }), rule: { kind: 'scoped' } },
  { route: 'PUT /api/cameras/:id/directory', resource: 'directory change', req: (f, s) => ({ method: 'PUT', url: `/api/cameras/${f.side[s].cameraId}/directory`, body: {} }), rule: { kind: 'admin' } },
  // Live video: media is disabled here, so a permitted request ends at 503 NOT_READY after the checks.
  { route: 'POST /api/live/:cameraId', resource: 'stream URL', req: (f, s) => ({ method: 'POST', url: `/api/live/${f.side[s].cameraId}` }), rule: { kind: 'scoped', ok: 503 } },
  // Footage review and evidence export (the caller's own requests and exports are checked below).
  { route: 'GET /api/cameras/:id/recordings', resource: 'recording listing', req: (f, s) => ({ method: 'GET', url: `/api/cameras/${f.side[s].cameraId}/recordings?from=${Date.now() - 60_000}&to=${Date.now()}` }), rule: { kind: 'passes', roles: ['admin', 'operator', 'regulator'] } },
  { route: 'POST /api/cameras/:id/recordings/requests', resource: 'recording request', req: (f, s) => ({ method: 'POST', url: `/api/cameras/${f.side[s].cameraId}/recordings/requests`, body: { from: Date.now() - 60_000, to: Date.now() } }), rule: { kind: 'passes', roles: ['admin', 'operator', 'regulator'] } },
  { route: 'POST /api/exports', resource: 'evidence export', req: (f, s) => ({ method: 'POST', url: '/api/exports', body: { eventIds: [f.side[s].eventId] } }), rule: { kind: 'passes', roles: ['admin', 'operator', 'regulator'] } },
  // Organisation.
  { route: 'GET /api/sites', resource: 'site list', req: () => ({ method: 'GET', url: '/api/sites' }), rule: { kind: 'list', ids: idsOf('id'), own: (f) => f.side.A.siteId, other: (f) => f.side.B.siteId } },
  { route: 'POST /api/sites', resource: 'site change', req: () => ({ method: 'POST', url: '/api/sites', body: {} }), rule: { kind: 'admin' } },
  { route: 'PATCH /api/sites/:id', resource: 'site change', req: (f, s) => ({ method: 'PATCH', url: `/api/sites/${f.side[s].siteId}`, body: {} }), rule: { kind: 'admin' } },
  { route: 'GET /api/orgs', resource: 'org list', req: () => ({ method: 'GET', url: '/api/orgs' }), rule: { kind: 'list', ids: idsOf('id'), own: (f) => f.side.A.orgId, other: (f) => f.side.B.orgId } },
  { route: 'POST /api/orgs', resource: 'org change', req: () => ({ method: 'POST', url: '/api/orgs', body: {} }), rule: { kind: 'admin' } },
  { route: 'PATCH /api/orgs/:id', resource: 'org change', req: (f, s) => ({ method: 'PATCH', url: `/api/orgs/${f.side[s].orgId}`, body: {} }), rule: { kind: 'admin' } },
  // Statistics (content checked separately below).
  { route: 'GET /api/stats/cameras', resource: 'camera KPIs', req: () => ({ method: 'GET', url: '/api/stats/cameras' }), rule: { kind: 'list', ids: (b) => ((b as { sites: { siteId: number }[] }).sites ?? []).map((s) => s.siteId), own: (f) => f.side.A.siteId, other: (f) => f.side.B.siteId } },
  // Violation statistics: rankings and hygiene list sites; summary and trend counts are checked below.
  { route: 'GET /api/stats/violations/ranking', resource: 'violation ranking', req: () => ({ method: 'GET', url: `/api/stats/violations/ranking?by=site&${WINDOW}` }), rule: { kind: 'list', ids: (b) => items(b).map((i) => Number(i.key)), own: (f) => f.side.A.siteId, other: (f) => f.side.B.siteId } },
  { route: 'GET /api/stats/hygiene', resource: 'kitchen hygiene scores', req: () => ({ method: 'GET', url: `/api/stats/hygiene?${WINDOW}` }), rule: { kind: 'list', ids: (b) => ((b as { sites?: { siteId: number }[] }).sites ?? []).map((x) => x.siteId), own: (f) => f.side.A.siteId, other: (f) => f.side.B.siteId } },
  { route: 'GET /api/stats/violations/summary', resource: 'violation summary', req: () => ({ method: 'GET', url: `/api/stats/violations/summary?${WINDOW}` }), rule: { kind: 'permission', roles: USER_ROLES, sideless: true } },
  { route: 'GET /api/stats/violations/trend', resource: 'violation trend', req: () => ({ method: 'GET', url: `/api/stats/violations/trend?bucket=day&${WINDOW}` }), rule: { kind: 'permission', roles: USER_ROLES, sideless: true } },
  // Administration.
  { route: 'GET /api/users', resource: 'users', req: () => ({ method: 'GET', url: '/api/users' }), rule: { kind: 'admin' } },
  { route: 'POST /api/users', resource: 'user change', req: () => ({ method: 'POST', url: '/api/users', body: {} }), rule: { kind: 'admin' } },
  { route: 'PATCH /api/users/:id', resource: 'user change', req: (f) => ({ method: 'PATCH', url: `/api/users/${f.userIds.site}`, body: {} }), rule: { kind: 'admin' } },
  { route: 'POST /api/users/:id/password', resource: 'password reset', req: (f) => ({ method: 'POST', url: `/api/users/${f.userIds.site}/password`, body: {} }), rule: { kind: 'admin' } },
  { route: 'GET /api/edges', resource: 'edges', req: () => ({ method: 'GET', url: '/api/edges' }), rule: { kind: 'admin' } },
  { route: 'POST /api/edges', resource: 'edge change', req: () => ({ method: 'POST', url: '/api/edges', body: {} }), rule: { kind: 'admin' } },
  { route: 'POST /api/edges/:id/revoke', resource: 'edge change', req: () => ({ method: 'POST', url: '/api/edges/no-such-edge/revoke' }), rule: { kind: 'admin' } },
  { route: 'GET /api/integrations/webhooks/deliveries', resource: 'webhook deliveries', req: () => ({ method: 'GET', url: '/api/integrations/webhooks/deliveries' }), rule: { kind: 'admin' } },
  { route: 'GET /api/audit', resource: 'audit log', req: () => ({ method: 'GET', url: '/api/audit' }), rule: { kind: 'admin' } },
];

/** Routes without a matrix row, and why. */
const EXEMPT: Record<string, string> = {
  'POST /api/auth/login': 'public by design: it is how a user gets a token',
  'POST /api/auth/refresh': 'public by design: authenticated by the refresh token in the body',
  'POST /api/auth/logout': 'public by design: needs only the refresh token it ends',
  'GET /api/auth/me': 'the caller itself; covered by the unauthenticated sweep and the session tests',
  'PUT /api/edge/evidence/:sha256': 'edge credentials, not users (cloud-edge-ingest tests)',
  'PUT /api/edge/recordings/:requestId/:sha256': 'edge credentials, not users (recording-playback tests)',
  'GET /api/events/:id/attachments/:sha256': 'a photo exists only after an upload: workflow.test checks its scope (another site gets 404 on every workflow route)',
  'GET /api/recordings/requests/:id': 'owned by its requester: see "keeps recording requests and exports to their owner"',
  'GET /api/recordings/requests/:id/file': 'owned by its requester: see "keeps recording requests and exports to their owner"',
  'GET /api/exports/:id': 'owned by its requester: see "keeps recording requests and exports to their owner"',
  'GET /api/exports/:id/download': 'owned by its requester: see "keeps recording requests and exports to their owner"',
};

let f: ScopedFixture;

beforeAll(async () => {
  f = await startScopedFixture();
  const jpeg = await sharp({ create: { width: 32, height: 18, channels: 3, background: '#406080' } }).jpeg().toBuffer();
  f.edge.on('camera:snapshot', (_cmd: unknown, ack: (res: unknown) => void) => ack({ ok: true, jpeg, width: 32, height: 18, capturedAt: Date.now() }));
}, 60_000);
afterAll(async () => {
  await f?.close();
});

/**
 * Asserts a request got past the access checks: none of the `refusals`, and no server failure — a 5xx
 * only as NOT_READY (503, or 504 when the edge did not answer in time) (the fake edge here answers no footage queries, live video is off).
 */
function expectPassed(where: object, res: { status: number; body: unknown }, refusals: readonly number[]): void {
  expect(refusals, JSON.stringify(where)).not.toContain(res.status);
  const code = (res.body as { error?: { code?: string } } | undefined)?.error?.code;
  if (res.status >= 500) {
    expect({ ...where, code }).toEqual({ ...where, code: 'NOT_READY' });
    expect([503, 504], JSON.stringify(where)).toContain(res.status);
  }
}

/** A REST call as a role; JSON bodies parsed, file bodies (evidence) kept as their byte count. */
async function call(role: UserRole | null, req: Req): Promise<{ status: number; body: unknown }> {
  const headers: Record<string, string> = {};
  if (role !== null) headers.authorization = `Bearer ${f.tokens[role]}`;
  if (req.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${f.cloud.base}${req.url}`, { method: req.method, headers, ...(req.body === undefined ? {} : { body: JSON.stringify(req.body) }) });
  const bytes = Buffer.from(await res.arrayBuffer());
  const json = (res.headers.get('content-type') ?? '').startsWith('application/json');
  return { status: res.status, body: json ? (JSON.parse(bytes.toString('utf8')) as unknown) : bytes.length };
}

describe('access-control matrix', () => {
  it('has a row (or a stated exemption) for every /api route the app registers', () => {
    const routes = new Set(
      f.cloud.app.mingliang.routes.filter((r) => r.url.startsWith('/api/') && r.method !== 'HEAD').map((r) => `${r.method} ${r.url}`),
    );
    const covered = new Set([...ROWS.map((r) => r.route), ...Object.keys(EXEMPT)]);
    expect([...routes].filter((r) => !covered.has(r)).sort()).toEqual([]);
    // And no stale row: every row names a real route.
    expect([...covered].filter((r) => !routes.has(r)).sort()).toEqual([]);
  });

  it('refuses every /api route without a token (and with a forged one) with 401, public auth routes aside', async () => {
    const routes = f.cloud.app.mingliang.routes.filter((r) => r.url.startsWith('/api/') && !EXEMPT[`${r.method} ${r.url}`]?.startsWith('public'));
    expect(routes.length).toBeGreaterThan(20);
    for (const r of routes) {
      const url = r.url.replace(/:([A-Za-z0-9_]+)/g, (_m, name: string) => (name === 'sha256' ? 'a'.repeat(64) : 'x1'));
      for (const bearer of [null, 'forged.token.value']) {
        const res = await f.cloud.api(r.method, url, undefined, bearer);
        expect({ route: `${r.method} ${r.url}`, bearer, status: res.status }).toEqual({ route: `${r.method} ${r.url}`, bearer, status: 401 });
      }
    }
  });

  for (const row of ROWS) {
    it(`${row.route} (${row.resource}): every role, own and other scope`, async () => {
      for (const role of USER_ROLES) {
        for (const side of ['A', 'B'] as const) {
          const res = await call(role, row.req(f, side));
          const where = { route: row.route, role, side, status: res.status };
          const rule = row.rule;
          if (rule.kind === 'admin') {
            if (role === 'admin') expectPassed(where, res, [401, 403]);
            else expect(where).toEqual({ ...where, status: 403 });
          } else if (rule.kind === 'list') {
            expect(where).toEqual({ ...where, status: 200 });
            const ids = rule.ids(res.body);
            const own = rule.own(f);
            const other = rule.other(f);
            // A site user sees its own site and cameras, but no org: its scope is the site alone.
            const ownVisible = !(role === 'site' && row.route === 'GET /api/orgs');
            expect({ ...where, own: ids.includes(own) }).toEqual({ ...where, own: ownVisible });
            expect({ ...where, other: ids.includes(other) }).toEqual({ ...where, other: role === 'admin' });
          } else if (rule.kind === 'passes') {
            // Without the permission: 403 on its own side; on the other side 403 or 404, both said
            // whether or not the thing exists (some routes check scope first, some the role).
            if (!rule.roles.includes(role)) expect(side === 'A' ? [403] : [403, 404], JSON.stringify(where)).toContain(res.status);
            else if (side === 'A' || role === 'admin') expectPassed(where, res, [401, 403, 404]);
            else expect(where).toEqual({ ...where, status: 404 });
          } else {
            const allowed = rule.kind === 'permission' ? rule.roles.includes(role) : true;
            const ok = rule.ok ?? 200;
            const sideless = rule.kind === 'permission' && rule.sideless === true;
            const expected = !allowed ? 403 : side === 'A' || role === 'admin' || sideless ? ok : 404;
            expect(where).toEqual({ ...where, status: expected });
          }
        }
      }
    });
  }

  it('keeps recording requests and exports to their owner (and the admin); others get 404, roles without the permission 403', async () => {
    const owners = ['operator', 'regulator'] as const;
    const made: Record<string, { request: string; export: string }> = {};
    for (const role of owners) {
      const rec = await call(role, { method: 'POST', url: `/api/cameras/${f.side.A.cameraId}/recordings/requests`, body: { from: Date.now() - 60_000, to: Date.now() } });
      const exp = await call(role, { method: 'POST', url: '/api/exports', body: { eventIds: [f.side.A.eventId] } });
      expect([rec.status, exp.status]).toEqual([202, 202]);
      made[role] = { request: (rec.body as { id: string }).id, export: (exp.body as { id: string }).id };
    }
    for (const role of USER_ROLES) {
      for (const owner of owners) {
        const ids = made[owner];
        if (!ids) throw new Error('no ids');
        const urls = [`/api/recordings/requests/${ids.request}`, `/api/recordings/requests/${ids.request}/file`, `/api/exports/${ids.export}`, `/api/exports/${ids.export}/download`];
        for (const url of urls) {
          const res = await call(role, { method: 'GET', url });
          const where = { role, owner, url, status: res.status };
          // Site users have neither footage.review nor evidence.export.
          if (role === 'site') expect(where).toEqual({ ...where, status: 403 });
          else if (role === owner || role === 'admin') expectPassed(where, res, [401, 403]);
          else expect(where).toEqual({ ...where, status: 404 });
          if ((role === owner || role === 'admin') && res.status === 404) {
            // A 404 for the owner may only mean "no file (yet/failed)", never "no such request".
            expect((res.body as { error: { message: string } }).error.message).toMatch(/has no file/);
          }
        }
      }
    }
  });

  it('counts only the violations in scope in the summary and trend', async () => {
    const total = async (role: UserRole, url: string, pick: (b: unknown) => number) => pick((await call(role, { method: 'GET', url })).body);
    const summary = (b: unknown) => (b as { totals: { events: number } }).totals.events;
    const trend = (b: unknown) => ((b as { series: { total: number }[] }).series ?? []).reduce((n, x) => n + x.total, 0);
    const inSite = async (siteId: number) => items((await call('admin', { method: 'GET', url: `/api/events?siteId=${siteId}&${WINDOW}` })).body).length;
    const [a, b] = [await inSite(f.side.A.siteId), await inSite(f.side.B.siteId)];
    expect(a).toBeGreaterThan(0);
    expect(b).toBeGreaterThan(0);
    for (const role of USER_ROLES) {
      const expected = role === 'admin' ? a + b : a;
      expect({ role, n: await total(role, `/api/stats/violations/summary?${WINDOW}`, summary) }).toEqual({ role, n: expected });
      expect({ role, n: await total(role, `/api/stats/violations/trend?bucket=day&groupBy=type&${WINDOW}`, trend) }).toEqual({ role, n: expected });
    }
  });

  it('shows each role only its own sites in the camera KPIs, and no org outside its subtree', async () => {
    const stats = await call('operator', { method: 'GET', url: '/api/stats/cameras' });
    const body = stats.body as { overall: { cameras: number }; orgs: { orgId: number }[] };
    expect(body.overall.cameras).toBe(1);
    expect(body.orgs.map((o) => o.orgId)).toEqual([f.side.A.orgId]);
    const all = (await call('admin', { method: 'GET', url: '/api/stats/cameras' })).body as { overall: { cameras: number } };
    expect(all.overall.cameras).toBe(2);
  });

  it('pushes events and camera changes over socket.io only to viewers whose scope covers the camera', async () => {
    const viewers = new Map<UserRole, { socket: Socket; events: string[]; cameras: string[]; workflow: string[]; notices: string[] }>();
    for (const role of USER_ROLES) {
      const socket = io(`${f.cloud.base}${VIEWER_NAMESPACE}`, { auth: { token: f.tokens[role] }, transports: ['websocket'], reconnection: false, forceNew: true });
      const v = { socket, events: [] as string[], cameras: [] as string[], workflow: [] as string[], notices: [] as string[] };
      socket.on('event', (item: { cameraId: string }) => v.events.push(item.cameraId));
      socket.on('workflow', (u: { cameraId: string }) => v.workflow.push(u.cameraId));
      socket.on('notice', (n: { eventId: string }) => v.notices.push(n.eventId));
      socket.on('camera', (item: { id: string }) => v.cameras.push(item.id));
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', () => resolve());
        socket.once('connect_error', reject);
      });
      viewers.set(role, v);
    }
    try {
      const newEvents: Record<string, string> = {};
      for (const cameraId of ['cam-a', 'cam-b']) {
        const id = uuidv7();
        newEvents[id] = cameraId;
        const ack = await send(f.edge, 'event', eventMessage({ id, seq: 0, phase: 'start', edgeId: EDGE_ID, cameraId }));
        expect(ack).toEqual({ ok: true });
      }
      // A heartbeat that changes both cameras' state pushes a camera update for each.
      const now = Date.now();
      const hb = await send(f.edge, 'heartbeat', {
        edgeId: EDGE_ID,
        at: now,
        backlog: 0,
        cameras: ['cam-a', 'cam-b'].map((cameraId) => ({
          cameraId, state: 'streaming', since: now, captureFps: 5, analysedFps: 5, droppedFrames: 0, restarts: 0,
        })),
      });
      expect(hb.ok).toBe(true);
      const admin = viewers.get('admin');
      await expect.poll(() => admin?.events.length ?? 0, { timeout: 5000 }).toBeGreaterThanOrEqual(2);
      await expect.poll(() => admin?.cameras.length ?? 0, { timeout: 5000 }).toBeGreaterThanOrEqual(2);
      // The admin's pushes arrived; the others' were sent in the same emits, so they have arrived too.
      await new Promise((r) => setTimeout(r, 300));
      for (const role of USER_ROLES) {
        const v = viewers.get(role);
        const expected = role === 'admin' ? ['cam-a', 'cam-b'] : ['cam-a'];
        expect({ role, events: [...new Set(v?.events)].sort() }).toEqual({ role, events: expected });
        expect({ role, cameras: [...new Set(v?.cameras)].sort() }).toEqual({ role, cameras: expected });
        // Discovery (发现) of each event: a workflow update and the 双推送 notices, scoped the same way.
        expect({ role, workflow: [...new Set(v?.workflow)].sort() }).toEqual({ role, workflow: expected });
        const noticeCameras = [...new Set(v?.notices.map((id) => newEvents[id]).filter((c) => c !== undefined))].sort();
        expect({ role, notices: noticeCameras }).toEqual({ role, notices: expected });
      }
    } finally {
      for (const v of viewers.values()) v.socket.disconnect();
    }
  });

  it('serves evidence byte-identical with HTTP Range, and audits each download with who and what', async () => {
    const auth = { authorization: `Bearer ${f.tokens.site}` };
    const whole = await fetch(`${f.cloud.base}/api/events/${f.side.A.eventId}/clip`, { headers: auth });
    expect(whole.status).toBe(200);
    expect(whole.headers.get('content-type')).toBe('video/mp4');
    expect(Buffer.from(await whole.arrayBuffer()).equals(f.mp4)).toBe(true);
    const part = await fetch(`${f.cloud.base}/api/events/${f.side.A.eventId}/clip`, { headers: { ...auth, range: 'bytes=100-199' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 100-199/${f.mp4.length}`);
    expect(Buffer.from(await part.arrayBuffer()).equals(f.mp4.subarray(100, 200))).toBe(true);
    const snap = await fetch(`${f.cloud.base}/api/events/${f.side.A.eventId}/snapshot`, { headers: auth });
    expect(snap.headers.get('content-type')).toBe('image/jpeg');
    expect(Buffer.from(await snap.arrayBuffer()).equals(f.jpeg)).toBe(true);

    const audit = await call('admin', { method: 'GET', url: `/api/audit?action=evidence.download&userId=${f.userIds.site}` });
    const entries = items(audit.body);
    expect(entries.length).toBeGreaterThanOrEqual(3);
    expect(entries.every((e) => e.username === 'fixture-site' && e.targetId === f.side.A.eventId)).toBe(true);
    expect(entries.map((e) => (e.detail as { kind: string }).kind)).toEqual(expect.arrayContaining(['clip', 'snapshot']));
    // Refusals of another site's evidence served nothing, so they are not downloads.
    expect(entries.some((e) => e.targetId === f.side.B.eventId)).toBe(false);
  });

  it('refuses a viewer socket without a valid token', async () => {
    for (const token of [undefined, '', 'forged.token.value']) {
      const socket = io(`${f.cloud.base}${VIEWER_NAMESPACE}`, { auth: token === undefined ? {} : { token }, transports: ['websocket'], reconnection: false, forceNew: true });
      const outcome = await new Promise<string>((resolve) => {
        socket.once('connect', () => resolve('connected'));
        socket.once('connect_error', (err) => resolve(err.message));
      });
      socket.disconnect();
      expect(outcome).not.toBe('connected');
    }
  });
});
