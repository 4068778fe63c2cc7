import type { Database } from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccessScope, AuthUser } from '../../cloud/src/access/access-scope.js';
import { ScopeResolver } from '../../cloud/src/access/scope-resolver.js';
import { openDatabase } from '../../cloud/src/db/database.js';
import { createRepositories, type Repositories } from '../../cloud/src/db/repositories.js';
import { bucketOfDay, bucketsOf, cstDay } from '../../cloud/src/stats/china-time.js';
import { hygieneGrade, hygieneScore } from '../../cloud/src/stats/hygiene-score.js';
import { checkWindow, ViolationStats } from '../../cloud/src/stats/violation-stats.js';
import { CodedError, type EventMessage, type SiteKind, type WorkflowState } from '../../protocol/index.js';
import { tempDir } from '../support/harness.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Monday 2024-03-04 00:00 China Standard Time = 2024-03-03 16:00 UTC. */
const T0 = Date.UTC(2024, 2, 3, 16);
/** 2024-04-01 00:00 CST. */
const APRIL = Date.UTC(2024, 2, 31, 16);
const NOW = T0 + 10 * DAY;
const WEEK = { from: T0, to: T0 + 7 * DAY };

describe('China Standard Time buckets', () => {
  it('starts a CST day at 16:00 UTC the day before', () => {
    expect(cstDay(T0) - cstDay(T0 - 1)).toBe(1);
    // Both instants are on 2024-03-03 in UTC, but on different days in Beijing.
    expect(new Date(T0 - 1).getUTCDate()).toBe(new Date(T0).getUTCDate());
    expect(bucketOfDay(cstDay(T0), 'day')).toMatchObject({ start: T0, end: T0 + DAY, label: '2024-03-04' });
    expect(bucketOfDay(cstDay(T0 - 1), 'day')).toMatchObject({ start: T0 - DAY, label: '2024-03-03' });
  });

  it('starts weeks on Monday 00:00 CST with ISO week labels, across year ends', () => {
    expect(bucketOfDay(cstDay(T0 + 6 * DAY + 23 * HOUR), 'week')).toMatchObject({ start: T0, end: T0 + 7 * DAY, label: '2024-W10' });
    expect(bucketOfDay(cstDay(T0 - 1), 'week')).toMatchObject({ start: T0 - 7 * DAY, label: '2024-W09' });
    // 2021-01-01 (a Friday) is in the last ISO week of 2020; 2024-12-30 (a Monday) in the first of 2025.
    expect(bucketOfDay(cstDay(Date.UTC(2020, 11, 31, 16)), 'week').label).toBe('2020-W53');
    expect(bucketOfDay(cstDay(Date.UTC(2024, 11, 29, 16)), 'week')).toMatchObject({ start: Date.UTC(2024, 11, 29, 16), label: '2025-W01' });
  });

  it('starts months on the 1st at 00:00 CST, leap February included', () => {
    expect(bucketOfDay(cstDay(APRIL - 1), 'month')).toMatchObject({ start: Date.UTC(2024, 1, 29, 16), end: APRIL, label: '2024-03' });
    expect(bucketOfDay(cstDay(APRIL), 'month')).toMatchObject({ start: APRIL, end: Date.UTC(2024, 3, 30, 16), label: '2024-04' });
    expect(bucketOfDay(cstDay(Date.UTC(2024, 1, 10)), 'month')).toMatchObject({ start: Date.UTC(2024, 0, 31, 16), end: Date.UTC(2024, 1, 29, 16) });
  });

  it('lists every bucket a window touches, the end being exclusive', () => {
    expect(bucketsOf(T0, T0 + 7 * DAY, 'day').map((b) => b.label)).toEqual([
      '2024-03-04', '2024-03-05', '2024-03-06', '2024-03-07', '2024-03-08', '2024-03-09', '2024-03-10',
    ]);
    expect(bucketsOf(T0 - 1, T0 + 1, 'day').map((b) => b.label)).toEqual(['2024-03-03', '2024-03-04']);
    expect(bucketsOf(T0 - 5 * DAY, APRIL + 1, 'month').map((b) => b.label)).toEqual(['2024-02', '2024-03', '2024-04']);
  });
});

describe('hygiene score formula', () => {
  const sev = (s1: number, s2: number, s3: number): { '1': number; '2': number; '3': number } => ({ '1': s1, '2': s2, '3': s3 });

  it('works the documented example: 100 − 4 − 4 − 5 = 87 (B)', () => {
    expect(hygieneScore({ cameras: 2, days: 30, bySeverity: sev(0, 12, 0), unrectified: 2, overdueNow: 1 })).toEqual({
      cameraDays: 60,
      violations: 12,
      weightedViolations: 24,
      weightedPerCameraDay: 0.4,
      violationPenalty: 4,
      unrectifiedPenalty: 4,
      overduePenalty: 5,
      score: 87,
      grade: 'B',
      unratedReason: null,
    });
  });

  it('caps each penalty and clamps at 0', () => {
    const worst = hygieneScore({ cameras: 1, days: 1, bySeverity: sev(50, 0, 0), unrectified: 50, overdueNow: 50 });
    expect(worst).toMatchObject({ violationPenalty: 60, unrectifiedPenalty: 20, overduePenalty: 20, score: 0, grade: 'D' });
    expect(hygieneScore({ cameras: 3, days: 7, bySeverity: sev(0, 0, 0), unrectified: 0, overdueNow: 0 })).toMatchObject({ score: 100, grade: 'A' });
  });

  it('grades at the documented edges', () => {
    expect([90, 89.9, 75, 74.9, 60, 59.9, 0].map((s) => hygieneGrade(s))).toEqual(['A', 'B', 'B', 'C', 'C', 'D', 'D']);
  });

  it('does not rate a kitchen without cameras or without elapsed time', () => {
    expect(hygieneScore({ cameras: 0, days: 7, bySeverity: sev(1, 0, 0), unrectified: 1, overdueNow: 0 })).toMatchObject({
      score: null,
      grade: null,
      unratedReason: 'no cameras at this site in the directory',
    });
    expect(hygieneScore({ cameras: 2, days: 0, bySeverity: sev(0, 0, 0), unrectified: 0, overdueNow: 0 }).unratedReason).toBe(
      'no time of the window has passed yet',
    );
  });
});

describe('statistics windows', () => {
  it('refuses from ≥ to and windows over the maximum, naming the numbers', () => {
    expect(() => checkWindow(5, 5)).toThrow(new CodedError('BAD_REQUEST', 'from (5) must be before to (5)'));
    expect(() => checkWindow(0, 732 * DAY)).toThrow('a statistics window covers at most 731 days; from..to spans 732 days');
    expect(() => checkWindow(0, 367 * DAY, 366, 'a daily trend')).toThrow('a daily trend covers at most 366 days; from..to spans 367 days');
    expect(checkWindow(0, 731 * DAY)).toEqual({ from: 0, to: 731 * DAY });
  });
});

/** A workflow item as the workflow engine writes it: discovered with the event, then moved along. */
interface ItemSpec {
  state: WorkflowState;
  deadlineAt?: number;
  escalationLevel?: number;
  handledAt?: number;
  handledOnTime?: boolean;
  closedAt?: number;
}

describe('violation statistics over a migrated database', () => {
  const tmp = tempDir('violation-stats');
  let db: Database;
  let repos: Repositories;
  let stats: ViolationStats;
  let scopes: ScopeResolver;
  const org: Record<'city' | 'd1' | 's1' | 'd2', number> = { city: 0, d1: 0, s1: 0, d2: 0 };
  const site: Record<'a' | 'b' | 'c' | 'd' | 'e', number> = { a: 0, b: 0, c: 0, d: 0, e: 0 };

  const user = (role: AuthUser['role'], scope: { orgId?: number; siteId?: number } = {}): AccessScope =>
    scopes.resolve({ id: 99, username: `${role}-user`, role, orgId: scope.orgId ?? null, siteId: scope.siteId ?? null });
  let admin: AccessScope;

  /** Stores an event the way ingest does; with `item`, the workflow item discovered for it (site and org at discovery). */
  const violation = (id: string, cameraId: string, type: string, severity: 1 | 2 | 3, startedAt: number, item?: ItemSpec): void => {
    const msg: EventMessage = {
      id, seq: 0, phase: 'start', edgeId: 'edge-1', cameraId, ruleId: `${type}-rule`, type, severity, label: 'person',
      topScore: 0.9, startedAt, at: startedAt, detections: [],
    };
    repos.events.insert(msg, startedAt + 500);
    if (!item) return;
    const siteId = repos.directory.get(cameraId)?.siteId ?? null;
    const orgId = siteId === null ? null : (repos.sites.get(siteId)?.orgId ?? null);
    db.prepare(
      `INSERT INTO workflow_items (event_id, state, site_id, org_id, camera_id, event_type, severity, deadline_at,
         escalation_level, handled_at, closed_at, handled_on_time, discovered_at, updated_at)
       VALUES (@id, @state, @siteId, @orgId, @cameraId, @type, @severity, @deadlineAt,
         @escalationLevel, @handledAt, @closedAt, @handledOnTime, @discoveredAt, @discoveredAt)`,
    ).run({
      id, state: item.state, siteId, orgId, cameraId, type, severity,
      deadlineAt: item.deadlineAt ?? null,
      escalationLevel: item.escalationLevel ?? 0,
      handledAt: item.handledAt ?? null,
      closedAt: item.closedAt ?? null,
      handledOnTime: item.handledOnTime === undefined ? null : Number(item.handledOnTime),
      discoveredAt: startedAt + 500,
    });
  };

  beforeAll(() => {
    db = openDatabase(`${tmp.dir}/cloud`);
    repos = createRepositories(db);
    stats = new ViolationStats(db);
    scopes = new ScopeResolver(repos);
    admin = user('admin');
    // city ─┬─ district 1 ── street 1 (sites A restaurant, E restaurant without cameras)
    //       │              (site B school canteen directly under district 1)
    //       └─ district 2 (sites C worksite, D public area)
    org.city = repos.orgs.create({ parentId: null, name: 'City', kind: 'city' }, 1);
    org.d1 = repos.orgs.create({ parentId: org.city, name: 'District 1', kind: 'district' }, 1);
    org.s1 = repos.orgs.create({ parentId: org.d1, name: 'Street 1', kind: 'street' }, 1);
    org.d2 = repos.orgs.create({ parentId: org.city, name: 'District 2', kind: 'district' }, 1);
    const newSite = (orgId: number, name: string, kind: SiteKind): number => repos.sites.create({ orgId, name, kind, address: null }, 1);
    site.a = newSite(org.s1, 'A Noodles', 'restaurant');
    site.b = newSite(org.d1, 'B Primary School', 'school_canteen');
    site.c = newSite(org.d2, 'C Tower Site', 'worksite');
    site.d = newSite(org.d2, 'D Square', 'public_area');
    site.e = newSite(org.s1, 'E Dumplings', 'restaurant');
    repos.edges.seedFromConfig([{ id: 'edge-1', token: 'unit-test-edge-token-0123' }], 1);
    const cameras: [string, number | null][] = [['cam-a1', site.a], ['cam-a2', site.a], ['cam-b1', site.b], ['cam-c1', site.c], ['cam-x', null]];
    for (const [id, siteId] of cameras) {
      repos.cameras.upsert('edge-1', { id, name: `Edge name ${id}`, rules: ['r'] }, 1);
      if (siteId !== null) repos.directory.put({ cameraId: id, gbId: null, name: `Dir ${id}`, siteId, longitude: null, latitude: null }, 1);
    }

    // In the week [T0, T0 + 7 d):
    violation('e1', 'cam-a1', 'no_mask', 2, T0, { state: 'closed', deadlineAt: T0 + DAY, handledAt: T0 + 5 * HOUR, handledOnTime: true, closedAt: T0 + 6 * HOUR });
    violation('e2', 'cam-a1', 'no_hat', 2, T0 + DAY + 2 * HOUR, { state: 'dispatched', deadlineAt: T0 + DAY + 3 * HOUR, escalationLevel: 1 });
    violation('e3', 'cam-a2', 'rat', 1, T0 + 2 * DAY, { state: 'handled', deadlineAt: T0 + 2 * DAY + 4 * HOUR, handledAt: T0 + 2 * DAY + 10 * HOUR, handledOnTime: false });
    violation('e4', 'cam-b1', 'no_mask', 2, T0 + 3 * DAY, { state: 'false_alarm' });
    violation('e5', 'cam-b1', 'no_mask', 3, T0 + 3 * DAY + HOUR, { state: 'new' });
    violation('e6', 'cam-c1', 'helmet', 1, T0 + 4 * DAY, { state: 'closed', deadlineAt: T0 + 5 * DAY, handledAt: T0 + 4 * DAY + HOUR, handledOnTime: true, closedAt: T0 + 4 * DAY + 2 * HOUR });
    // A camera nobody placed at a site, its event stored without a workflow item: administrators only.
    violation('e7', 'cam-x', 'helmet', 2, T0 + 5 * DAY);
    // Outside the week: one millisecond before it (Sunday 23:59:59.999 CST), right at its end, and around April 1st.
    violation('e8', 'cam-a1', 'no_mask', 2, T0 - 1, { state: 'new' });
    violation('e9', 'cam-a1', 'no_mask', 2, T0 + 7 * DAY, { state: 'new' });
    violation('e10', 'cam-c1', 'helmet', 2, APRIL, { state: 'new' });
    violation('e11', 'cam-c1', 'helmet', 2, APRIL - 1, { state: 'new' });
  });

  afterAll(() => {
    db.close();
    tmp.remove();
  });

  describe('summary', () => {
    it('counts every violation of the window for an administrator, with hand-computed rates', () => {
      const s = stats.summary(WEEK, admin, NOW);
      expect(s).toMatchObject({ from: WEEK.from, to: WEEK.to, at: NOW });
      // e1…e7: closed e1 e6; false alarm e4; handled (ever) e1 e3 e6, on time e1 e6; overdue e2; escalated e2.
      expect(s.totals).toEqual({
        events: 7,
        closed: 2,
        falseAlarms: 1,
        handled: 3,
        handledOnTime: 2,
        unrectified: 4,
        overdueNow: 1,
        escalated: 1,
        rectificationRate: 0.3333, // 2 ÷ (7 − 1)
        onTimeRate: 0.6667, // 2 ÷ 3
        falseAlarmRate: 0.1429, // 1 ÷ 7
      });
      expect(s.byType).toEqual([
        { type: 'no_mask', count: 3 },
        { type: 'helmet', count: 2 },
        { type: 'no_hat', count: 1 },
        { type: 'rat', count: 1 },
      ]);
      expect(s.bySeverity).toEqual([{ severity: 1, count: 2 }, { severity: 2, count: 4 }, { severity: 3, count: 1 }]);
      expect(s.byState).toEqual([
        { state: 'new', count: 2 }, // e5, and e7 without a workflow item
        { state: 'accepted', count: 0 },
        { state: 'dispatched', count: 1 },
        { state: 'handled', count: 1 },
        { state: 'closed', count: 2 },
        { state: 'false_alarm', count: 1 },
      ]);
    });

    it('judges overdue against the time of the request', () => {
      // Before e2's deadline (T0 + 1 d + 3 h) nothing is overdue.
      expect(stats.summary(WEEK, admin, T0 + DAY + 3 * HOUR).totals.overdueNow).toBe(0);
      expect(stats.summary(WEEK, admin, T0 + DAY + 3 * HOUR + 1).totals.overdueNow).toBe(1);
    });

    it('gives an operator of district 1 its subtree (sites A and B) only', () => {
      const s = stats.summary(WEEK, user('operator', { orgId: org.d1 }), NOW);
      expect(s.totals).toEqual({
        events: 5,
        closed: 1,
        falseAlarms: 1,
        handled: 2,
        handledOnTime: 1,
        unrectified: 3,
        overdueNow: 1,
        escalated: 1,
        rectificationRate: 0.25,
        onTimeRate: 0.5,
        falseAlarmRate: 0.2,
      });
      expect(s.byType).toEqual([{ type: 'no_mask', count: 3 }, { type: 'no_hat', count: 1 }, { type: 'rat', count: 1 }]);
    });

    it('gives a site user its own site only, and a regulator of district 2 its sites only', () => {
      const b = stats.summary(WEEK, user('site', { siteId: site.b }), NOW);
      expect(b.totals).toMatchObject({ events: 2, closed: 0, falseAlarms: 1, unrectified: 1, rectificationRate: 0, onTimeRate: null, falseAlarmRate: 0.5 });
      expect(b.bySeverity).toEqual([{ severity: 1, count: 0 }, { severity: 2, count: 1 }, { severity: 3, count: 1 }]);
      const d2 = stats.summary(WEEK, user('regulator', { orgId: org.d2 }), NOW);
      expect(d2.totals).toMatchObject({ events: 1, closed: 1, handled: 1, handledOnTime: 1, rectificationRate: 1, onTimeRate: 1 });
      expect(d2.byType).toEqual([{ type: 'helmet', count: 1 }]);
    });

    it('answers zeros and null rates for a scope with nothing in it', () => {
      const s = stats.summary(WEEK, user('operator'), NOW); // an operator without an org sees no site
      expect(s.totals).toEqual({
        events: 0, closed: 0, falseAlarms: 0, handled: 0, handledOnTime: 0, unrectified: 0, overdueNow: 0, escalated: 0,
        rectificationRate: null, onTimeRate: null, falseAlarmRate: null,
      });
      expect(s.byType).toEqual([]);
    });
  });

  describe('trend', () => {
    const around = { from: T0 - DAY, to: T0 + 7 * DAY };

    it('buckets by CST day, an event one millisecond before midnight on the day before, empty days as 0', () => {
      const t = stats.trend(around, admin, 'day', false);
      expect(t.timeZone).toBe('Asia/Shanghai');
      expect(t.buckets.map((b) => [b.label, b.count])).toEqual([
        ['2024-03-03', 1], // e8 at 23:59:59.999 CST
        ['2024-03-04', 1], // e1 at 00:00 CST
        ['2024-03-05', 1],
        ['2024-03-06', 1],
        ['2024-03-07', 2],
        ['2024-03-08', 1],
        ['2024-03-09', 1],
        ['2024-03-10', 0],
      ]);
      expect(t.buckets[1]).toEqual({ start: T0, end: T0 + DAY, label: '2024-03-04', count: 1 });
      expect(t.series).toEqual([]);
    });

    it('gives one aligned series per type with groupBy=type, most frequent first', () => {
      const t = stats.trend(around, admin, 'day', true);
      expect(t.series).toEqual([
        { type: 'no_mask', total: 4, counts: [1, 1, 0, 0, 2, 0, 0, 0] },
        { type: 'helmet', total: 2, counts: [0, 0, 0, 0, 0, 1, 1, 0] },
        { type: 'no_hat', total: 1, counts: [0, 0, 1, 0, 0, 0, 0, 0] },
        { type: 'rat', total: 1, counts: [0, 0, 0, 1, 0, 0, 0, 0] },
      ]);
    });

    it('buckets by ISO week from Monday 00:00 CST', () => {
      const t = stats.trend(around, admin, 'week', false);
      expect(t.buckets).toEqual([
        { start: T0 - 7 * DAY, end: T0, label: '2024-W09', count: 1 },
        { start: T0, end: T0 + 7 * DAY, label: '2024-W10', count: 7 },
      ]);
    });

    it('buckets by month from the 1st 00:00 CST: one millisecond before April is March', () => {
      const t = stats.trend({ from: T0 - 5 * DAY, to: APRIL + 20 * DAY }, admin, 'month', false);
      // March: e8, e1…e7, e9, e11; April: e10.
      expect(t.buckets.map((b) => [b.label, b.count])).toEqual([['2024-02', 0], ['2024-03', 10], ['2024-04', 1]]);
    });

    it('counts only the scope of the caller', () => {
      const t = stats.trend(around, user('site', { siteId: site.a }), 'day', true);
      expect(t.buckets.map((b) => b.count)).toEqual([1, 1, 1, 1, 0, 0, 0, 0]);
      expect(t.series.map((s) => s.type)).toEqual(['no_mask', 'no_hat', 'rat']);
    });
  });

  describe('ranking', () => {
    it('ranks every site in scope with its name and kind, zeros included', () => {
      const r = stats.ranking(WEEK, admin, 'site', 10, NOW);
      expect(r.total).toBe(5);
      expect(r.items.map((i) => [i.name, i.events])).toEqual([
        ['A Noodles', 3],
        ['B Primary School', 2],
        ['C Tower Site', 1],
        ['D Square', 0],
        ['E Dumplings', 0],
      ]);
      expect(r.items[0]).toEqual({
        key: String(site.a),
        name: 'A Noodles',
        site: { id: site.a, name: 'A Noodles', kind: 'restaurant', orgId: org.s1 },
        events: 3,
        closed: 1,
        falseAlarms: 0,
        handled: 2,
        handledOnTime: 1,
        unrectified: 2,
        overdueNow: 1,
        escalated: 1,
        rectificationRate: 0.3333,
        onTimeRate: 0.5,
        falseAlarmRate: 0,
      });
      expect(stats.ranking(WEEK, admin, 'site', 2, NOW)).toMatchObject({ total: 5, items: [{ name: 'A Noodles' }, { name: 'B Primary School' }] });
    });

    it('rolls each org subtree up into its parents, for the orgs in scope', () => {
      const all = stats.ranking(WEEK, admin, 'org', 10, NOW);
      // City: A + B + C (e7 has no site, so it belongs to no org); district 1: A + B; street 1: A.
      expect(all.items.map((i) => [i.name, i.events, i.closed])).toEqual([
        ['City', 6, 2],
        ['District 1', 5, 1],
        ['Street 1', 3, 1],
        ['District 2', 1, 1],
      ]);
      expect(all.items[1]?.org).toEqual({ id: org.d1, name: 'District 1', kind: 'district', parentId: org.city });
      const districts = stats.ranking(WEEK, admin, 'org', 10, NOW, 'district');
      expect(districts.items.map((i) => [i.name, i.events])).toEqual([['District 1', 5], ['District 2', 1]]);
      const operator = stats.ranking(WEEK, user('operator', { orgId: org.d1 }), 'org', 10, NOW);
      expect(operator.items.map((i) => [i.name, i.events])).toEqual([['District 1', 5], ['Street 1', 3]]);
      // A site user has no org in scope: rolling up its org would show other sites' numbers.
      expect(stats.ranking(WEEK, user('site', { siteId: site.a }), 'org', 10, NOW).items).toEqual([]);
    });

    it('ranks cameras (with their site) and types with violations only', () => {
      const cams = stats.ranking(WEEK, admin, 'camera', 10, NOW);
      expect(cams.items.map((i) => [i.key, i.name, i.events, i.site?.id ?? null])).toEqual([
        ['cam-a1', 'Dir cam-a1', 2, site.a],
        ['cam-b1', 'Dir cam-b1', 2, site.b],
        // Ties: more unrectified first (e3 and e7 are open, e6 closed), then by name.
        ['cam-a2', 'Dir cam-a2', 1, site.a],
        ['cam-x', 'Edge name cam-x', 1, null],
        ['cam-c1', 'Dir cam-c1', 1, site.c],
      ]);
      const types = stats.ranking(WEEK, admin, 'type', 10, NOW);
      expect(types.items.map((i) => [i.key, i.events, i.rectificationRate])).toEqual([
        ['no_mask', 3, 0.5], // e1 closed; e4 false alarm; e5 open → 1 ÷ 2
        ['helmet', 2, 0.5], // e6 closed, e7 open
        ['no_hat', 1, 0],
        ['rat', 1, 0],
      ]);
      const siteB = stats.ranking(WEEK, user('site', { siteId: site.b }), 'camera', 10, NOW);
      expect(siteB.items.map((i) => i.key)).toEqual(['cam-b1']);
      expect(stats.ranking(WEEK, user('site', { siteId: site.b }), 'site', 10, NOW).items.map((i) => i.name)).toEqual(['B Primary School']);
    });

    it('keeps a violation with the site it happened at when its camera moves, without naming the new site', () => {
      const moved = repos.directory.get('cam-a2');
      if (!moved) throw new Error('cam-a2 has no directory record');
      repos.directory.put({ ...moved, siteId: site.b }, 2);
      try {
        const siteA = user('site', { siteId: site.a });
        expect(stats.summary(WEEK, siteA, NOW).totals.events).toBe(3);
        const cam = stats.ranking(WEEK, siteA, 'camera', 10, NOW).items.find((i) => i.key === 'cam-a2');
        expect(cam).toMatchObject({ events: 1, site: null });
        expect(stats.summary(WEEK, user('site', { siteId: site.b }), NOW).totals.events).toBe(2);
      } finally {
        repos.directory.put(moved, 3);
      }
    });
  });

  describe('hygiene', () => {
    it('scores the kitchens in scope with every component, lowest first, unrated last', () => {
      const h = stats.hygiene(WEEK, admin, NOW);
      expect(h.formula.grades.map((g) => g.grade)).toEqual(['A', 'B', 'C', 'D']);
      expect(h.sites.map((s) => [s.name, s.score, s.grade])).toEqual([
        ['A Noodles', 86, 'B'],
        ['B Primary School', 96.6, 'A'],
        ['E Dumplings', null, null],
      ]);
      // A: 2 cameras × 7 days; e1, e2 (severity 2) and e3 (severity 1) weigh 2 + 2 + 3 = 7 → 0.5 per
      // camera-day → 5 points; e2 and e3 not closed → 4; e2 overdue → 5. 100 − 5 − 4 − 5 = 86.
      expect(h.sites[0]).toEqual({
        siteId: site.a,
        orgId: org.s1,
        name: 'A Noodles',
        kind: 'restaurant',
        cameras: 2,
        cameraDays: 14,
        violations: 3,
        bySeverity: { '1': 1, '2': 2, '3': 0 },
        weightedViolations: 7,
        weightedPerCameraDay: 0.5,
        violationPenalty: 5,
        unrectified: 2,
        unrectifiedPenalty: 4,
        overdueNow: 1,
        overduePenalty: 5,
        score: 86,
        grade: 'B',
        unratedReason: null,
      });
      // B: 1 camera × 7 days; e4 is a false alarm, e5 (severity 3) weighs 1 → 1/7 × 10 = 1.43; e5 open → 2.
      expect(h.sites[1]).toMatchObject({ violations: 1, weightedPerCameraDay: 0.1429, violationPenalty: 1.43, unrectifiedPenalty: 2, overduePenalty: 0 });
      expect(h.sites[2]).toMatchObject({ cameras: 0, unratedReason: 'no cameras at this site in the directory' });
    });

    it('counts only the elapsed part of a window still running', () => {
      // Half of the week has passed: 2 cameras × 3.5 days for A.
      const h = stats.hygiene(WEEK, user('site', { siteId: site.a }), T0 + 3.5 * DAY);
      expect(h.sites).toHaveLength(1);
      expect(h.sites[0]).toMatchObject({ name: 'A Noodles', cameraDays: 7, weightedViolations: 7, violationPenalty: 10 });
    });

    it('lists only kitchens in the caller’s scope', () => {
      expect(stats.hygiene(WEEK, user('regulator', { orgId: org.d2 }), NOW).sites).toEqual([]);
      expect(stats.hygiene(WEEK, user('operator', { orgId: org.s1 }), NOW).sites.map((s) => s.name)).toEqual(['A Noodles', 'E Dumplings']);
    });
  });
});
