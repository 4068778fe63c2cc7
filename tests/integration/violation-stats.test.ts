import type { Database } from 'better-sqlite3';
import type { Socket } from 'socket.io-client';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  ErrorReply,
  EventItem,
  HygieneResponse,
  OrgItem,
  SiteItem,
  ViolationRankingResponse,
  ViolationSummaryResponse,
  ViolationTrendResponse,
  WorkflowAction,
  WorkflowState,
} from '../../protocol/index.js';
import { CloudUnderTest, eventMessage, send, testCloudConfig } from '../support/cloud-under-test.js';
import { tempDir, waitFor } from '../support/harness.js';

const ADMIN_PASSWORD = 'violation-stats-admin-pw';
const EDGE_TOKEN = 'violation-stats-edge-token-0123456789';
const USER_PASSWORD = 'stats-user-password-1';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Monday 2024-03-04 00:00 China Standard Time. */
const T0 = Date.UTC(2024, 2, 3, 16);
const WEEK = `from=${T0}&to=${T0 + 7 * DAY}`;

/**
 * Writes workflow rows the way the workflow engine does (cloud/src/workflow/workflow-schema.ts): an item
 * discovered with each new event at its camera's site and that site's org, then one timeline row per
 * transition; handling sets handled_at / handled_on_time, a failed re-check clears them, closing sets
 * closed_at.
 * `OR IGNORE`: once the engine itself discovers events, the test leaves its item alone.
 */
class SqlWorkflow {
  constructor(private readonly db: Database) {}

  discover(event: EventItem): void {
    const placed = this.db
      .prepare<[string], { site_id: number; org_id: number }>(
        'SELECT d.site_id, s.org_id FROM camera_directory d JOIN sites s ON s.id = d.site_id WHERE d.camera_id = ?',
      )
      .get(event.cameraId);
    const now = Date.now();
    const inserted = this.db
      .prepare(
        `INSERT OR IGNORE INTO workflow_items (event_id, state, site_id, org_id, camera_id, event_type, severity, discovered_at, updated_at)
         VALUES (?, 'new', ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(event.id, placed?.site_id ?? null, placed?.org_id ?? null, event.cameraId, event.type, event.severity, now, now);
    if (inserted.changes === 1) this.timeline(event.id, 'discover', null, 'new', now);
  }

  private timeline(eventId: string, action: WorkflowAction, from: WorkflowState | null, to: WorkflowState, at: number, detail?: object): void {
    this.db
      .prepare(
        `INSERT INTO workflow_transitions (event_id, action, from_state, to_state, at, user_id, username, role, note, detail_json)
         VALUES (?, ?, ?, ?, ?, NULL, 'test', 'admin', 'by the test', ?)`,
      )
      .run(eventId, action, from, to, at, detail ? JSON.stringify(detail) : null);
  }

  private move(eventId: string, action: WorkflowAction, to: WorkflowState, at: number, set = '', values: unknown[] = [], detail?: object): void {
    const row = this.db.prepare<[string], { state: WorkflowState }>('SELECT state FROM workflow_items WHERE event_id = ?').get(eventId);
    if (!row) throw new Error(`no workflow item for ${eventId}`);
    this.db.prepare(`UPDATE workflow_items SET state = ?, updated_at = ?${set} WHERE event_id = ?`).run(to, at, ...values, eventId);
    this.timeline(eventId, action, row.state, to, at, detail);
  }

  accept(id: string, at: number): void {
    this.move(id, 'accept', 'accepted', at);
  }

  dispatch(id: string, at: number, deadlineAt: number): void {
    this.move(id, 'dispatch', 'dispatched', at, ', deadline_at = ?', [deadlineAt], { deadlineAt });
  }

  /** Handling records when, and whether the deadline in force was met. */
  handle(id: string, at: number): void {
    this.move(id, 'handle', 'handled', at, ', handled_at = ?, handled_on_time = (deadline_at IS NULL OR ? <= deadline_at)', [at, at]);
  }

  recheckPass(id: string, at: number, score: number): void {
    this.move(id, 'recheck_pass', 'closed', at, ', closed_at = ?, evaluation_pass = 1, evaluation_score = ?', [at, score], { score });
  }

  recheckFail(id: string, at: number): void {
    // A failed re-check takes the rectification back: not handled until handled again.
    this.move(id, 'recheck_fail', 'dispatched', at, ', evaluation_pass = 0, handled_at = NULL, handled_on_time = NULL');
  }

  escalate(id: string, at: number): void {
    const state = this.db.prepare<[string], { state: WorkflowState }>('SELECT state FROM workflow_items WHERE event_id = ?').get(id)?.state;
    if (!state) throw new Error(`no workflow item for ${id}`);
    this.move(id, 'escalate', state, at, ', escalation_level = escalation_level + 1, escalated_at = ?', [at]);
  }

  falseAlarm(id: string, at: number): void {
    this.move(id, 'false_alarm', 'false_alarm', at);
  }
}

describe('violation statistics over the API, by role', () => {
  const tmp = tempDir('violation-stats-api');
  let cloud: CloudUnderTest;
  let edge: Socket;
  const tokens: Record<'admin' | 'opNorth' | 'regSouth' | 'siteK1' | 'siteK2', string> = {
    admin: '', opNorth: '', regSouth: '', siteK1: '', siteK2: '',
  };
  const ids = { city: 0, north: 0, south: 0, k1: 0, k2: 0, w: 0 };
  const events: Record<string, string> = {};

  const get = async <T>(who: keyof typeof tokens, url: string): Promise<{ status: number; body: T }> =>
    cloud.api<T>('GET', url, undefined, tokens[who]);
  const ok = async <T>(who: keyof typeof tokens, url: string): Promise<T> => {
    const res = await get<T>(who, url);
    expect(res.status, `${who} GET ${url}: ${JSON.stringify(res.body)}`).toBe(200);
    return res.body;
  };

  beforeAll(async () => {
    cloud = await CloudUnderTest.start(
      testCloudConfig(`${tmp.dir}/cloud`, ADMIN_PASSWORD, { edges: [{ id: 'edge-1', token: EDGE_TOKEN }] }),
      ADMIN_PASSWORD,
    );
    tokens.admin = cloud.userToken;
    const created = async <T extends { id: number }>(url: string, body: unknown): Promise<number> => {
      const res = await cloud.api<T>('POST', url, body);
      if (res.status !== 201) throw new Error(`POST ${url}: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body.id;
    };
    ids.city = await created<OrgItem>('/api/orgs', { name: 'Harbour City', kind: 'city' });
    ids.north = await created<OrgItem>('/api/orgs', { name: 'North District', kind: 'district', parentId: ids.city });
    ids.south = await created<OrgItem>('/api/orgs', { name: 'South District', kind: 'district', parentId: ids.city });
    ids.k1 = await created<SiteItem>('/api/sites', { orgId: ids.north, name: 'Lotus Restaurant', kind: 'restaurant' });
    ids.k2 = await created<SiteItem>('/api/sites', { orgId: ids.north, name: 'No. 3 School Canteen', kind: 'school_canteen' });
    ids.w = await created<SiteItem>('/api/sites', { orgId: ids.south, name: 'Bay Tower Worksite', kind: 'worksite' });
    for (const [camera, siteId] of [['cam-k1', ids.k1], ['cam-k2', ids.k2], ['cam-w', ids.w]] as const) {
      const res = await cloud.api('PUT', `/api/cameras/${camera}/directory`, { name: `Camera ${camera}`, siteId });
      expect(res.status).toBe(201);
    }
    const users: [keyof typeof tokens, Record<string, unknown>][] = [
      ['opNorth', { role: 'operator', orgId: ids.north }],
      ['regSouth', { role: 'regulator', orgId: ids.south }],
      ['siteK1', { role: 'site', siteId: ids.k1 }],
      ['siteK2', { role: 'site', siteId: ids.k2 }],
    ];
    for (const [name, scope] of users) {
      await created('/api/users', { username: name, password: USER_PASSWORD, ...scope });
      const login = await cloud.api<{ token: string }>('POST', '/api/auth/login', { username: name, password: USER_PASSWORD }, null);
      expect(login.status).toBe(200);
      tokens[name] = login.body.token;
    }

    const workflow = new SqlWorkflow(cloud.app.db);
    cloud.app.bus.on('event', (event) => workflow.discover(event));
    edge = await cloud.helloEdge('edge-1', EDGE_TOKEN, ['cam-k1', 'cam-k2', 'cam-w']);
    const specs: [string, string, string, 1 | 2 | 3, number][] = [
      ['k1-mask', 'cam-k1', 'no_mask', 2, T0 + HOUR],
      ['k1-mask2', 'cam-k1', 'no_mask', 2, T0 + DAY + HOUR],
      ['k1-rat', 'cam-k1', 'rat', 1, T0 + 2 * DAY],
      ['k2-hat', 'cam-k2', 'no_hat', 2, T0 + 2 * DAY + HOUR],
      ['w-helmet', 'cam-w', 'helmet', 2, T0 + 3 * DAY],
      ['w-helmet2', 'cam-w', 'helmet', 2, T0 + 4 * DAY],
    ];
    for (const [name, cameraId, type, severity, startedAt] of specs) {
      const id = uuidv7();
      events[name] = id;
      const ack = await send(edge, 'event', eventMessage({ id, seq: 0, phase: 'start', edgeId: 'edge-1', cameraId, type, ruleId: `${type}-rule`, severity, startedAt }));
      expect(ack).toEqual({ ok: true });
    }
    const db = cloud.app.db;
    await waitFor(
      'a workflow item for every event',
      () => (db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM workflow_items').get()?.n === specs.length ? true : undefined),
      10_000,
    );

    const id = (name: string): string => events[name] ?? '';
    // k1-mask: closed, handled on time. k1-mask2: dispatched, deadline long past → overdue now, escalated.
    workflow.accept(id('k1-mask'), T0 + 2 * HOUR);
    workflow.dispatch(id('k1-mask'), T0 + 3 * HOUR, T0 + DAY);
    workflow.handle(id('k1-mask'), T0 + 5 * HOUR);
    workflow.recheckPass(id('k1-mask'), T0 + 6 * HOUR, 90);
    workflow.accept(id('k1-mask2'), T0 + DAY + 2 * HOUR);
    workflow.dispatch(id('k1-mask2'), T0 + DAY + 3 * HOUR, T0 + 2 * DAY);
    workflow.escalate(id('k1-mask2'), T0 + 2 * DAY + 1);
    // k1-rat stays new. k2-hat: handled late, failed re-check, handled again, closed.
    workflow.accept(id('k2-hat'), T0 + 2 * DAY + 2 * HOUR);
    workflow.dispatch(id('k2-hat'), T0 + 2 * DAY + 3 * HOUR, T0 + 2 * DAY + 4 * HOUR);
    workflow.handle(id('k2-hat'), T0 + 3 * DAY);
    workflow.recheckFail(id('k2-hat'), T0 + 3 * DAY + HOUR);
    workflow.handle(id('k2-hat'), T0 + 3 * DAY + 2 * HOUR);
    workflow.recheckPass(id('k2-hat'), T0 + 3 * DAY + 3 * HOUR, 70);
    // w-helmet: a false alarm; w-helmet2: closed on time.
    workflow.falseAlarm(id('w-helmet'), T0 + 3 * DAY + HOUR);
    workflow.accept(id('w-helmet2'), T0 + 4 * DAY + HOUR);
    workflow.dispatch(id('w-helmet2'), T0 + 4 * DAY + HOUR, T0 + 5 * DAY);
    workflow.handle(id('w-helmet2'), T0 + 4 * DAY + 5 * HOUR);
    workflow.recheckPass(id('w-helmet2'), T0 + 4 * DAY + 6 * HOUR, 95);
  });

  afterAll(async () => {
    await cloud?.close();
    tmp.remove();
  });

  it('gives each role the summary of its own scope', async () => {
    const admin = await ok<ViolationSummaryResponse>('admin', `/api/stats/violations/summary?${WEEK}`);
    // Six events; closed k1-mask, k2-hat, w-helmet2; false alarm w-helmet; handled those three (k2-hat late).
    expect(admin.totals).toEqual({
      events: 6,
      closed: 3,
      falseAlarms: 1,
      handled: 3,
      handledOnTime: 2,
      unrectified: 2,
      overdueNow: 1,
      escalated: 1,
      rectificationRate: 0.6,
      onTimeRate: 0.6667,
      falseAlarmRate: 0.1667,
    });
    const north = await ok<ViolationSummaryResponse>('opNorth', `/api/stats/violations/summary?${WEEK}`);
    expect(north.totals).toMatchObject({ events: 4, closed: 2, falseAlarms: 0, handled: 2, handledOnTime: 1, overdueNow: 1, rectificationRate: 0.5, onTimeRate: 0.5 });
    const south = await ok<ViolationSummaryResponse>('regSouth', `/api/stats/violations/summary?${WEEK}`);
    expect(south.totals).toMatchObject({ events: 2, closed: 1, falseAlarms: 1, rectificationRate: 1, falseAlarmRate: 0.5, overdueNow: 0 });
    expect(south.byType).toEqual([{ type: 'helmet', count: 2 }]);
    const k1 = await ok<ViolationSummaryResponse>('siteK1', `/api/stats/violations/summary?${WEEK}`);
    expect(k1.totals).toMatchObject({ events: 3, closed: 1, unrectified: 2, overdueNow: 1, escalated: 1, rectificationRate: 0.3333 });
    expect(k1.byType).toEqual([{ type: 'no_mask', count: 2 }, { type: 'rat', count: 1 }]);
    const k2 = await ok<ViolationSummaryResponse>('siteK2', `/api/stats/violations/summary?${WEEK}`);
    expect(k2.totals).toMatchObject({ events: 1, closed: 1, handled: 1, handledOnTime: 0, onTimeRate: 0 });
  });

  it('never shows a site user another site’s numbers, names or cameras', async () => {
    const urls = [
      `/api/stats/violations/summary?${WEEK}`,
      `/api/stats/violations/trend?${WEEK}&bucket=day&groupBy=type`,
      `/api/stats/violations/ranking?${WEEK}&by=site`,
      `/api/stats/violations/ranking?${WEEK}&by=camera`,
      `/api/stats/violations/ranking?${WEEK}&by=type`,
      `/api/stats/violations/ranking?${WEEK}&by=org`,
      `/api/stats/hygiene?${WEEK}`,
    ];
    for (const url of urls) {
      const text = JSON.stringify(await ok('siteK1', url));
      for (const foreign of ['cam-k2', 'cam-w', 'No. 3 School Canteen', 'Bay Tower Worksite', 'no_hat', 'helmet', 'North District', 'Harbour City']) {
        expect(text, `${url} shows ${foreign}`).not.toContain(foreign);
      }
    }
    const trend = await ok<ViolationTrendResponse>('siteK1', `/api/stats/violations/trend?${WEEK}&bucket=day`);
    expect(trend.buckets.map((b) => b.count)).toEqual([1, 1, 1, 0, 0, 0, 0]);
    const sites = await ok<ViolationRankingResponse>('siteK1', `/api/stats/violations/ranking?${WEEK}&by=site`);
    expect(sites.items.map((i) => [i.name, i.site?.kind, i.events])).toEqual([['Lotus Restaurant', 'restaurant', 3]]);
    const hygiene = await ok<HygieneResponse>('siteK1', `/api/stats/hygiene?${WEEK}`);
    expect(hygiene.sites.map((s) => s.name)).toEqual(['Lotus Restaurant']);
  });

  it('ranks orgs with their subtrees rolled up, within the caller’s scope', async () => {
    const admin = await ok<ViolationRankingResponse>('admin', `/api/stats/violations/ranking?${WEEK}&by=org`);
    expect(admin.items.map((i) => [i.name, i.events, i.closed])).toEqual([
      ['Harbour City', 6, 3],
      ['North District', 4, 2],
      ['South District', 2, 1],
    ]);
    const north = await ok<ViolationRankingResponse>('opNorth', `/api/stats/violations/ranking?${WEEK}&by=org`);
    expect(north.items.map((i) => [i.name, i.events])).toEqual([['North District', 4]]);
    const northSites = await ok<ViolationRankingResponse>('opNorth', `/api/stats/violations/ranking?${WEEK}&by=site&limit=1`);
    expect(northSites).toMatchObject({ total: 2, items: [{ name: 'Lotus Restaurant', events: 3, rectificationRate: 0.3333, onTimeRate: 1 }] });
    const districts = await ok<ViolationRankingResponse>('admin', `/api/stats/violations/ranking?${WEEK}&by=org&orgKind=district`);
    expect(districts.items.map((i) => i.name)).toEqual(['North District', 'South District']);
  });

  it('scores the kitchens of the caller’s scope and explains each score', async () => {
    const north = await ok<HygieneResponse>('opNorth', `/api/stats/hygiene?${WEEK}`);
    // Lotus: 1 camera × 7 days; severity 2 + 2 + 1 weigh 2 + 2 + 3 = 7 → 10 points; 2 open → 4; 1 overdue → 5.
    // Canteen: 1 camera × 7 days; one severity 2 → 2/7 × 10 = 2.86; closed.
    expect(north.sites.map((s) => [s.name, s.violationPenalty, s.unrectifiedPenalty, s.overduePenalty, s.score, s.grade])).toEqual([
      ['Lotus Restaurant', 10, 4, 5, 81, 'B'],
      ['No. 3 School Canteen', 2.86, 0, 0, 97.1, 'A'],
    ]);
    expect(north.formula.severityWeights).toEqual({ '1': 3, '2': 2, '3': 1 });
    // The worksite is no kitchen.
    expect((await ok<HygieneResponse>('regSouth', `/api/stats/hygiene?${WEEK}`)).sites).toEqual([]);
  });

  it('refuses bad queries with 400 and a message naming the problem', async () => {
    const bad = async (url: string, message: string | RegExp): Promise<void> => {
      const res = await get<ErrorReply>('opNorth', url);
      expect(res.status, url).toBe(400);
      expect(res.body.error.code).toBe('BAD_REQUEST');
      expect(res.body.error.message, url).toMatch(message);
    };
    await bad(`/api/stats/violations/summary?from=${T0 + DAY}&to=${T0}`, `from (${T0 + DAY}) must be before to (${T0})`);
    await bad(`/api/stats/violations/trend?${WEEK}&bucket=year`, 'querystring/bucket: must be equal to one of the allowed values: day, week, month');
    await bad(`/api/stats/violations/summary?from=0&to=${T0}`, /covers at most 731 days; from\.\.to spans \d+(\.\d)? days/);
    await bad(`/api/stats/violations/trend?from=${T0}&to=${T0 + 400 * DAY}&bucket=day`, 'a daily trend (use bucket=week or month for longer) covers at most 366 days; from..to spans 400 days');
    await bad(`/api/stats/violations/ranking?${WEEK}&by=district`, 'querystring/by: must be equal to one of the allowed values: site, org, camera, type');
    await bad(`/api/stats/violations/ranking?${WEEK}&by=site&orgKind=district`, 'orgKind applies to by=org only (got by=site)');
    await bad(`/api/stats/violations/ranking?${WEEK}&by=site&limit=0`, 'querystring/limit');
    await bad(`/api/stats/hygiene?from=${T0}`, /querystring.*to/);
    await bad(`/api/stats/hygiene?from=yesterday&to=${T0}`, 'querystring/from: must be integer');
    // The weekly trend takes the longer window the daily one refused.
    const weekly = await ok<ViolationTrendResponse>('opNorth', `/api/stats/violations/trend?from=${T0}&to=${T0 + 400 * DAY}&bucket=week`);
    expect(weekly.buckets.reduce((n, b) => n + b.count, 0)).toBe(4);
  });

  it('refuses callers without a token', async () => {
    const res = await cloud.api<ErrorReply>('GET', `/api/stats/violations/summary?${WEEK}`, undefined, null);
    expect(res.status).toBe(401);
  });
});
