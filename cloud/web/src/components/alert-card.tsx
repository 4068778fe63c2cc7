import type { ReactNode } from 'react';
import { useState } from 'react';
import type { EventItem } from '../../../../protocol/rest.js';
import type { WorkflowItem } from '../../../../protocol/workflow.js';
import { errorText } from '../api/error-text.js';
import { useI18n } from '../i18n/i18n.js';
import { cameraName, eventTitle, labelName } from '../lib/event-names.js';
import { useLiveData } from '../live/live-data.js';
import { Link } from '../router/location.js';
import { PhaseBadge, SeverityBadge, WorkflowBadge } from './badges.js';
import { SnapshotView } from './snapshot-view.js';

/** What the wall knows of an alert's workflow, and the one-click 受理 when the user may take it. */
export interface AlertWorkflow {
  item: WorkflowItem | undefined;
  /** Present when the user may accept this alert now. */
  accept?: () => Promise<void>;
}

/** One-click 受理 with its own busy and error state. */
function AcceptButton({ accept }: { accept: () => Promise<void> }): ReactNode {
  const i18n = useI18n();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  return (
    <>
      <button
        type="button"
        className="primary small-button"
        disabled={busy}
        data-testid="accept-button"
        onClick={() => {
          setBusy(true);
          setError(null);
          accept()
            .catch((err: unknown) => setError(errorText(err, i18n)))
            .finally(() => setBusy(false));
        }}
      >
        {busy ? i18n.t('wf.working') : i18n.t('wf.form.accept')}
      </button>
      {error !== null && (
        <span className="error small" role="alert" title={error}>
          {error}
        </span>
      )}
    </>
  );
}

/** One alert on the wall: snapshot thumbnail, what, where, when; opens the event's review. */
export function AlertCard({ item, fresh, workflow }: { item: EventItem; fresh: boolean; workflow?: AlertWorkflow }): ReactNode {
  const i18n = useI18n();
  const { t, time, shortTime } = i18n;
  const { cameras } = useLiveData();
  const title = eventTitle(item, i18n);
  const camera = cameraName(item.cameraId, cameras);
  return (
    <li className={fresh ? 'alert-card fresh' : 'alert-card'} data-severity={item.severity} data-event-id={item.id} data-testid="alert-card">
      <Link to={`/events/${item.id}`} className="alert-link" title={item.ruleId}>
        <div className="thumb-wrap">
          <SnapshotView path={item.snapshotUrl} version={item.updatedAt} alt={`${title} · ${camera}`} className="thumb" />
          <span className="thumb-badges">
            <SeverityBadge severity={item.severity} />
            {fresh && <span className="badge new">{t('alerts.new')}</span>}
          </span>
        </div>
        <div className="alert-body">
          <div className="alert-head">
            <span className="alert-title">{title}</span>
            <PhaseBadge phase={item.phase} />
          </div>
          <dl className="facts">
            <dt>{t('field.camera')}</dt>
            <dd className="alert-camera">{camera}</dd>
            <dt>{t('field.label')}</dt>
            <dd>
              {labelName(item.label, i18n)} · {Math.round(item.topScore * 100)}%
            </dd>
            <dt>{t('field.time')}</dt>
            <dd>
              <time dateTime={new Date(item.startedAt).toISOString()} title={time(item.startedAt)}>
                {shortTime(item.startedAt)}
              </time>
            </dd>
          </dl>
        </div>
      </Link>
      {workflow && (workflow.item || workflow.accept) && (
        <div className="alert-actions">
          {workflow.item ? <WorkflowBadge item={workflow.item} now={Date.now()} /> : <span className="badge wf-state" data-wf-state="new" data-testid="wf-state">{t('wf.state.new')}</span>}
          {workflow.accept && <AcceptButton accept={workflow.accept} />}
        </div>
      )}
    </li>
  );
}
