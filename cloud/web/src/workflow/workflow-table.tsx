import type { ReactNode } from 'react';
import type { WorkflowItem } from '../../../../protocol/workflow.js';
import { WorkflowBadge } from '../components/badges.js';
import { useI18n } from '../i18n/i18n.js';
import { cameraName, eventTitle } from '../lib/event-names.js';
import { useLiveData } from '../live/live-data.js';
import { Link } from '../router/location.js';
import { deadlineStatus } from './workflow-logic.js';

/** Workflow items as a table: the event (named from the live feed when it holds it), state, deadline. */
export function WorkflowTable({ items, empty, testId }: { items: readonly WorkflowItem[]; empty: string; testId: string }): ReactNode {
  const i18n = useI18n();
  const { t, time } = i18n;
  const { alerts, cameras } = useLiveData();
  const now = Date.now();
  if (items.length === 0) {
    return (
      <p className="muted" data-testid={`${testId}-empty`}>
        {empty}
      </p>
    );
  }
  const events = new Map(alerts.map((a) => [a.id, a]));
  return (
    <table className="table" data-testid={testId}>
      <thead>
        <tr>
          <th>{t('field.eventId')}</th>
          <th>{t('field.camera')}</th>
          <th>{t('field.state')}</th>
          <th>{t('wf.field.deadline')}</th>
          <th>{t('field.updated')}</th>
        </tr>
      </thead>
      <tbody>
        {items.map((w) => {
          const ev = events.get(w.eventId);
          const deadline = deadlineStatus(w, now);
          return (
            <tr key={w.eventId} data-testid="wf-row">
              <td>
                <Link to={`/events/${encodeURIComponent(w.eventId)}`} className="event-link">
                  {ev ? eventTitle(ev, i18n) : <span className="mono small">{w.eventId}</span>}
                </Link>
              </td>
              <td>{ev ? cameraName(ev.cameraId, cameras) : '—'}</td>
              <td>
                <WorkflowBadge item={w} now={now} />
              </td>
              <td className={deadline === 'overdue' ? 'fail nowrap' : 'nowrap'}>{w.deadlineAt === null ? '—' : time(w.deadlineAt)}</td>
              <td className="nowrap">{time(w.updatedAt)}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
