import type { ReactNode } from 'react';
import type { EventItem } from '../../../../protocol/rest.js';
import { useI18n } from '../i18n/i18n.js';
import { cameraName, eventTitle, labelName } from '../lib/event-names.js';
import { useLiveData } from '../live/live-data.js';
import { Link } from '../router/location.js';
import { PhaseBadge, SeverityBadge } from './badges.js';
import { SnapshotView } from './snapshot-view.js';

/** One alert on the wall: snapshot thumbnail, what, where, when; opens the event's review. */
export function AlertCard({ item, fresh }: { item: EventItem; fresh: boolean }): ReactNode {
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
    </li>
  );
}
