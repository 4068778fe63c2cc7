import type { ReactNode } from 'react';
import type { KpiGroup, KpiName } from '../../../../protocol/rest.js';
import { useI18n } from '../i18n/i18n.js';
import { KPIS, rateColour } from './kpi-charts.js';

/** Rows of named KPI groups (sites or orgs): camera count and the four rates, coloured by band. */
export function KpiTable({ title, heading, rows, names }: { title: string; heading: string; rows: readonly (KpiGroup & { key: number; name: string })[]; names: Record<KpiName, string> }): ReactNode {
  const { t, percent } = useI18n();
  if (rows.length === 0) return null;
  return (
    <div className="card">
      <h2>{title}</h2>
      <table className="table">
        <thead>
          <tr>
            <th>{heading}</th>
            <th>{t('health.cameras')}</th>
            {KPIS.map(({ kpi }) => (
              <th key={kpi}>{names[kpi]}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.key}>
              <td>{r.name}</td>
              <td>{r.cameras}</td>
              {KPIS.map(({ kpi, rate }) => (
                <td key={kpi} style={{ color: rateColour(rate(r)) }}>
                  {percent(rate(r))}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
