import { useEffect, useMemo, useState, type ReactNode } from 'react';
import type { CameraStatsResponse, KpiName } from '../../../../protocol/rest.js';
import { useSession } from '../api/session-context.js';
import { Chart } from '../health/chart.js';
import { gaugeOption, KPIS, siteBarsOption } from '../health/kpi-charts.js';
import { KpiTable } from '../health/kpi-table.js';
import { useI18n } from '../i18n/i18n.js';
import { useLocation } from '../router/location.js';

const WINDOWS = { now: null, '24h': 86_400_000, '7d': 7 * 86_400_000 } as const;
type Window = keyof typeof WINDOWS;
const WINDOW_IDS = Object.keys(WINDOWS) as Window[];
/** "Now" figures follow the cameras; window figures change slowly. */
const REFRESH_MS = { now: 15_000, window: 60_000 };

/**
 * 设备健康: 完好率, 出图率, 智能化覆盖率 and 目录合规率 of all cameras (now, or time-weighted over a
 * period), per site, and the cameras that fall short with the cloud's reasons.
 */
export default function CameraHealthPage(): ReactNode {
  const i18n = useI18n();
  const { t, time } = i18n;
  const { api } = useSession();
  const { query, navigate, path } = useLocation();
  const win: Window = WINDOW_IDS.find((w) => w === query.get('window')) ?? 'now';
  const [stats, setStats] = useState<CameraStatsResponse | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    const abort = new AbortController();
    const span = WINDOWS[win];
    const load = (): void => {
      const url = span === null ? '/api/stats/cameras' : `/api/stats/cameras?from=${Date.now() - span}`;
      api
        .get<CameraStatsResponse>(url, abort.signal)
        .then((s) => {
          setStats(s);
          setError(null);
        })
        .catch((err: unknown) => {
          if (!abort.signal.aborted) setError(err instanceof Error ? err.message : String(err));
        });
    };
    load();
    const timer = setInterval(load, span === null ? REFRESH_MS.now : REFRESH_MS.window);
    return () => {
      abort.abort();
      clearInterval(timer);
    };
  }, [api, win]);

  const names = useMemo(() => Object.fromEntries(KPIS.map(({ kpi, key }) => [kpi, t(key)])) as Record<KpiName, string>, [t]);
  const gauges = useMemo(() => (stats ? KPIS.map(({ kpi, rate }) => ({ kpi, option: gaugeOption(names[kpi], rate(stats.overall)) })) : []), [stats, names]);
  const bars = useMemo(() => (stats && stats.sites.length > 0 ? siteBarsOption(stats.sites, names) : null), [stats, names]);

  return (
    <section className="health-page">
      <div className="toolbar">
        <h1>{t('health.title')}</h1>
        <div className="segmented" role="group" aria-label={t('health.window')}>
          <span className="seg-label">{t('health.window')}</span>
          {WINDOW_IDS.map((w) => (
            <button key={w} type="button" className={w === win ? 'active' : ''} aria-pressed={w === win} onClick={() => navigate(w === 'now' ? path : `${path}?window=${w}`, { replace: true })}>
              {t(`health.window.${w}`)}
            </button>
          ))}
        </div>
        {stats && <span className="muted small">{t('health.at', { time: time(stats.at) })}</span>}
      </div>
      {error !== null && <p className="error pad">{t('common.error', { message: error })}</p>}
      {!stats ? (
        error === null && <p className="muted pad">{t('common.loading')}</p>
      ) : (
        <>
          <div className="kpi-row">
            <div className="card kpi-total">
              <span className="kpi-number">{stats.overall.cameras}</span>
              <span className="muted">{t('health.cameras')}</span>
              {stats.unassigned.cameras > 0 && (
                <span className="muted small">
                  {t('health.unassigned')}: {stats.unassigned.cameras}
                </span>
              )}
            </div>
            {gauges.map(({ kpi, option }) => (
              <div key={kpi} className="card kpi-gauge" data-testid={`kpi-${kpi}`}>
                <Chart option={option} className="gauge" label={names[kpi]} />
              </div>
            ))}
          </div>
          {bars && (
            <div className="card">
              <h2>{t('health.byGroup')}</h2>
              <Chart option={bars} className="bars" label={t('health.byGroup')} />
            </div>
          )}
          <div className="card">
            <h2>
              {t('health.failing')} <span className="count">{stats.failing.length}</span>
            </h2>
            {stats.failing.length === 0 ? (
              <p className="muted">{t('health.failingEmpty')}</p>
            ) : (
              <table className="table">
                <thead>
                  <tr>
                    <th>{t('field.camera')}</th>
                    {KPIS.map(({ kpi }) => (
                      <th key={kpi}>{names[kpi]}</th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {stats.failing.map((f) => (
                    <tr key={f.cameraId}>
                      <td>
                        {f.name} <span className="muted mono small">{f.cameraId}</span>
                      </td>
                      {KPIS.map(({ kpi }) => {
                        const failure = f.failures.find((x) => x.kpi === kpi);
                        return (
                          <td key={kpi} className={failure ? 'fail' : 'ok'}>
                            {/* The cloud words its reasons in English only; shown as it sends them. */}
                            {failure ? failure.reason || '✕' : '✓'}
                          </td>
                        );
                      })}
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </div>
          <KpiTable title={t('health.site')} heading={t('health.site')} rows={stats.sites.map((x) => ({ ...x, key: x.siteId }))} names={names} />
          <KpiTable title={t('health.org')} heading={t('health.org')} rows={stats.orgs.map((x) => ({ ...x, key: x.orgId }))} names={names} />
        </>
      )}
    </section>
  );
}
