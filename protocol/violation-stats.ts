import Type, { type Static } from 'typebox';
import { EpochMs, Id, Severity } from './edge-messages.js';
import { OrgKind, RowId, SiteKind } from './rest.js';
import { WorkflowState } from './workflow.js';

/**
 * Violation statistics (`/api/stats/violations/*`, `/api/stats/hygiene`), scoped by the caller's role:
 * administrators see everything, operators and regulators the sites of their org subtree, site users
 * their own site.
 *
 * Every endpoint takes a window `[from, to)` in epoch ms and counts the violations (events) that
 * *started* in it; their workflow outcome (closed, handled on time, false alarm, overdue) is taken as
 * it stands at the moment of the request (`at`). Calendar buckets are in China Standard Time
 * (Asia/Shanghai, UTC+8, no daylight saving): a day starts at 00:00 CST (16:00 UTC the day before),
 * a week on Monday 00:00 CST (ISO weeks), a month on the 1st at 00:00 CST.
 */

/** The longest window any statistics query may cover: two years (one of them a leap year). */
export const STATS_MAX_RANGE_DAYS = 731;
/** The longest window of a daily trend: one (leap) year, so a chart has at most 367 points. */
export const STATS_MAX_DAILY_RANGE_DAYS = 366;
/** The time zone of every calendar bucket: China Standard Time, UTC+8 all year. */
export const STATS_TIME_ZONE = 'Asia/Shanghai';

/** A share 0..1, null when there is nothing to divide by. */
const Rate = Type.Union([Type.Number({ minimum: 0, maximum: 1 }), Type.Null()]);
const Count = Type.Integer({ minimum: 0 });

const Window = {
  from: Type.Integer({ minimum: 0, description: 'start of the window, epoch ms (inclusive)' }),
  to: Type.Integer({ minimum: 0, description: `end of the window, epoch ms (exclusive); at most ${STATS_MAX_RANGE_DAYS} days after from` }),
};

export const StatsBucket = Type.Enum(['day', 'week', 'month'], {
  description: 'calendar bucket in China Standard Time (Asia/Shanghai, UTC+8): day, ISO week (from Monday) or month',
});
export type StatsBucket = Static<typeof StatsBucket>;

export const ViolationSummaryQuery = Type.Object(Window, { additionalProperties: false });
export type ViolationSummaryQuery = Static<typeof ViolationSummaryQuery>;

/** The outcome counts and rates of a group of violations. */
const ViolationCountsProperties = {
  /** Violations (events) that started in the window. */
  events: Count,
  /** 已办结: closed after a passed re-check. */
  closed: Count,
  /** 误报: marked as a false alarm. */
  falseAlarms: Count,
  /**
   * With a standing rectification (已处置 handled, or closed after it). A failed re-check takes the
   * rectification back, so such an item counts again only once handled anew.
   */
  handled: Count,
  /** Of those, handled by the deadline in force at the time. */
  handledOnTime: Count,
  /** Neither closed nor a false alarm (including those handled and waiting for the re-check). */
  unrectified: Count,
  /** Open (not handled, closed or a false alarm) with a deadline already passed at `at`. */
  overdueNow: Count,
  /** Escalated (督办) at least one level. */
  escalated: Count,
  /** 整改率: closed ÷ (events − false alarms). */
  rectificationRate: Rate,
  /** 按时处置率: handled on time ÷ handled. */
  onTimeRate: Rate,
  /** 误报率: false alarms ÷ events. */
  falseAlarmRate: Rate,
};

export const ViolationCounts = Type.Object(ViolationCountsProperties, { additionalProperties: false });
export type ViolationCounts = Static<typeof ViolationCounts>;

export const ViolationSummaryResponse = Type.Object(
  {
    from: EpochMs,
    to: EpochMs,
    /** When the workflow outcomes were read (overdue is judged against this). */
    at: EpochMs,
    totals: ViolationCounts,
    /** Most frequent first. */
    byType: Type.Array(Type.Object({ type: Id, count: Count }, { additionalProperties: false })),
    /** Every severity tier, 1 (immediate) to 3 (guidance), zeros included. */
    bySeverity: Type.Array(Type.Object({ severity: Severity, count: Count }, { additionalProperties: false })),
    /** Workflow state now; events without a workflow item (ingested before the workflow ran) count as new. */
    byState: Type.Array(Type.Object({ state: WorkflowState, count: Count }, { additionalProperties: false })),
  },
  { additionalProperties: false },
);
export type ViolationSummaryResponse = Static<typeof ViolationSummaryResponse>;

export const ViolationTrendQuery = Type.Object(
  {
    ...Window,
    bucket: StatsBucket,
    groupBy: Type.Optional(Type.Enum(['type', 'none'], { description: 'type: one series per event type as well; default none' })),
  },
  { additionalProperties: false },
);
export type ViolationTrendQuery = Static<typeof ViolationTrendQuery>;

export const TrendBucket = Type.Object(
  {
    /** The bucket's calendar start (00:00 CST), epoch ms; the first bucket may start before `from`. */
    start: EpochMs,
    /** The next bucket's start; the last bucket may end after `to`. Only `[from, to)` is counted. */
    end: EpochMs,
    /** `2024-03-05` (day), `2024-W10` (ISO week), `2024-03` (month), in CST. */
    label: Type.String(),
    count: Count,
  },
  { additionalProperties: false },
);
export type TrendBucket = Static<typeof TrendBucket>;

export const ViolationTrendResponse = Type.Object(
  {
    from: EpochMs,
    to: EpochMs,
    bucket: StatsBucket,
    timeZone: Type.Literal(STATS_TIME_ZONE),
    /** Every bucket the window touches, in order, empty ones with 0 (a continuous axis). */
    buckets: Type.Array(TrendBucket),
    /** With groupBy=type: one series per type (most frequent first), `counts` aligned with `buckets`. */
    series: Type.Array(
      Type.Object({ type: Id, total: Count, counts: Type.Array(Count) }, { additionalProperties: false }),
    ),
  },
  { additionalProperties: false },
);
export type ViolationTrendResponse = Static<typeof ViolationTrendResponse>;

export const RankingDimension = Type.Enum(['site', 'org', 'camera', 'type'], {
  description:
    'site: the sites in scope; org: every org in scope with its whole subtree rolled up; camera: cameras with violations; type: event types',
});
export type RankingDimension = Static<typeof RankingDimension>;

export const ViolationRankingQuery = Type.Object(
  {
    ...Window,
    by: RankingDimension,
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, description: 'entries returned, default 10' })),
    /** by=org only: rank the orgs of this level only (e.g. the districts of a city). */
    orgKind: Type.Optional(OrgKind),
  },
  { additionalProperties: false },
);
export type ViolationRankingQuery = Static<typeof ViolationRankingQuery>;

export const RankingEntry = Type.Object(
  {
    /** The site or org id (as a string), the camera id or the event type. */
    key: Type.String(),
    name: Type.String(),
    /** by=site: the site; by=camera: the camera's site now (null when it has none). */
    site: Type.Optional(
      Type.Union([
        Type.Object({ id: RowId, name: Type.String(), kind: SiteKind, orgId: RowId }, { additionalProperties: false }),
        Type.Null(),
      ]),
    ),
    /** by=org: the org (its numbers cover its own sites and every org below it). */
    org: Type.Optional(
      Type.Object(
        { id: RowId, name: Type.String(), kind: OrgKind, parentId: Type.Union([RowId, Type.Null()]) },
        { additionalProperties: false },
      ),
    ),
    ...ViolationCountsProperties,
  },
  { additionalProperties: false },
);
export type RankingEntry = Static<typeof RankingEntry>;

export const ViolationRankingResponse = Type.Object(
  {
    from: EpochMs,
    to: EpochMs,
    at: EpochMs,
    by: RankingDimension,
    /** Entries before the limit. Sites and orgs in scope are all listed (zeros too); cameras and types only with violations. */
    total: Count,
    /** Most violations first (ties: more unrectified first, then by name). */
    items: Type.Array(RankingEntry),
  },
  { additionalProperties: false },
);
export type ViolationRankingResponse = Static<typeof ViolationRankingResponse>;

export const HygieneQuery = Type.Object(Window, { additionalProperties: false });
export type HygieneQuery = Static<typeof HygieneQuery>;

export const HygieneGrade = Type.Enum(['A', 'B', 'C', 'D'], { description: 'A excellent 优秀, B good 良好, C average 一般, D poor 较差' });
export type HygieneGrade = Static<typeof HygieneGrade>;

/** The constants of the hygiene score, returned with every answer so the viewer can explain a score. */
export const HygieneFormula = Type.Object(
  {
    /** Weight of one violation by severity tier (false alarms never count). */
    severityWeights: Type.Object({ '1': Type.Number(), '2': Type.Number(), '3': Type.Number() }, { additionalProperties: false }),
    /** Points lost per weighted violation per camera-day. */
    pointsPerWeightedViolationPerCameraDay: Type.Number(),
    maxViolationPenalty: Type.Number(),
    /** Points lost per violation of the window not yet closed. */
    pointsPerUnrectified: Type.Number(),
    maxUnrectifiedPenalty: Type.Number(),
    /** Points lost per violation overdue now (on top of its unrectified points). */
    pointsPerOverdue: Type.Number(),
    maxOverduePenalty: Type.Number(),
    /** Lowest score of each grade, best first. */
    grades: Type.Array(Type.Object({ grade: HygieneGrade, minScore: Type.Number(), label: Type.String() }, { additionalProperties: false })),
  },
  { additionalProperties: false },
);
export type HygieneFormula = Static<typeof HygieneFormula>;

export const SiteHygiene = Type.Object(
  {
    siteId: RowId,
    orgId: RowId,
    name: Type.String(),
    kind: SiteKind,
    /** Cameras at the site now (directory). */
    cameras: Count,
    /** Cameras × elapsed days of the window (the part up to `at`). */
    cameraDays: Type.Number({ minimum: 0 }),
    /** Violations of the window that were not false alarms, by severity. */
    violations: Count,
    bySeverity: Type.Object({ '1': Count, '2': Count, '3': Count }, { additionalProperties: false }),
    weightedViolations: Type.Number({ minimum: 0 }),
    /** weightedViolations ÷ cameraDays, null when the site has no camera-days. */
    weightedPerCameraDay: Type.Union([Type.Number({ minimum: 0 }), Type.Null()]),
    violationPenalty: Type.Number({ minimum: 0 }),
    unrectified: Count,
    unrectifiedPenalty: Type.Number({ minimum: 0 }),
    overdueNow: Count,
    overduePenalty: Type.Number({ minimum: 0 }),
    /** 0..100 to one decimal; null when the site cannot be rated (no cameras, or no elapsed time). */
    score: Type.Union([Type.Number({ minimum: 0, maximum: 100 }), Type.Null()]),
    grade: Type.Union([HygieneGrade, Type.Null()]),
    /** Why there is no score, or null. */
    unratedReason: Type.Union([Type.String(), Type.Null()]),
  },
  { additionalProperties: false },
);
export type SiteHygiene = Static<typeof SiteHygiene>;

export const HygieneResponse = Type.Object(
  {
    from: EpochMs,
    to: EpochMs,
    at: EpochMs,
    formula: HygieneFormula,
    /** The kitchens (restaurants and school canteens) in scope, lowest score first, unrated last. */
    sites: Type.Array(SiteHygiene),
  },
  { additionalProperties: false },
);
export type HygieneResponse = Static<typeof HygieneResponse>;
