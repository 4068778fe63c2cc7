import { useMemo, type ReactNode } from 'react';
import { useI18n } from '../i18n/i18n.js';
import { useWorkflowIndex } from '../workflow/use-workflow-index.js';
import { WorkflowTable } from '../workflow/workflow-table.js';

/**
 * 监管看板 (regulators): for now the overdue and escalated (督办) items of the jurisdiction; the
 * rankings and trends join when the statistics API lands.
 */
export default function DashboardPage(): ReactNode {
  const { t } = useI18n();
  const overdue = useWorkflowIndex({ overdue: true });
  const all = useWorkflowIndex();
  const overdueItems = useMemo(() => [...overdue.items.values()].filter((w) => w.overdue).sort((a, b) => (a.deadlineAt ?? 0) - (b.deadlineAt ?? 0)), [overdue.items]);
  const escalated = useMemo(
    () => [...all.items.values()].filter((w) => w.escalationLevel > 0 && w.state !== 'closed' && w.state !== 'false_alarm').sort((a, b) => b.escalationLevel - a.escalationLevel || b.updatedAt - a.updatedAt),
    [all.items],
  );
  return (
    <section className="dashboard">
      <div className="toolbar">
        <h1>{t('dashboard.title')}</h1>
        <span className="muted small">{t('dashboard.chartsLater')}</span>
      </div>
      {!overdue.available && <p className="muted">{t('wf.unavailable')}</p>}
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
    </section>
  );
}
