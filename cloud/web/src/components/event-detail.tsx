import { useEffect, useState, type ReactNode } from 'react';
import { ExportProgress } from '../export/export-progress.js';
import { useExport } from '../export/use-export.js';
import { formatBytes } from '../lib/format-bytes.js';
import type { EventItem } from '../../../../protocol/rest.js';
import { ApiError } from '../api/api-client.js';
import { useSession } from '../api/session-context.js';
import { useBlobUrl } from '../api/use-blob-url.js';
import { useI18n } from '../i18n/i18n.js';
import { cameraName, eventTitle, labelName } from '../lib/event-names.js';
import { useLiveData } from '../live/live-data.js';
import { Link, useLocation } from '../router/location.js';
import { WorkflowPanel } from '../workflow/workflow-panel.js';
import { PhaseBadge, SeverityBadge } from './badges.js';
import { SnapshotView } from './snapshot-view.js';

/**
 * The event's clip. Like the snapshot it is fetched whole with the bearer token into a Blob URL: a
 * <video src> cannot send the Authorization header, and event clips are short (seconds, a few MB).
 */
function ClipPlayer({ path, version, clip }: { path: string; version: number; clip: EventItem['clip'] }): ReactNode {
  const { t, time } = useI18n();
  const file = useBlobUrl(path, version);
  return (
    <section className="card clip" data-testid="event-clip">
      <h2>
        {t('events.clip')}
        {clip && (
          <span className="count">
            {time(clip.startAt)} · {Math.round((clip.endAt - clip.startAt) / 1000)} s · {formatBytes(clip.size)}
          </span>
        )}
      </h2>
      {file.status === 'ready' ? <video src={file.url} controls playsInline data-testid="clip-video" /> : <p className="muted">{file.status === 'failed' ? file.message : t('common.loading')}</p>}
    </section>
  );
}

/** Export of this one event (its snapshot, thumbnail, clip and facts) as an evidence zip. */
function ExportOne({ eventId }: { eventId: string }): ReactNode {
  const { t } = useI18n();
  const exporter = useExport();
  return (
    <div className="export-one">
      <button type="button" disabled={exporter.run.status === 'building'} onClick={() => exporter.start({ eventIds: [eventId] })} data-testid="export-event">
        {t('events.exportOne')}
      </button>
      <ExportProgress control={exporter} />
    </div>
  );
}

/** Footage around an event: from a minute before it started to a minute after it ended (or now). */
const FOOTAGE_MARGIN_MS = 60_000;

/**
 * One event: its snapshot (the JPEG already carries the edge's boxes; the event's detections can be
 * drawn over it as well), its facts, its detections and its clip when it has one. Pushed updates of
 * the same event replace what is shown.
 */
export function EventDetail({ id }: { id: string }): ReactNode {
  const i18n = useI18n();
  const { t, time } = i18n;
  const { api, can } = useSession();
  const { cameras, onPush } = useLiveData();
  const { query } = useLocation();
  const [item, setItem] = useState<EventItem | null>(null);
  // null: the event was not found; a string: another failure's message.
  const [error, setError] = useState<string | null | undefined>(undefined);
  const [showBoxes, setShowBoxes] = useState(true);

  useEffect(() => {
    const abort = new AbortController();
    setItem(null);
    setError(undefined);
    api
      .get<EventItem>(`/api/events/${encodeURIComponent(id)}`, abort.signal)
      .then(setItem)
      .catch((err: unknown) => {
        if (abort.signal.aborted) return;
        setError(err instanceof ApiError && err.status === 404 ? null : err instanceof Error ? err.message : String(err));
      });
    const off = onPush((pushed) => {
      if (pushed.id === id) setItem((held) => (held && held.updatedAt > pushed.updatedAt ? held : pushed));
    });
    return () => {
      abort.abort();
      off();
    };
  }, [api, id, onPush]);

  const qs = query.toString();
  const back = (
    <Link to={`/events${qs ? `?${qs}` : ''}`} className="ghost button">
      ← {t('common.back')}
    </Link>
  );
  if (error !== undefined) {
    return (
      <section className="event-detail pad">
        {back}
        <p className="error" data-testid={error === null ? 'event-not-found' : 'event-error'}>
          {error === null ? t('events.notFound') : t('common.error', { message: error })}
        </p>
      </section>
    );
  }
  if (!item) return <p className="muted pad">{t('common.loading')}</p>;

  const title = eventTitle(item, i18n);
  const { clipUrl } = item;
  const footageTo = Math.min(Date.now(), (item.endedAt ?? item.updatedAt) + FOOTAGE_MARGIN_MS);
  const footageFrom = Math.min(item.startedAt - FOOTAGE_MARGIN_MS, footageTo - FOOTAGE_MARGIN_MS);
  return (
    <section className="event-detail" data-testid="event-detail" data-event-id={item.id}>
      <div className="toolbar">
        {back}
        <h1>
          <SeverityBadge severity={item.severity} /> {title} <PhaseBadge phase={item.phase} />
        </h1>
        <label className="switch">
          <input type="checkbox" checked={showBoxes} onChange={(e) => setShowBoxes(e.target.checked)} data-testid="boxes-toggle" />
          <span>{t('events.boxes')}</span>
        </label>
      </div>
      <div className="detail-grid">
        <div className="detail-media">
          <SnapshotView
            path={item.snapshotUrl}
            version={item.updatedAt}
            alt={`${title} · ${cameraName(item.cameraId, cameras)}`}
            detections={item.detections}
            showBoxes={showBoxes}
            className="large"
          />
          {clipUrl !== null && <ClipPlayer path={clipUrl} version={item.updatedAt} clip={item.clip} />}
        </div>
        <div className="detail-side-col">
          <WorkflowPanel eventId={item.id} />
          <aside className="card detail-side">
            {item.thumbnailUrl !== null && (
              <div className="detail-thumb">
                <SnapshotView path={item.thumbnailUrl} version={item.updatedAt} alt={t('events.thumbnail')} className="thumb-large" />
              </div>
            )}
            {(can('evidence.export') || can('footage.review')) && (
              <div className="detail-actions">
                {can('footage.review') && (
                  <Link to={`/footage?camera=${encodeURIComponent(item.cameraId)}&from=${footageFrom}&to=${footageTo}`} className="button">
                    {t('events.footage')}
                  </Link>
                )}
                {can('evidence.export') && <ExportOne eventId={item.id} />}
              </div>
            )}
            <dl className="facts">
              <dt>{t('field.camera')}</dt>
              <dd>{cameraName(item.cameraId, cameras)}</dd>
              <dt>{t('field.rule')}</dt>
              <dd>
                {title} <span className="muted mono">({item.ruleId})</span>
              </dd>
              {item.zoneId !== null && (
                <>
                  <dt>{t('events.zone')}</dt>
                  <dd className="mono">{item.zoneId}</dd>
                </>
              )}
              <dt>{t('field.type')}</dt>
              <dd>{i18n.tKnown(`type.${item.type}`, item.type)}</dd>
              <dt>{t('field.label')}</dt>
              <dd>
                {labelName(item.label, i18n)} · {Math.round(item.topScore * 100)}%
              </dd>
              <dt>{t('field.started')}</dt>
              <dd>{time(item.startedAt)}</dd>
              <dt>{t('field.updated')}</dt>
              <dd>{time(item.updatedAt)}</dd>
              {item.endedAt !== null && (
                <>
                  <dt>{t('field.ended')}</dt>
                  <dd>{time(item.endedAt)}</dd>
                </>
              )}
              {item.endReason !== null && (
                <>
                  <dt>{t('field.endReason')}</dt>
                  <dd>{item.endReason}</dd>
                </>
              )}
              <dt>{t('field.edge')}</dt>
              <dd className="mono">{item.edgeId}</dd>
              <dt>{t('field.eventId')}</dt>
              <dd className="mono small">{item.id}</dd>
            </dl>
            <h2>
              {t('events.detections')} <span className="count">{item.detections.length}</span>
            </h2>
            <ul className="detections">
              {item.detections.map((d, i) => (
                <li key={i}>
                  <span>{labelName(d.label, i18n)}</span>
                  <span className="muted">{Math.round(d.score * 100)}%</span>
                  {d.trackId !== undefined && <span className="muted mono">{t('events.track', { id: d.trackId })}</span>}
                </li>
              ))}
            </ul>
          </aside>
        </div>
      </div>
    </section>
  );
}
