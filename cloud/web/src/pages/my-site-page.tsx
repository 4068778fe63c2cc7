import { useMemo, type ReactNode } from 'react';
import { useSession } from '../api/session-context.js';
import { AlertCard } from '../components/alert-card.js';
import { useI18n } from '../i18n/i18n.js';
import { useLiveData } from '../live/live-data.js';
import { Link } from '../router/location.js';
import { useWorkflowIndex } from '../workflow/use-workflow-index.js';
import { isFinal } from '../workflow/workflow-logic.js';
import { WorkflowTable } from '../workflow/workflow-table.js';
import CameraGridPage from './camera-grid-page.js';

/** Alerts shown on the page; the rest are in the event review. */
const RECENT = 8;

/**
 * 本单位: a site user's own cameras live, its rectification tasks (dispatched to it, waiting for 处置)
 * and its recent alerts. Everything comes from the same APIs as the other pages: the cloud limits
 * cameras, events and workflow items to the user's site.
 */
export default function MySitePage(): ReactNode {
  const { t } = useI18n();
  const { session } = useSession();
  const { alerts } = useLiveData();
  const workflow = useWorkflowIndex();
  const tasks = useMemo(
    () => [...workflow.items.values()].filter((w) => !isFinal(w.state)).sort((a, b) => (a.deadlineAt ?? Infinity) - (b.deadlineAt ?? Infinity) || b.updatedAt - a.updatedAt),
    [workflow.items],
  );
  const recent = alerts.slice(0, RECENT);
  const name = session?.user.displayName ?? session?.user.username ?? '';
  return (
    <section className="my-site" data-testid="my-site">
      <div className="toolbar">
        <h1>
          {t('mySite.title')} <span className="count">{name}</span>
        </h1>
      </div>
      <div className="my-site-grid">
        <div className="my-site-live">
          <CameraGridPage />
        </div>
        <div className="my-site-side">
          <div className="card">
            <h2>
              {t('mySite.tasks')} <span className="count">{t('common.count', { n: tasks.length })}</span>
            </h2>
            {workflow.available ? <WorkflowTable items={tasks} empty={t('mySite.tasksEmpty')} testId="task-table" /> : <p className="muted">{t('wf.unavailable')}</p>}
          </div>
          <div className="card">
            <h2>
              {t('mySite.alerts')} <Link to="/events" className="small">{t('mySite.allEvents')}</Link>
            </h2>
            {recent.length === 0 ? (
              <p className="muted">{t('alerts.empty')}</p>
            ) : (
              <ol className="alert-grid single">
                {recent.map((item) => (
                  <AlertCard key={item.id} item={item} fresh={false} workflow={workflow.available ? { item: workflow.items.get(item.id) } : undefined} />
                ))}
              </ol>
            )}
          </div>
        </div>
      </div>
    </section>
  );
}
