import type { ReactNode } from 'react';
import type { HygieneFormula, SiteHygiene } from '../../../../protocol/violation-stats.js';
import { useI18n } from '../i18n/i18n.js';

const fmt = (n: number, digits = 1): string => (Number.isInteger(n) ? String(n) : n.toFixed(digits));
/** A deduction: "−3.5", or "0" when nothing was deducted. */
const minus = (n: number): string => (n === 0 ? '0' : `−${fmt(n)}`);

/** How a score is made, in words, from the formula the cloud sent with it. */
export function HygieneFormulaText({ formula }: { formula: HygieneFormula }): ReactNode {
  const { t } = useI18n();
  const w = formula.severityWeights;
  return (
    <p className="muted small hygiene-formula" data-testid="hygiene-formula">
      {t('hyg.formula', {
        w1: fmt(w['1']),
        w2: fmt(w['2']),
        w3: fmt(w['3']),
        perViolation: fmt(formula.pointsPerWeightedViolationPerCameraDay),
        maxViolation: fmt(formula.maxViolationPenalty),
        perUnrectified: fmt(formula.pointsPerUnrectified),
        maxUnrectified: fmt(formula.maxUnrectifiedPenalty),
        perOverdue: fmt(formula.pointsPerOverdue),
        maxOverdue: fmt(formula.maxOverduePenalty),
      })}{' '}
      {formula.grades.map((g) => t('hyg.gradeBand', { grade: g.grade, min: fmt(g.minScore) })).join(t('hyg.sep'))}
    </p>
  );
}

/**
 * 明厨亮灶 hygiene scores of the kitchens in scope, lowest first: the grade (A–D), the score, and the
 * three deductions that explain it (weighted violations per camera-day, unrectified, overdue).
 */
export function HygieneTable({ sites }: { sites: readonly SiteHygiene[] }): ReactNode {
  const i18n = useI18n();
  const { t } = i18n;
  if (sites.length === 0) return <p className="muted">{t('hyg.empty')}</p>;
  return (
    <table className="table hygiene" data-testid="hygiene-table">
      <thead>
        <tr>
          <th>{t('dash.col.site')}</th>
          <th>{t('hyg.grade')}</th>
          <th className="num">{t('hyg.score')}</th>
          <th className="num">{t('hyg.violations')}</th>
          <th className="num">{t('hyg.perCameraDay')}</th>
          <th className="num">{t('hyg.violationPenalty')}</th>
          <th className="num">{t('hyg.unrectifiedPenalty')}</th>
          <th className="num">{t('hyg.overduePenalty')}</th>
          <th className="num">{t('hyg.cameras')}</th>
        </tr>
      </thead>
      <tbody>
        {sites.map((s) => (
          <tr key={s.siteId} data-testid="hygiene-row" data-site-id={s.siteId} data-grade={s.grade ?? ''}>
            <td>
              {s.name} <span className="muted small">· {i18n.tKnown(`siteKind.${s.kind}`, s.kind)}</span>
            </td>
            <td>
              {s.grade === null ? (
                <span className="badge grade" data-grade="" title={s.unratedReason ?? ''}>
                  {t('hyg.unrated')}
                </span>
              ) : (
                <span className="badge grade" data-grade={s.grade}>
                  {s.grade} · {t(`hyg.grade.${s.grade}`)}
                </span>
              )}
            </td>
            <td className="num strong">{s.score === null ? '—' : fmt(s.score)}</td>
            <td className="num" title={t('hyg.bySeverity', { s1: s.bySeverity['1'], s2: s.bySeverity['2'], s3: s.bySeverity['3'] })}>
              {s.violations}
              <span className="muted small"> ({s.bySeverity['1']}/{s.bySeverity['2']}/{s.bySeverity['3']})</span>
            </td>
            <td className="num">{s.weightedPerCameraDay === null ? '—' : s.weightedPerCameraDay.toFixed(2)}</td>
            <td className="num">{minus(s.violationPenalty)}</td>
            <td className="num">
              {minus(s.unrectifiedPenalty)} <span className="muted small">({s.unrectified})</span>
            </td>
            <td className={s.overdueNow > 0 ? 'num fail' : 'num'}>
              {minus(s.overduePenalty)} <span className="muted small">({s.overdueNow})</span>
            </td>
            <td className="num">{s.cameras}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
