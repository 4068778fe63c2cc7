import { useEffect, useMemo, useState, type ReactNode } from 'react';
import type { HygieneResponse, StatsBucket, ViolationRankingResponse, ViolationSummaryResponse, ViolationTrendResponse } from '../../../../protocol/violation-stats.js';
import { errorText } from '../api/error-text.js';
import { useApiGet, type Fetched } from '../api/use-api-get.js';
import { RangePicker } from '../components/range-picker.js';
import { HygieneFormulaText, HygieneTable } from '../dashboard/hygiene-table.js';
import { RankingTable } from '../dashboard/ranking-table.js';
import { SummaryTiles } from '../dashboard/summary-tiles.js';
import { trendOption } from '../dashboard/trend-option.js';
import { Chart } from '../health/chart.js';
import { useI18n } from '../i18n/i18n.js';
import { defaultBucket, rangeFromQuery, type TimeRange } from '../lib/time-range.js';
import { useQueryUpdate } from '../lib/use-query-state.js';
import { useLocation } from '../router/location.js';
import { useWorkflowIndex } from '../workflow/use-workflow-index.js';
import { isFinal } from '../workflow/workflow-logic.js';
import { WorkflowTable } from '../workflow/workflow-table.js';

const BUCKETS: readonly StatsBucket[] = ['day', 'week', 'month'];
/** Figures of a window ending now move with new events and deadlines: re-read them this often. */
const REFRESH_MS = 60_000;
const RANKING_LIMIT = 10;

const windowQuery = (r: TimeRange): string => `from=${r.from}&to=${r.to}`;

/** A card's body while its data loads or after it failed; null once there is data to show. */
function Pending<T>({ state }: { state: Fetched<T> }): ReactNode {
  const i18n = useI18n();
  if (state.status === 'loading') return <p className="muted">{i18n.t('common.loading')}</p>;
  if (state.status === 'failed') return <p className="error">{errorText(state.error, i18n)}</p>;
  return null;
}

/**
 * 监管看板 (regulators, administrators): for a time range, the summary tiles (violations, 整改率,
 * 按时处置率, 误报率, 超期, 督办), the trend by type (day/week/month), the rankings of sites and orgs,
 * the kitchens' hygiene scores with what explains them, and the overdue and escalated items. Every
 * figure comes from the cloud's statistics, scoped to the user's jurisdiction.
 */
export default function DashboardPage(): ReactNode {
  const i18n = useI18n();
  const { t } = i18n;
  const { query } = useLocation();
  const update = useQueryUpdate();
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), REFRESH_MS);
    return () => clearInterval(timer);
  }, []);
  // The window follows the clock only through `now`: the same window gives the same URLs, so a
  // re-render (or a bucket change) never refetches what did not change.
  const { choice, range } = useMemo(() => rangeFromQuery(query, now, '30d'), [query, now]);
  const bucket: StatsBucket = BUCKETS.find((b) => b === query.get('bucket')) ?? (range ? defaultBucket(range) : 'day');
  const win = range ? windowQuery(range) : null;

  const summary = useApiGet<ViolationSummaryResponse>(win && `/api/stats/violations/summary?${win}`);
  const trend = useApiGet<ViolationTrendResponse>(win && `/api/stats/violations/trend?${win}&bucket=${bucket}&groupBy=type`);
  const sites = useApiGet<ViolationRankingResponse>(win && `/api/stats/violations/ranking?${win}&by=site&limit=${RANKING_LIMIT}`);
  const orgs = useApiGet<ViolationRankingResponse>(win && `/api/stats/violations/ranking?${win}&by=org&limit=${RANKING_LIMIT}`);
  const hygiene = useApiGet<HygieneResponse>(win && `/api/stats/hygiene?${win}`);

  const overdue = useWorkflowIndex({ overdue: true, limit: 200 });
  const escalatedIndex = useWorkflowIndex({ escalated: true, limit: 200 });
  const overdueItems = useMemo(() => [...overdue.items.values()].filter((w) => w.overdue).sort((a, b) => (a.deadlineAt ?? 0) - (b.deadlineAt ?? 0)), [overdue.items]);
  const escalated = useMemo(
    () => [...escalatedIndex.items.values()].filter((w) => w.escalationLevel > 0 && !isFinal(w.state)).sort((a, b) => b.escalationLevel - a.escalationLevel || b.updatedAt - a.updatedAt),
    [escalatedIndex.items],
  );

  const chart = useMemo(
    () => (trend.status === 'ready' ? trendOption(trend.data, { type: (ty) => i18n.tKnown(`type.${ty}`, ty), other: t('dash.otherTypes'), total: t('dash.total') }) : null),
    [trend, i18n, t],
  );

  return (
    <section className="dashboard" data-testid="dashboard" data-from={range?.from} data-to={range?.to}>
      <div className="toolbar">
        <h1>{t('dashboard.title')}</h1>
        <RangePicker choice={choice} range={range} onChange={update} />
        {summary.status === 'ready' && <span className="muted small">{t('dash.at', { time: i18n.time(summary.data.at) })}</span>}
      </div>
      {summary.status === 'ready' ? <SummaryTiles totals={summary.data.totals} /> : <div className="card"><Pending state={summary} /></div>}

      <div className="card">
        <div className="card-head">
          <h2>{t('dash.trend')}</h2>
          <div className="segmented" role="group" aria-label={t('dash.bucket')}>
            <span className="seg-label">{t('dash.bucket')}</span>
            {BUCKETS.map((b) => (
              <button key={b} type="button" className={b === bucket ? 'active' : ''} aria-pressed={b === bucket} data-testid={`bucket-${b}`} onClick={() => update({ bucket: b })}>
                {t(`dash.bucket.${b}`)}
              </button>
            ))}
          </div>
        </div>
        {chart ? <Chart option={chart} className="trend-chart" label={t('dash.trend')} /> : <Pending state={trend} />}
      </div>

      <div className="dash-grid">
        <div className="card">
          <h2>
            {t('dash.rankSites')} {sites.status === 'ready' && <span className="count">{t('dash.ofTotal', { n: sites.data.items.length, total: sites.data.total })}</span>}
          </h2>
          {sites.status === 'ready' ? <RankingTable items={sites.data.items} by="site" testId="rank-sites" /> : <Pending state={sites} />}
        </div>
        <div className="card">
          <h2>
            {t('dash.rankOrgs')} {orgs.status === 'ready' && <span className="count">{t('dash.ofTotal', { n: orgs.data.items.length, total: orgs.data.total })}</span>}
          </h2>
          {orgs.status === 'ready' ? <RankingTable items={orgs.data.items} by="org" testId="rank-orgs" /> : <Pending state={orgs} />}
        </div>
      </div>

      <div className="card">
        <h2>{t('hyg.title')}</h2>
        {hygiene.status === 'ready' ? (
          <>
            <HygieneFormulaText formula={hygiene.data.formula} />
            <HygieneTable sites={hygiene.data.sites} />
          </>
        ) : (
          <Pending state={hygiene} />
        )}
      </div>

      {!overdue.available && <p className="muted">{t('wf.unavailable')}</p>}
      <div className="dash-grid">
        <div className="card">
          <h2>
            {t('dashboard.overdue')} <span className="count">{t('common.count', { n: overdueItems.length })}</span>
          </h2>
          <WorkflowTable items={overdueItems} empty={t('dashboard.overdueEmpty')} testId="overdue-table" />
        </div>
        <div className="card">
          <h2>
            {t('dashboard.escalated')} <span className="count">{t('common.count', { n: escalated.length })}</span>
          </h2>
          <WorkflowTable items={escalated} empty={t('dashboard.escalatedEmpty')} testId="escalated-table" />
        </div>
      </div>
    </section>
  );
}
