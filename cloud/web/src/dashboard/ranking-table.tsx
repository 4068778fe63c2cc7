import type { ReactNode } from 'react';
import type { RankingEntry } from '../../../../protocol/violation-stats.js';
import { useI18n } from '../i18n/i18n.js';

/**
 * A violation ranking (sites or orgs): rank, name, a bar of violations relative to the first, the
 * unrectified and overdue counts and the rates. Orgs' figures cover their whole subtree.
 */
export function RankingTable({ items, by, testId }: { items: readonly RankingEntry[]; by: 'site' | 'org'; testId: string }): ReactNode {
  const i18n = useI18n();
  const { t, percent } = i18n;
  if (items.length === 0) return <p className="muted">{t('dash.rankingEmpty')}</p>;
  const max = Math.max(1, ...items.map((e) => e.events));
  return (
    <table className="table ranking" data-testid={testId}>
      <thead>
        <tr>
          <th className="num">#</th>
          <th>{by === 'site' ? t('dash.col.site') : t('dash.col.org')}</th>
          <th className="bar-col">{t('dash.col.events')}</th>
          <th className="num">{t('dash.col.unrectified')}</th>
          <th className="num">{t('dash.col.overdue')}</th>
          <th className="num">{t('dash.col.rectification')}</th>
          <th className="num">{t('dash.col.onTime')}</th>
        </tr>
      </thead>
      <tbody>
        {items.map((e, i) => {
          const kind = by === 'site' ? (e.site ? i18n.tKnown(`siteKind.${e.site.kind}`, e.site.kind) : null) : e.org ? i18n.tKnown(`orgKind.${e.org.kind}`, e.org.kind) : null;
          return (
            <tr key={e.key} data-testid="ranking-row" data-key={e.key} data-events={e.events}>
              <td className="num muted">{i + 1}</td>
              <td>
                {e.name} {kind !== null && <span className="muted small">· {kind}</span>}
              </td>
              <td className="bar-col">
                <span className="rank-bar">
                  <span className="rank-fill" style={{ width: `${(e.events / max) * 100}%` }} />
                  <span className="rank-num">{e.events}</span>
                </span>
              </td>
              <td className="num">{e.unrectified}</td>
              <td className={e.overdueNow > 0 ? 'num fail' : 'num'}>{e.overdueNow}</td>
              <td className="num">{percent(e.rectificationRate)}</td>
              <td className="num">{percent(e.onTimeRate)}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
