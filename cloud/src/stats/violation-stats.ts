import type { Database, Statement } from 'better-sqlite3';
import {
  CodedError,
  STATS_MAX_RANGE_DAYS,
  WorkflowState as WorkflowStateSchema,
  type HygieneResponse,
  type OrgKind,
  type RankingDimension,
  type RankingEntry,
  type Severity,
  type SiteHygiene,
  type SiteItem,
  type StatsBucket,
  type ViolationCounts,
  type ViolationRankingResponse,
  type ViolationSummaryResponse,
  type ViolationTrendResponse,
  type WorkflowState,
  STATS_TIME_ZONE,
} from '../../../protocol/index.js';
import { OrgsRepository } from '../db/orgs-repo.js';
import { SitesRepository } from '../db/sites-repo.js';
import { subtrees } from '../directory/org-tree.js';
import { bucketsOf, CST_OFFSET_MS, DAY_MS } from './china-time.js';
import { HYGIENE_FORMULA, hygieneScore } from './hygiene-score.js';

/** A window `[from, to)` in epoch ms. */
export interface ViolationWindow {
  from: number;
  to: number;
}

const days = (ms: number): string => (ms / DAY_MS).toFixed(1).replace(/\.0$/, '');

/**
 * The window of a query: `from` before `to`, at most `maxDays` long.
 * @param what names the query in the message
 * @throws CodedError BAD_REQUEST naming the problem
 */
export function checkWindow(from: number, to: number, maxDays = STATS_MAX_RANGE_DAYS, what = 'a statistics window'): ViolationWindow {
  if (from >= to) throw new CodedError('BAD_REQUEST', `from (${from}) must be before to (${to})`);
  if (to - from > maxDays * DAY_MS) {
    throw new CodedError('BAD_REQUEST', `${what} covers at most ${maxDays} days; from..to spans ${days(to - from)} days`);
  }
  return { from, to };
}

/** What the caller may see: an {@link AccessScope} fits (null = no filter). */
export interface StatsScope {
  siteIds(): number[] | null;
  orgIds(): number[] | null;
}

/** The site kinds scored for hygiene (明厨亮灶). */
export const KITCHEN_SITE_KINDS: ReadonlySet<SiteItem['kind']> = new Set(['restaurant', 'school_canteen']);

/**
 * The violations of a window as one row each: the event, where it happened and its workflow outcome.
 * The site is the one recorded by the workflow at discovery (where the event happened, even if the
 * camera moved since), else the camera's directory site now (events stored before the workflow ran,
 * or whose camera had no site then). An event without a workflow item counts as `new`. Then only the
 * sites in scope remain (`@sites` null: all, including events of cameras without a site).
 */
const SCOPED_VIOLATIONS = `
  WITH v AS (
    SELECT e.type, e.severity, e.camera_id, e.started_at,
           COALESCE(w.site_id, d.site_id) AS site_id,
           COALESCE(w.state, 'new') AS state,
           w.deadline_at, COALESCE(w.escalation_level, 0) AS escalation_level, w.handled_at, w.handled_on_time
    FROM events e
    LEFT JOIN workflow_items w ON w.event_id = e.id
    LEFT JOIN camera_directory d ON d.camera_id = e.camera_id
    WHERE e.started_at >= @from AND e.started_at < @to
  ),
  scoped AS (
    SELECT * FROM v WHERE @sites IS NULL OR site_id IN (SELECT value FROM json_each(@sites))
  )`;

/** The outcome counts of a group (see ViolationCounts in the protocol). */
const METRICS = `
  COUNT(*) AS events,
  COUNT(*) FILTER (WHERE state = 'closed') AS closed,
  COUNT(*) FILTER (WHERE state = 'false_alarm') AS false_alarms,
  COUNT(*) FILTER (WHERE handled_at IS NOT NULL) AS handled,
  COUNT(*) FILTER (WHERE handled_on_time = 1) AS handled_on_time,
  COUNT(*) FILTER (WHERE state IN ('new', 'accepted', 'dispatched') AND deadline_at < @now) AS overdue_now,
  COUNT(*) FILTER (WHERE escalation_level > 0) AS escalated,
  COUNT(*) FILTER (WHERE severity = 1 AND state <> 'false_alarm') AS sev1,
  COUNT(*) FILTER (WHERE severity = 2 AND state <> 'false_alarm') AS sev2,
  COUNT(*) FILTER (WHERE severity = 3 AND state <> 'false_alarm') AS sev3`;

interface MetricsRow {
  events: number;
  closed: number;
  false_alarms: number;
  handled: number;
  handled_on_time: number;
  overdue_now: number;
  escalated: number;
  sev1: number;
  sev2: number;
  sev3: number;
}

interface KeyedMetricsRow extends MetricsRow {
  key: string | number;
}

interface CubeRow extends MetricsRow {
  type: string;
  severity: number;
  state: string;
}

interface Params {
  from: number;
  to: number;
  now: number;
  /** JSON array of site ids, or null for no filter. */
  sites: string | null;
}

const ZERO: MetricsRow = Object.freeze({
  events: 0, closed: 0, false_alarms: 0, handled: 0, handled_on_time: 0, overdue_now: 0, escalated: 0, sev1: 0, sev2: 0, sev3: 0,
});

function addMetrics(a: MetricsRow, b: MetricsRow): MetricsRow {
  return {
    events: a.events + b.events,
    closed: a.closed + b.closed,
    false_alarms: a.false_alarms + b.false_alarms,
    handled: a.handled + b.handled,
    handled_on_time: a.handled_on_time + b.handled_on_time,
    overdue_now: a.overdue_now + b.overdue_now,
    escalated: a.escalated + b.escalated,
    sev1: a.sev1 + b.sev1,
    sev2: a.sev2 + b.sev2,
    sev3: a.sev3 + b.sev3,
  };
}

/** part ÷ whole to 4 decimals, null when whole is 0. */
function rate(part: number, whole: number): number | null {
  return whole > 0 ? Math.round((part / whole) * 1e4) / 1e4 : null;
}

/** The counts and rates of a group. */
export function violationCounts(m: MetricsRow): ViolationCounts {
  const real = m.events - m.false_alarms;
  return {
    events: m.events,
    closed: m.closed,
    falseAlarms: m.false_alarms,
    handled: m.handled,
    handledOnTime: m.handled_on_time,
    unrectified: real - m.closed,
    overdueNow: m.overdue_now,
    escalated: m.escalated,
    rectificationRate: rate(m.closed, real),
    onTimeRate: rate(m.handled_on_time, m.handled),
    falseAlarmRate: rate(m.false_alarms, m.events),
  };
}

const SEVERITIES: readonly Severity[] = [1, 2, 3];
const STATES: readonly WorkflowState[] = WorkflowStateSchema.anyOf.map((s) => s.const);

function byRanking(a: RankingEntry, b: RankingEntry): number {
  return b.events - a.events || b.unrectified - a.unrectified || a.name.localeCompare(b.name) || a.key.localeCompare(b.key);
}

/**
 * Violation statistics over the events and their workflow items, filtered by the caller's scope.
 * Every method counts the events that started in the window, with their workflow outcome as of `now`.
 */
export class ViolationStats {
  private readonly cubeStmt: Statement<[Params], CubeRow>;
  private readonly grouped: Record<'site' | 'camera' | 'type', Statement<[Params], KeyedMetricsRow>>;
  private readonly perDayStmt: Statement<[Params], { day: number; type: string; count: number }>;
  private readonly camerasPerSiteStmt: Statement<[], { site_id: number; cameras: number }>;
  private readonly cameraNamesStmt: Statement<[string], { id: string; name: string; site_id: number | null }>;
  private readonly sites: SitesRepository;
  private readonly orgs: OrgsRepository;

  constructor(db: Database) {
    // The summary in one pass over the window: everything it reports is a sum over these groups.
    this.cubeStmt = db.prepare(`${SCOPED_VIOLATIONS} SELECT type, severity, state, ${METRICS} FROM scoped GROUP BY type, severity, state`);
    const groupBy = (column: string): string =>
      `${SCOPED_VIOLATIONS} SELECT ${column} AS key, ${METRICS} FROM scoped WHERE ${column} IS NOT NULL GROUP BY ${column}`;
    this.grouped = {
      site: db.prepare(groupBy('site_id')),
      camera: db.prepare(groupBy('camera_id')),
      type: db.prepare(groupBy('type')),
    };
    // The CST day number of each event (integer division; started_at is never negative).
    this.perDayStmt = db.prepare(
      `${SCOPED_VIOLATIONS} SELECT (started_at + ${CST_OFFSET_MS}) / ${DAY_MS} AS day, type, COUNT(*) AS count FROM scoped GROUP BY day, type`,
    );
    this.camerasPerSiteStmt = db.prepare('SELECT site_id, COUNT(*) AS cameras FROM camera_directory GROUP BY site_id');
    this.cameraNamesStmt = db.prepare(`
      SELECT c.id, COALESCE(d.name, c.name) AS name, d.site_id FROM cameras c LEFT JOIN camera_directory d ON d.camera_id = c.id
      WHERE c.id IN (SELECT value FROM json_each(?))`);
    this.sites = new SitesRepository(db);
    this.orgs = new OrgsRepository(db);
  }

  private params(window: ViolationWindow, scope: StatsScope, now: number): Params {
    const ids = scope.siteIds();
    return { from: window.from, to: window.to, now, sites: ids === null ? null : JSON.stringify(ids) };
  }

  /** Totals, by type, by severity and by workflow state. */
  summary(window: ViolationWindow, scope: StatsScope, now: number): ViolationSummaryResponse {
    const p = this.params(window, scope, now);
    let totals = ZERO;
    const types = new Map<string, number>();
    const severities = new Map<number, number>();
    const states = new Map<string, number>();
    const add = <K>(map: Map<K, number>, key: K, n: number): void => {
      map.set(key, (map.get(key) ?? 0) + n);
    };
    for (const row of this.cubeStmt.all(p)) {
      totals = addMetrics(totals, row);
      add(types, row.type, row.events);
      add(severities, row.severity, row.events);
      add(states, row.state, row.events);
    }
    return {
      from: window.from,
      to: window.to,
      at: now,
      totals: violationCounts(totals),
      byType: [...types]
        .map(([type, count]) => ({ type, count }))
        .sort((a, b) => b.count - a.count || a.type.localeCompare(b.type)),
      bySeverity: SEVERITIES.map((severity) => ({ severity, count: severities.get(severity) ?? 0 })),
      byState: STATES.map((state) => ({ state, count: states.get(state) ?? 0 })),
    };
  }

  /** Violations per calendar bucket (CST), every bucket of the window present; per type with `byType`. */
  trend(window: ViolationWindow, scope: StatsScope, bucket: StatsBucket, byType: boolean): ViolationTrendResponse {
    // Only the outcome counts read @now; the counts per day do not.
    const p = this.params(window, scope, 0);
    const buckets = bucketsOf(window.from, window.to, bucket);
    const counts = buckets.map(() => 0);
    const perType = new Map<string, number[]>();
    // Buckets are consecutive day ranges: find each day's bucket by binary search.
    const indexOf = (day: number): number => {
      let lo = 0;
      let hi = buckets.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if ((buckets[mid]?.firstDay ?? Infinity) <= day) lo = mid;
        else hi = mid - 1;
      }
      return lo;
    };
    for (const row of this.perDayStmt.all(p)) {
      const i = indexOf(row.day);
      counts[i] = (counts[i] ?? 0) + row.count;
      if (!byType) continue;
      let series = perType.get(row.type);
      if (!series) perType.set(row.type, (series = buckets.map(() => 0)));
      series[i] = (series[i] ?? 0) + row.count;
    }
    const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);
    return {
      from: window.from,
      to: window.to,
      bucket,
      timeZone: STATS_TIME_ZONE,
      buckets: buckets.map((b, i) => ({ start: b.start, end: b.end, label: b.label, count: counts[i] ?? 0 })),
      series: [...perType]
        .map(([type, series]) => ({ type, total: sum(series), counts: series }))
        .sort((a, b) => b.total - a.total || a.type.localeCompare(b.type)),
    };
  }

  /**
   * A ranking by site, org (each org with its subtree rolled up), camera or type. Sites and orgs in
   * scope are all listed, with zeros; cameras and types only when they had violations.
   * @param orgKind by=org: only the orgs of this level
   */
  ranking(
    window: ViolationWindow,
    scope: StatsScope,
    by: RankingDimension,
    limit: number,
    now: number,
    orgKind?: OrgKind,
  ): ViolationRankingResponse {
    const p = this.params(window, scope, now);
    const siteIds = scope.siteIds();
    const visibleSite = (id: number): boolean => siteIds === null || siteIds.includes(id);
    const sites = this.sites.list().filter((s) => visibleSite(s.id));
    const siteRef = (s: SiteItem): NonNullable<RankingEntry['site']> => ({ id: s.id, name: s.name, kind: s.kind, orgId: s.orgId });
    let entries: RankingEntry[];
    switch (by) {
      case 'site': {
        const rows = new Map(this.grouped.site.all(p).map((r) => [Number(r.key), r]));
        entries = sites.map((s) => ({ key: String(s.id), name: s.name, site: siteRef(s), ...violationCounts(rows.get(s.id) ?? ZERO) }));
        break;
      }
      case 'org': {
        const rows = new Map(this.grouped.site.all(p).map((r) => [Number(r.key), r]));
        const perOrg = new Map<number, MetricsRow>();
        for (const s of sites) perOrg.set(s.orgId, addMetrics(perOrg.get(s.orgId) ?? ZERO, rows.get(s.id) ?? ZERO));
        const orgIds = scope.orgIds();
        const all = this.orgs.list();
        const trees = subtrees(all);
        entries = all
          .filter((o) => (orgIds === null || orgIds.includes(o.id)) && (orgKind === undefined || o.kind === orgKind))
          .map((o) => {
            const m = (trees.get(o.id) ?? [o.id]).reduce((acc, id) => addMetrics(acc, perOrg.get(id) ?? ZERO), ZERO);
            return { key: String(o.id), name: o.name, org: { id: o.id, name: o.name, kind: o.kind, parentId: o.parentId }, ...violationCounts(m) };
          });
        break;
      }
      case 'camera': {
        const rows = this.grouped.camera.all(p);
        const cameras = new Map(this.cameraNamesStmt.all(JSON.stringify(rows.map((r) => String(r.key)))).map((c) => [c.id, c]));
        const byId = new Map(sites.map((s) => [s.id, s]));
        entries = rows.map((r) => {
          const camera = cameras.get(String(r.key));
          // The camera's site now, shown only when the caller sees it (the camera may have moved since).
          const site = camera?.site_id == null ? undefined : byId.get(camera.site_id);
          return { key: String(r.key), name: camera?.name ?? String(r.key), site: site ? siteRef(site) : null, ...violationCounts(r) };
        });
        break;
      }
      case 'type':
        entries = this.grouped.type.all(p).map((r) => ({ key: String(r.key), name: String(r.key), ...violationCounts(r) }));
        break;
    }
    entries.sort(byRanking);
    return { from: window.from, to: window.to, at: now, by, total: entries.length, items: entries.slice(0, limit) };
  }

  /** The hygiene score of every kitchen in scope (see hygiene-score.ts), lowest first, unrated last. */
  hygiene(window: ViolationWindow, scope: StatsScope, now: number): HygieneResponse {
    const p = this.params(window, scope, now);
    const siteIds = scope.siteIds();
    const kitchens = this.sites.list().filter((s) => KITCHEN_SITE_KINDS.has(s.kind) && (siteIds === null || siteIds.includes(s.id)));
    const rows = new Map(this.grouped.site.all(p).map((r) => [Number(r.key), r]));
    const cameras = new Map(this.camerasPerSiteStmt.all().map((r) => [r.site_id, r.cameras]));
    // Only the elapsed part of the window has had a chance to produce violations.
    const days = Math.max(0, Math.min(window.to, now) - window.from) / DAY_MS;
    const out: SiteHygiene[] = kitchens.map((site) => {
      const m = rows.get(site.id) ?? ZERO;
      const counts = violationCounts(m);
      const bySeverity = { '1': m.sev1, '2': m.sev2, '3': m.sev3 };
      const cameraCount = cameras.get(site.id) ?? 0;
      const score = hygieneScore({ cameras: cameraCount, days, bySeverity, unrectified: counts.unrectified, overdueNow: counts.overdueNow });
      return {
        siteId: site.id,
        orgId: site.orgId,
        name: site.name,
        kind: site.kind,
        cameras: cameraCount,
        cameraDays: score.cameraDays,
        violations: score.violations,
        bySeverity,
        weightedViolations: score.weightedViolations,
        weightedPerCameraDay: score.weightedPerCameraDay,
        violationPenalty: score.violationPenalty,
        unrectified: counts.unrectified,
        unrectifiedPenalty: score.unrectifiedPenalty,
        overdueNow: counts.overdueNow,
        overduePenalty: score.overduePenalty,
        score: score.score,
        grade: score.grade,
        unratedReason: score.unratedReason,
      };
    });
    out.sort((a, b) => (a.score ?? Infinity) - (b.score ?? Infinity) || a.name.localeCompare(b.name));
    return { from: window.from, to: window.to, at: now, formula: HYGIENE_FORMULA, sites: out };
  }
}
